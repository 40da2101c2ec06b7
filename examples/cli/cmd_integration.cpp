// Managing a project's integrations: cloudsync integration add|list|remove,
// and cloudsync status NAME (the files tracked for one).
#include <memory>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "commands.hpp"
#include "console.hpp"
#include "human_format.hpp"
#include "json_output.hpp"
#include "outcome.hpp"

namespace cloudsync::cli {

namespace {

struct AddArgs {
  WorkspaceArgs workspace;
  IntegrationSpec spec;
  std::vector<std::string> options;
  OutputFlags out;
};

int run_add(AddArgs& a) {
  Console console(a.out);
  auto ws = open_workspace(a.workspace, true);
  if (!ws.ok()) return fail(console, a.out, ws.status());
  IntegrationSpec spec = a.spec;
  spec.url = stored_url(spec.url);
  spec.options = to_backend_options(a.options);
  auto added = (*ws)->add_integration(std::move(spec));
  if (!added.ok()) return fail(console, a.out, added.status());
  if (a.out.json) {
    print_json(integration_to_json(*added));
  } else if (!a.out.quiet) {
    fmt::print("Added integration '{}' ({}, {}): {}\n", printable(added->spec.name), added->spec.type,
               access_of(*added), printable(added->spec.url));
    fmt::print("Its files go to {}\n", printable(added->folder));
    if (!added->spec.selected_folders.empty()) {
      fmt::print("sync covers: {}\n", printable(fmt::format("{}", fmt::join(added->spec.selected_folders, ", "))));
    }
  }
  return 0;
}

struct ListArgs {
  WorkspaceArgs workspace;
  OutputFlags out;
};

int run_list(const ListArgs& a) {
  Console console(a.out);
  auto ws = open_workspace(a.workspace, false);
  if (!ws.ok()) return fail(console, a.out, ws.status());
  std::vector<Integration> all = (*ws)->integrations();
  if (a.out.json) {
    std::vector<std::string> items;
    for (const Integration& i : all) items.push_back(integration_to_json(i));
    print_json(json_object({{"integrations", json_array(items)}}));
    return 0;
  }
  if (all.empty()) {
    if (!a.out.quiet) fmt::print("No integrations in {}.\n", printable((*ws)->root().string()));
    return 0;
  }
  std::vector<std::vector<std::string>> rows{{"NAME", "TYPE", "ACCESS", "FOLDER", "URL"}};
  for (const Integration& i : all) {
    rows.push_back({printable(i.spec.name), i.spec.type, access_of(i), printable(i.folder), printable(i.spec.url)});
  }
  print_table(stdout, rows);
  return 0;
}

struct RemoveArgs {
  WorkspaceArgs workspace;
  std::string name;
  bool delete_files = false;
  OutputFlags out;
};

int run_remove(const RemoveArgs& a) {
  Console console(a.out);
  auto ws = open_workspace(a.workspace, false);
  if (!ws.ok()) return fail(console, a.out, ws.status());
  auto integration = (*ws)->integration(a.name);
  if (!integration.ok()) return fail(console, a.out, integration.status());
  Status removed = (*ws)->remove_integration(a.name, a.delete_files);
  if (!removed.ok()) return fail(console, a.out, removed);
  if (a.out.json) {
    print_json(json_object(
        {{"removed", integration_to_json(*integration)}, {"files_deleted", a.delete_files ? "true" : "false"}}));
  } else if (!a.out.quiet) {
    fmt::print("Removed integration '{}'. {} {}\n", printable(integration->spec.name),
               a.delete_files ? "Deleted its folder" : "Its files were kept in", printable(integration->folder));
  }
  return 0;
}

struct StatusArgs {
  WorkspaceArgs workspace;
  std::string name;
  OutputFlags out;
};

int run_status(const StatusArgs& a) {
  Console console(a.out);
  auto ws = open_workspace(a.workspace, false);
  if (!ws.ok()) return fail(console, a.out, ws.status());
  auto integration = (*ws)->integration(a.name);
  if (!integration.ok()) return fail(console, a.out, integration.status());
  auto files = (*ws)->tracked_files(a.name);
  if (!files.ok()) return fail(console, a.out, files.status());
  if (a.out.json) {
    print_json(tracked_files_to_json(integration->spec.name, *files));
    return 0;
  }
  uint64_t total = 0;
  for (const TrackedFile& f : *files) {
    total += f.size;
    if (!a.out.quiet) fmt::print("{:<7} {:>12}  {}\n", f.origin, f.size, printable(f.path));
  }
  if (!a.out.quiet) {
    fmt::print("{} file{} ({}) tracked for '{}' ({}, {}) in {}\n", files->size(), files->size() == 1 ? "" : "s",
               format_bytes(total), printable(integration->spec.name), printable(integration->spec.url),
               access_of(*integration), printable(integration->folder));
  }
  return 0;
}

void add_integration_add(CLI::App& parent, Action& action) {
  auto a = std::make_shared<AddArgs>();
  CLI::App* cmd = parent.add_subcommand("add", "Register a storage integration (a bucket, container, Drive folder...)");
  cmd->add_option("NAME", a->spec.name, "Display name, unique in the project; names the folder too")
      ->required()
      ->type_name("");
  cmd->add_option("--url", a->spec.url, "Where its files are: s3://bucket/prefix, az://container, file:///dir, ...")
      ->required()
      ->type_name("URL");
  cmd->add_option("--type", a->spec.type, "Folder type below external-files/ (default: from the URL: s3, azure, ...)")
      ->type_name("TYPE");
  cmd->add_flag("--writeback", a->spec.writeback, "Allow export and sync --push (default: read-only)");
  add_repeated_option(*cmd, "--folder", a->spec.selected_folders,
                      "A remote folder that project syncs cover (repeatable; default: all)")
      ->type_name("FOLDER");
  add_key_value_option(*cmd, "-o,--option", a->options,
                       "Non-secret backend option KEY=VALUE to store, e.g. region (repeatable)");
  add_project_flag(*cmd, a->workspace);
  add_output_flags(*cmd, a->out);
  set_examples(*cmd,
               {"cloudsync integration add \"Sales Data\" --url s3://acme-sales/exports -o region=eu-west-1",
                "cloudsync integration add Shared --url file:///mnt/shared --writeback --folder reports",
                "cloudsync integration add Drive --url gdrive://1AbCdEfG/team --project ~/analysis"},
               "The files go to external-files/<type>/<sanitized name>/ in the project. Credentials are never stored:\n"
               "options such as secret_access_key, sas or refresh_token, and URLs carrying them (s3://KEY:SECRET@...,\n"
               "az://container?sig=...), are refused. Give them through the environment (AWS_*, AZURE_STORAGE_*,\n"
               "GOOGLE_APPLICATION_CREDENTIALS) or with -o on each command.");
  cmd->callback([a, &action] { action = [a] { return run_add(*a); }; });
}

void add_integration_list(CLI::App& parent, Action& action) {
  auto a = std::make_shared<ListArgs>();
  CLI::App* cmd = parent.add_subcommand("list", "List the project's integrations");
  add_project_flag(*cmd, a->workspace);
  add_output_flags(*cmd, a->out);
  set_examples(*cmd, {"cloudsync integration list", "cloudsync integration list --project ~/analysis --json"});
  cmd->callback([a, &action] { action = [a] { return run_list(*a); }; });
}

void add_integration_remove(CLI::App& parent, Action& action) {
  auto a = std::make_shared<RemoveArgs>();
  CLI::App* cmd = parent.add_subcommand("remove", "Forget an integration (its files stay unless --delete-files)");
  cmd->add_option("NAME", a->name, "The integration's name")->required()->type_name("");
  cmd->add_flag("--delete-files", a->delete_files, "Also delete its folder in the project");
  add_project_flag(*cmd, a->workspace);
  add_output_flags(*cmd, a->out);
  set_examples(*cmd,
               {"cloudsync integration remove Shared", "cloudsync integration remove \"Sales Data\" --delete-files"});
  cmd->callback([a, &action] { action = [a] { return run_remove(*a); }; });
}

}  // namespace

void add_integration_command(CLI::App& app, Action& action) {
  CLI::App* cmd = app.add_subcommand("integration", "Add, list or remove the project's storage integrations");
  cmd->require_subcommand(1);
  add_integration_add(*cmd, action);
  add_integration_list(*cmd, action);
  add_integration_remove(*cmd, action);
  set_examples(*cmd, {"cloudsync integration add Archive --url file:///srv/archive", "cloudsync integration list",
                      "cloudsync integration remove Archive"});
}

void add_status_command(CLI::App& app, Action& action) {
  auto a = std::make_shared<StatusArgs>();
  CLI::App* cmd = app.add_subcommand("status", "Show the files the project tracks for an integration");
  cmd->add_option("NAME", a->name, "The integration's name")->required()->type_name("");
  add_project_flag(*cmd, a->workspace);
  add_output_flags(*cmd, a->out);
  set_examples(*cmd, {"cloudsync status Sales", "cloudsync status Sales --project ~/analysis --json"},
               "Each line: origin (import or export), size in bytes, path inside the integration's folder.");
  cmd->callback([a, &action] { action = [a] { return run_status(*a); }; });
}

}  // namespace cloudsync::cli
