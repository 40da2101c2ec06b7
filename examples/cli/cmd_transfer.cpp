// cloudsync copy SRC DST (and sync SRC DST): plan a one-way tree sync between
// two URLs, then apply it, or only show it with --dry-run.
#include <memory>
#include <utility>

#include <fmt/format.h>

#include "cloudsync/sync.hpp"
#include "backend_option_args.hpp"
#include "commands.hpp"
#include "console.hpp"
#include "human_format.hpp"
#include "interrupt.hpp"
#include "json_output.hpp"
#include "outcome.hpp"
#include "single_file.hpp"
#include "streamed_run.hpp"

namespace cloudsync::cli {

namespace {

// -o goes to the ends that take it; --src-option / --dst-option to one end
// (over -o). Values are read here (env:, file:, -), once.
Result<std::vector<BackendOptions>> options_of_ends(const TreeTransferArgs& a) {
  const OptionEnd ends[] = {{"the source", a.source}, {"the destination", a.destination}};
  CLOUDSYNC_ASSIGN_OR_RETURN(BackendOptions common, read_option_values(a.options));
  CLOUDSYNC_ASSIGN_OR_RETURN(std::vector<BackendOptions> out, route_options(common, ends));
  const std::vector<std::string>* own[] = {&a.source_options, &a.destination_options};
  for (size_t i = 0; i < 2; ++i) {
    CLOUDSYNC_ASSIGN_OR_RETURN(BackendOptions given, read_option_values(*own[i]));
    CLOUDSYNC_ASSIGN_OR_RETURN(std::vector<BackendOptions> routed, route_options(given, std::span(&ends[i], 1)));
    for (auto& [key, value] : routed.front()) out[i][key] = value;
  }
  return out;
}

// One inside the other would have a sync read what it writes (or, with
// --delete-extraneous, delete what it is copying). describe() names where a
// backend points without credentials, whatever the provider.
Status check_no_overlap(const StorageBackend& source, const StorageBackend& destination) {
  std::string s = source.describe();
  std::string d = destination.describe();
  auto within = [](const std::string& inner, const std::string& outer) {
    return inner == outer || (inner.size() > outer.size() && inner.compare(0, outer.size(), outer) == 0 &&
                              (outer.back() == '/' || inner[outer.size()] == '/'));
  };
  if (within(s, d) || within(d, s)) {
    return Status(
        ErrorCode::InvalidArgument,
        fmt::format("source {} and destination {} overlap; use folders that do not contain each other", s, d));
  }
  return Status::OK();
}

using Ends = std::pair<std::shared_ptr<StorageBackend>, std::shared_ptr<StorageBackend>>;

// SRC and DST as backends: two folders, or a single file's views
// (single_file.hpp) when SRC names a file.
Result<Ends> open_ends(const TreeTransferArgs& a, const std::vector<BackendOptions>& options) {
  auto file = existing_file(a.source, options[0]);
  if (!file) {
    auto source = open_backend(a.source, options[0]);
    if (!source.ok()) return source.status().with_context("source");
    auto destination = open_backend(a.destination, options[1]);
    if (!destination.ok()) return destination.status().with_context("destination");
    return Ends{std::move(*source), std::move(*destination)};
  }
  if (!a.folders.empty()) return Status(ErrorCode::InvalidArgument, "--folder does not apply to a single file");
  // DST is the folder the file goes into, unless it is an existing file, which is replaced.
  FileUrl target{a.destination, file->name};
  if (auto existing = existing_file(a.destination, options[1])) target = *existing;
  auto source = open_backend(file->folder, options[0]);
  if (!source.ok()) return source.status().with_context("source");
  auto destination = open_backend(target.folder, options[1]);
  if (!destination.ok()) return destination.status().with_context("destination");
  auto source_key = Path::parse(file->name);
  if (!source_key.ok()) return source_key.status().with_context("source");
  auto destination_key = Path::parse(target.name);
  if (!destination_key.ok()) return destination_key.status().with_context("destination");
  return Ends{make_single_object_view(std::move(*source), *source_key, *destination_key),
              make_single_object_view(std::move(*destination), *destination_key, *destination_key)};
}

}  // namespace

void add_tree_transfer_flags(CLI::App& cmd, TreeTransferArgs& a, bool with_delete) {
  cmd.add_flag("-n,--dry-run", a.dry_run, "Print the plan and change nothing");
  if (with_delete) {
    cmd.add_flag("--delete-extraneous", a.delete_extraneous,
                 "Also delete destination files that are not at the source (after all transfers succeeded)");
  }
  add_optional_count(cmd, "--max-delete", a.max_delete, "Refuse to run a plan that deletes more than N files");
  a.checksum_option =
      cmd.add_flag("--checksum", a.checksum, "Compare content hashes even when sizes and times agree (slower, exact)");
  a.ignore_checksum_option = cmd.add_flag(
      "--ignore-checksum", a.ignore_checksum,
      "Skip whole-file checksums: downloads are not verified against the source's MD5 or CRC32C and uploads "
      "store none (faster; each request keeps its own checksum)");
  cmd.add_option("--transfers", a.transfers, "Files transferred in parallel")
      ->check(whole_number(1, kMaxTransfers))
      ->type_name("N")
      ->capture_default_str();
  cmd.add_option("--small-transfers", a.small_transfers,
                 "Small files (under 1 MiB) in flight at once at most; the store's \"slow down\" answers "
                 "halve it (default: 4 x --transfers)")
      ->check(whole_number(1, 4 * kMaxTransfers))
      ->type_name("N");
  cmd.add_option("--download-streams", a.download_streams,
                 "Ranged reads of one large file (64 MiB and up) at once, into a local folder; 1: one stream")
      ->check(whole_number(1, 64))
      ->type_name("N")
      ->capture_default_str();
  add_repeated_option(cmd, "--folder", a.folders, "Only this folder below both roots (repeatable)")
      ->type_name("FOLDER");
  add_key_value_option(cmd, "-o,--option", a.options,
                       "Backend option KEY=VALUE for the ends that take it; SCHEME.KEY for one provider (repeatable)");
  a.source_options_option =
      add_key_value_option(cmd, "--src-option", a.source_options, "Backend option KEY=VALUE for SRC only (repeatable)");
  a.destination_options_option = add_key_value_option(cmd, "--dst-option", a.destination_options,
                                                      "Backend option KEY=VALUE for DST only (repeatable)");
}

int run_tree_transfer(std::string_view verb, const TreeTransferArgs& a, const OutputFlags& out) {
  Console console(out);
  const CancelToken* cancel = interrupt_token();
  auto options = options_of_ends(a);
  if (!options.ok()) return fail(console, out, options.status());
  auto ends = open_ends(a, *options);
  if (!ends.ok()) return fail(console, out, ends.status());
  auto& [source, destination] = *ends;
  Status overlap = check_no_overlap(*source, *destination);
  if (!overlap.ok()) return fail(console, out, overlap);

  SyncOptions sync_options;
  sync_options.delete_extraneous = a.delete_extraneous;
  sync_options.folders = a.folders;
  sync_options.checksum = a.checksum;
  ApplyOptions apply;
  apply.dry_run = a.dry_run;
  apply.transfers = a.transfers;
  apply.small_file_transfers = a.small_transfers;
  apply.download_streams = a.download_streams;
  apply.max_delete = a.max_delete.get();
  apply.ignore_checksum = a.ignore_checksum;
  // In text, transfers start as they are planned and the plan is never held
  // whole. The JSON document holds the plan, so it is made first, and so does
  // a real run with --max-delete: that guard promises that nothing changes,
  // which needs the whole plan before the first transfer (a dry run only
  // reports, so it streams).
  if (!out.json && (a.dry_run || !apply.max_delete)) {
    return run_streamed(verb, *source, *destination, sync_options, apply, out, console, cancel);
  }
  auto plan = plan_sync(*source, *destination, sync_options, cancel);
  if (!plan.ok()) return fail(console, out, plan.status());

  auto report = apply_plan(*plan, *source, *destination, apply, console.progress(), cancel);
  console.end_progress();
  if (!report.ok()) return fail(console, out, report.status(), {{"plan", plan_to_json(*plan)}});

  if (out.json) {
    print_json(json_object({{"plan", plan_to_json(*plan)}, {"report", report_to_json(*report)}}));
  } else {
    std::string title = fmt::format("{} {} -> {}", verb, plan->source, plan->destination);
    print_report(stdout, *plan, *report, {title, out.quiet});
  }
  return conclude(console, verdict_of(*report));
}

void add_copy_command(CLI::App& app, Action& action) {
  struct CopyArgs {
    TreeTransferArgs tree;
    OutputFlags out;
  };
  auto a = std::make_shared<CopyArgs>();
  CLI::App* cmd = app.add_subcommand(
      "copy", "Make DST contain SRC's files: add what is missing, update what changed, never delete");
  cmd->add_option("SRC", a->tree.source, "Where from: a URL or a local path")->required()->type_name("");
  cmd->add_option("DST", a->tree.destination, "Where to: a URL or a local path")->required()->type_name("");
  add_tree_transfer_flags(*cmd, a->tree, false);
  add_output_flags(*cmd, a->out);
  set_examples(
      *cmd,
      {"cloudsync copy ./photos file:///mnt/backup/photos", "cloudsync copy --dry-run ./reports s3://my-bucket/reports",
       "cloudsync copy s3://my-bucket/data ./data --folder 2024 --transfers 16 --json",
       "cloudsync copy ./reports/summary.csv s3://my-bucket/reports -o access_key_id=env:MY_KEY_ID \\",
       "    -o secret_access_key=file:aws-secret.txt",
       "cloudsync copy az://container/in ./in --src-option account=myaccount --src-option "
       "account_key=env:AZURE_STORAGE_KEY"},
      "Files are compared by size and modification time (and hashes with --checksum); only differences\n"
      "move. A single file as SRC goes into the folder DST (DST/NAME), or replaces DST when DST is an\n"
      "existing file; the plan shows which. Credentials come from the environment (AWS_*, AZURE_STORAGE_*,\n"
      "GOOGLE_APPLICATION_CREDENTIALS, ...) or -o options; they are never stored.\n" +
          std::string(kOptionValueHelp));
  cmd->callback([a, &action] { action = [a] { return run_tree_transfer("copy", a->tree, a->out); }; });
}

}  // namespace cloudsync::cli
