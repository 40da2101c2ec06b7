// cloudsync copy SRC DST (and sync SRC DST): plan a one-way tree sync between
// two URLs, then apply it, or only show it with --dry-run.
#include <memory>

#include <fmt/format.h>

#include "cloudsync/sync.hpp"
#include "commands.hpp"
#include "console.hpp"
#include "human_format.hpp"
#include "interrupt.hpp"
#include "json_output.hpp"
#include "outcome.hpp"

namespace cloudsync::cli {

namespace {

BackendOptions merged(const std::vector<std::string>& common, const std::vector<std::string>& own) {
  BackendOptions out = to_backend_options(common);
  for (auto& [key, value] : to_backend_options(own)) out[key] = value;
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
  add_repeated_option(cmd, "--folder", a.folders, "Only this folder below both roots (repeatable)")
      ->type_name("FOLDER");
  add_key_value_option(cmd, "-o,--option", a.options, "Backend option KEY=VALUE for both ends (repeatable)");
  a.source_options_option =
      add_key_value_option(cmd, "--src-option", a.source_options, "Backend option KEY=VALUE for SRC only (repeatable)");
  a.destination_options_option = add_key_value_option(cmd, "--dst-option", a.destination_options,
                                                      "Backend option KEY=VALUE for DST only (repeatable)");
}

int run_tree_transfer(std::string_view verb, const TreeTransferArgs& a, const OutputFlags& out) {
  Console console(out);
  const CancelToken* cancel = interrupt_token();
  auto source = open_backend(a.source, merged(a.options, a.source_options));
  if (!source.ok()) return fail(console, out, source.status().with_context("source"));
  auto destination = open_backend(a.destination, merged(a.options, a.destination_options));
  if (!destination.ok()) return fail(console, out, destination.status().with_context("destination"));
  Status overlap = check_no_overlap(**source, **destination);
  if (!overlap.ok()) return fail(console, out, overlap);

  SyncOptions sync_options;
  sync_options.delete_extraneous = a.delete_extraneous;
  sync_options.folders = a.folders;
  sync_options.checksum = a.checksum;
  auto plan = plan_sync(**source, **destination, sync_options, cancel);
  if (!plan.ok()) return fail(console, out, plan.status());

  ApplyOptions apply;
  apply.dry_run = a.dry_run;
  apply.transfers = a.transfers;
  apply.max_delete = a.max_delete.get();
  apply.ignore_checksum = a.ignore_checksum;
  auto report = apply_plan(*plan, **source, **destination, apply, console.progress(), cancel);
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
       "cloudsync copy az://container/in ./in --src-option account=myaccount"},
      "Files are compared by size and modification time (and hashes with --checksum); only differences\n"
      "move. Credentials come from the environment (AWS_*, AZURE_STORAGE_*,\n"
      "GOOGLE_APPLICATION_CREDENTIALS, ...) or -o options; they are never stored.");
  cmd->callback([a, &action] { action = [a] { return run_tree_transfer("copy", a->tree, a->out); }; });
}

}  // namespace cloudsync::cli
