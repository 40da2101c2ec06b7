// cloudsync ls URL: list objects, one level (with folders) or recursively.
#include <algorithm>
#include <cstdio>
#include <set>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "cloudsync/listing.hpp"
#include "backend_option_args.hpp"
#include "commands.hpp"
#include "console.hpp"
#include "human_format.hpp"
#include "interrupt.hpp"
#include "json_output.hpp"
#include "outcome.hpp"

namespace cloudsync::cli {

namespace {

struct LsArgs {
  std::string url;
  bool recursive = false;
  std::vector<std::string> options;
  OutputFlags out;
};

// One line of a listing: an object or a folder ("dir/").
struct Entry {
  const ObjectMeta* object = nullptr;
  const std::string* folder = nullptr;
  const std::string& key() const { return object != nullptr ? object->key : *folder; }
};

void print_entry(const Entry& e) {
  if (e.object != nullptr && e.object->kind != ObjectKind::DirectoryMarker) {
    const ObjectMeta& m = *e.object;
    std::string when = m.mtime           ? format_time(*m.mtime, false)
                       : m.last_modified ? format_time(*m.last_modified, false)
                                         : std::string("-");
    fmt::print("{:>12}  {:<19}  {}{}\n", m.size, when, printable(m.key),
               m.kind == ObjectKind::Document ? "  (document)" : "");
  } else {
    fmt::print("{:>12}  {:<19}  {}\n", "-", "-", printable(e.key()));
  }
}

int run_ls(const LsArgs& a) {
  Console console(a.out);
  auto given = read_option_values(a.options);
  if (!given.ok()) return fail(console, a.out, given.status());
  const OptionEnd end{"the URL", a.url};
  auto routed = route_options(*given, std::span(&end, 1));
  if (!routed.ok()) return fail(console, a.out, routed.status());
  auto backend = open_backend(a.url, routed->front());
  if (!backend.ok()) return fail(console, a.out, backend.status());
  std::optional<ListingJsonWriter> json;
  if (a.out.json) {
    json.emplace((*backend)->describe(),
                 [](std::string_view chunk) { std::fwrite(chunk.data(), 1, chunk.size(), stdout); });
  }

  ListOptions options;
  options.recursive = a.recursive;
  OpContext ctx{interrupt_token()};
  Status status;
  Status unreadable;  // the listing goes on, but does not end as a success
  std::set<std::string> tokens_seen;
  do {
    auto page = (*backend)->list_page(options, ctx);
    if (!page.ok()) {
      status = page.status();
      break;
    }
    // Stores list in no particular order; each page is shown sorted.
    std::vector<Entry> entries;
    for (const ObjectMeta& m : page->objects) entries.push_back({&m, nullptr});
    for (const std::string& p : page->common_prefixes) entries.push_back({nullptr, &p});
    std::sort(entries.begin(), entries.end(), [](const Entry& x, const Entry& y) { return x.key() < y.key(); });
    for (const Entry& e : entries) {
      if (!json) {
        print_entry(e);
      } else if (e.object != nullptr) {
        json->entry(*e.object);
      } else {
        json->folder(*e.folder);
      }
    }
    for (const UnreadableEntry& entry : page->unreadable) {
      Status failed = entry.reason.with_context(fmt::format("could not read '{}'", entry.key));
      console.error(failed);
      if (unreadable.ok()) unreadable = failed;
    }
    options.page_token = page->next_page_token;
    // A server that hands out a token again (A, B, A, ...) would list forever.
    if (!options.page_token.empty() && !tokens_seen.insert(options.page_token).second) {
      status = Status(ErrorCode::BadResponse,
                      fmt::format("listing {}: the server repeated a page token; the listing would never end",
                                  (*backend)->describe()));
      break;
    }
  } while (!options.page_token.empty() && !ctx.cancelled());
  if (status.ok() && ctx.cancelled()) status = Status(ErrorCode::Cancelled, "the listing was interrupted");
  if (status.ok()) status = unreadable;
  if (json) {
    json->finish(status.ok() ? std::string() : error_to_json(status));
    std::fputs("\n", stdout);
    std::fflush(stdout);
  }
  if (!status.ok()) {
    console.error(status);
    return exit_status_of(status);
  }
  return 0;
}

}  // namespace

void add_ls_command(CLI::App& app, Action& action) {
  auto a = std::make_shared<LsArgs>();
  CLI::App* cmd = app.add_subcommand("ls", "List the objects at a URL (size, modification time, key)");
  cmd->add_option("URL", a->url, "Where to list: file:///abs/dir, a local path, mem://name, s3://bucket/prefix, ...")
      ->required()
      ->type_name("");
  cmd->add_flag("-R,--recursive", a->recursive, "List everything below URL, not just one level");
  add_key_value_option(*cmd, "-o,--option", a->options, "Backend option KEY=VALUE (repeatable)");
  add_output_flags(*cmd, a->out);
  set_examples(*cmd,
               {"cloudsync ls ./data", "cloudsync ls -R file:///srv/exports --json",
                "cloudsync ls -R s3://my-bucket/reports -o region=eu-west-1"},
               "Without -R, folders are shown as 'name/' with '-' for size and time. Times are UTC.\n"
               "With --json: {\"url\", \"entries\": [{\"key\", \"kind\", \"size\", \"mtime\", \"etag\", hashes...}]},\n"
               "the listing form of the C ABI (capi/schema/listing.schema.json).\n" +
                   std::string(kOptionValueHelp));
  cmd->callback([a, &action] { action = [a] { return run_ls(*a); }; });
}

}  // namespace cloudsync::cli
