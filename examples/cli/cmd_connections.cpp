// Projects and their connections to integrations in the shared catalog:
// cloudsync projects add|list|remove and
// cloudsync connections add|list|diff|sync|remove.
#include <map>
#include <memory>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "commands.hpp"
#include "console.hpp"
#include "human_format.hpp"
#include "interrupt.hpp"
#include "json_output.hpp"
#include "outcome.hpp"

namespace cloudsync::cli {

namespace {

// --- projects -----------------------------------------------------------------

struct ProjectAddArgs {
  CatalogArgs catalog;
  std::string name;
  std::string root = ".";
  OutputFlags out;
};

int run_project_add(const ProjectAddArgs& a) {
  return with_catalog(a.catalog, a.out, true, [&](Console& console, Catalog& catalog) {
    auto project = catalog.add_project(a.name, a.root);
    if (!project.ok()) return fail(console, a.out, project.status());
    if (a.out.json) {
      print_json(project_to_json(*project));
    } else if (!a.out.quiet) {
      fmt::print("Project '{}' (id {}) at {}\n", printable(project->name), project->id,
                 printable(project->root.string()));
    }
    return 0;
  });
}

struct ProjectListArgs {
  CatalogArgs catalog;
  OutputFlags out;
};

int run_project_list(const ProjectListArgs& a) {
  return with_catalog(a.catalog, a.out, false, [&](Console& console, Catalog& catalog) {
    auto projects = catalog.projects();
    if (!projects.ok()) return fail(console, a.out, projects.status());
    if (a.out.json) {
      std::vector<std::string> items;
      for (const Project& p : *projects) items.push_back(project_to_json(p));
      print_json(json_object({{"projects", json_array(items)}}));
      return 0;
    }
    if (a.out.quiet) return 0;
    if (projects->empty()) {
      fmt::print("No projects.\n");
      return 0;
    }
    std::vector<std::vector<std::string>> rows{{"ID", "NAME", "ROOT"}};
    for (const Project& p : *projects) rows.push_back({p.id, printable(p.name), printable(p.root.string())});
    print_table(stdout, rows);
    return 0;
  });
}

struct ProjectRemoveArgs {
  CatalogArgs catalog;
  std::string name;
  OutputFlags out;
};

int run_project_remove(const ProjectRemoveArgs& a) {
  return with_catalog(a.catalog, a.out, false, [&](Console& console, Catalog& catalog) {
    auto project = catalog.project(a.name);
    if (!project.ok()) return fail(console, a.out, project.status());
    Status removed = catalog.remove_project(project->id);
    if (!removed.ok()) return fail(console, a.out, removed);
    if (a.out.json) {
      print_json(json_object({{"removed", project_to_json(*project)}}));
    } else if (!a.out.quiet) {
      fmt::print("Removed project '{}' (id {}); no file was deleted.\n", printable(project->name), project->id);
    }
    return 0;
  });
}

// --- connections --------------------------------------------------------------

// Names for ids in listings, looked up once each.
class Names {
 public:
  explicit Names(const Catalog& catalog) : catalog_(catalog) {}
  std::string project(const std::string& id) {
    return lookup(projects_, id, [&] {
      auto p = catalog_.project(id);
      return p.ok() ? p->name : id;
    });
  }
  std::string integration(const std::string& id) {
    return lookup(integrations_, id, [&] {
      auto i = catalog_.integration(id);
      return i.ok() ? i->spec.name : id;
    });
  }

 private:
  template <class Find>
  static std::string lookup(std::map<std::string, std::string>& cache, const std::string& id, Find find) {
    auto it = cache.find(id);
    if (it == cache.end()) it = cache.emplace(id, find()).first;
    return it->second;
  }
  const Catalog& catalog_;
  std::map<std::string, std::string> projects_, integrations_;
};

struct ConnectionAddArgs {
  CatalogArgs catalog;
  ConnectionSpec spec;
  OutputFlags out;
};

int run_connection_add(const ConnectionAddArgs& a) {
  return with_catalog(a.catalog, a.out, false, [&](Console& console, Catalog& catalog) {
    auto connection = catalog.add_connection(a.spec);
    if (!connection.ok()) return fail(console, a.out, connection.status());
    if (a.out.json) {
      print_json(connection_to_json(*connection));
    } else if (!a.out.quiet) {
      Names names(catalog);
      auto project = catalog.project(connection->project_id);
      std::string where = project.ok() ? (project->root / connection->folder).string() : connection->folder;
      fmt::print("Connected project '{}' to integration '{}': connection {}\n",
                 printable(names.project(connection->project_id)),
                 printable(names.integration(connection->integration_id)), connection->id);
      fmt::print("Its files go to {}\n", printable(where));
    }
    return 0;
  });
}

struct ConnectionListArgs {
  CatalogArgs catalog;
  std::string project, integration;
  OptionalCount first;
  uint64_t skip = 0;
  OutputFlags out;
};

int run_connection_list(const ConnectionListArgs& a) {
  return with_catalog(a.catalog, a.out, false, [&](Console& console, Catalog& catalog) {
    ConnectionFilter filter;
    if (!a.project.empty()) filter.project = a.project;
    if (!a.integration.empty()) filter.integration = a.integration;
    auto total = catalog.count_connections(filter);
    if (!total.ok()) return fail(console, a.out, total.status());
    auto found = catalog.connections(filter, PageRequest{a.first.get().value_or(UINT64_MAX), a.skip});
    if (!found.ok()) return fail(console, a.out, found.status());
    if (a.out.json) {
      std::vector<std::string> items;
      for (const Connection& c : *found) items.push_back(connection_to_json(c));
      print_json(json_object({{"connections", json_array(items)}, {"total", std::to_string(*total)}}));
      return 0;
    }
    if (a.out.quiet) return 0;
    if (found->empty()) {
      fmt::print("No connections{}.\n", *total > 0 ? " on this page" : "");
      return 0;
    }
    Names names(catalog);
    std::vector<std::vector<std::string>> rows{{"ID", "PROJECT", "INTEGRATION", "FILES", "LAST SYNC", "FOLDER"}};
    for (const Connection& c : *found) {
      rows.push_back({c.id, printable(names.project(c.project_id)), printable(names.integration(c.integration_id)),
                      std::to_string(c.number_of_assets) + (c.is_checking ? " (running)" : ""),
                      c.last_checked ? format_time(*c.last_checked, false) : "never", printable(c.folder)});
    }
    print_table(stdout, rows);
    if (found->size() < *total) fmt::print("({} of {} shown; see --first and --skip)\n", found->size(), *total);
    return 0;
  });
}

struct DiffArgs {
  CatalogArgs catalog;
  std::string id;
  DifferenceOptions options;
  OutputFlags out;
};

int run_diff(const DiffArgs& a) {
  return with_catalog(a.catalog, a.out, false, [&](Console& console, Catalog& catalog) {
    auto plan = catalog.compute_differences(a.id, a.options, interrupt_token());
    if (!plan.ok()) return fail(console, a.out, plan.status());
    if (a.out.json) {
      print_json(plan_to_json(*plan));
      return 0;
    }
    for (const std::string& warning : plan->warnings) {
      fmt::print(a.out.quiet ? stderr : stdout, "{}warning: {}\n", a.out.quiet ? "cloudsync: " : "  ",
                 printable(warning));
    }
    for (const PlanAction& action : plan->actions) {
      bool attention = action.kind == ActionKind::Conflict || action.kind == ActionKind::Skip;
      if (a.out.quiet && !attention) continue;
      std::string line = fmt::format("{:<8} {}", action_kind_name(action.kind), printable(action.path));
      if (action.kind == ActionKind::Add || action.kind == ActionKind::Update) {
        line += fmt::format(" ({})", format_bytes(action.source.size));
      }
      if (!action.reason.empty()) line += ": " + printable(action.reason);
      fmt::print("{}\n", line);
    }
    if (a.out.quiet) return 0;
    std::vector<std::string> parts;
    for (ActionKind kind :
         {ActionKind::Add, ActionKind::Update, ActionKind::Delete, ActionKind::Conflict, ActionKind::Skip}) {
      if (size_t n = plan->count(kind); n > 0) parts.push_back(fmt::format("{} {}", n, action_kind_name(kind)));
    }
    std::string summary = parts.empty() ? std::string("nothing to do") : fmt::format("{}", fmt::join(parts, ", "));
    if (plan->unchanged_count > 0) summary += fmt::format("; {} unchanged", plan->unchanged_count);
    uint64_t bytes = plan->bytes_to_transfer();
    if (bytes > 0) summary += fmt::format("; {} to transfer", format_bytes(bytes));
    fmt::print("Differences: {}. Nothing was changed.\n", summary);
    return 0;
  });
}

struct ConnectionSyncArgs {
  CatalogArgs catalog;
  std::string id;
  bool delete_extraneous = false;
  bool dry_run = false;
  OptionalCount max_delete;
  OutputFlags out;
};

int run_connection_sync(const ConnectionSyncArgs& a) {
  return with_catalog(a.catalog, a.out, false, [&](Console& console, Catalog& catalog) {
    SynchronizeOptions options;
    options.delete_extraneous_files = a.delete_extraneous;
    options.dry_run = a.dry_run;
    options.max_delete = a.max_delete.get();
    return report_operation(console, a.out, catalog.synchronize(a.id, options, console.progress(), interrupt_token()));
  });
}

struct ConnectionRemoveArgs {
  CatalogArgs catalog;
  std::string id;
  OutputFlags out;
};

int run_connection_remove(const ConnectionRemoveArgs& a) {
  return with_catalog(a.catalog, a.out, false, [&](Console& console, Catalog& catalog) {
    auto connection = catalog.connection(a.id);
    if (!connection.ok()) return fail(console, a.out, connection.status());
    Status removed = catalog.remove_connection(a.id);
    if (!removed.ok()) return fail(console, a.out, removed);
    if (a.out.json) {
      print_json(json_object({{"removed", connection_to_json(*connection)}}));
    } else if (!a.out.quiet) {
      fmt::print("Removed connection {}; its files were kept in {}\n", connection->id, printable(connection->folder));
    }
    return 0;
  });
}

// --- Registration -------------------------------------------------------------

// Runs `run(args)` when this subcommand is the one parsed.
template <class Args, class Run>
void on_parsed(CLI::App* cmd, Action& action, std::shared_ptr<Args> a, Run run) {
  cmd->callback([a, &action, run] { action = [a, run] { return run(*a); }; });
}

}  // namespace

void add_projects_command(CLI::App& app, Action& action) {
  CLI::App* cmd = app.add_subcommand("projects", "Register, list or remove the projects of the shared catalog");
  cmd->require_subcommand(1);
  set_examples(*cmd, {"cloudsync projects add analysis ~/analysis", "cloudsync projects list"}, kCatalogLocationHelp);

  auto add = std::make_shared<ProjectAddArgs>();
  CLI::App* c = cmd->add_subcommand("add", "Register a project and the folder its external-files/ live under");
  c->add_option("NAME", add->name, "The project's name")->required()->type_name("");
  c->add_option("ROOT", add->root, "Its folder (default: the current directory)")->type_name("");
  add_catalog_flag(*c, add->catalog);
  add_output_flags(*c, add->out);
  set_examples(*c, {"cloudsync projects add analysis ~/analysis", "cloudsync projects add reporting --json"});
  on_parsed(c, action, add, run_project_add);

  auto list = std::make_shared<ProjectListArgs>();
  c = cmd->add_subcommand("list", "List the projects, one per line");
  add_catalog_flag(*c, list->catalog);
  add_output_flags(*c, list->out);
  set_examples(*c, {"cloudsync projects list", "cloudsync projects list --json"});
  on_parsed(c, action, list, run_project_list);

  auto remove = std::make_shared<ProjectRemoveArgs>();
  c = cmd->add_subcommand("remove", "Forget a project (no file is deleted)");
  c->add_option("NAME", remove->name, "The project's name or id")->required()->type_name("");
  add_catalog_flag(*c, remove->catalog);
  add_output_flags(*c, remove->out);
  set_examples(*c, {"cloudsync projects remove analysis"});
  on_parsed(c, action, remove, run_project_remove);
}

void add_connections_command(CLI::App& app, Action& action) {
  CLI::App* cmd = app.add_subcommand("connections", "Connect projects to catalog integrations and synchronise them");
  cmd->require_subcommand(1);
  set_examples(*cmd,
               {"cloudsync connections add --project analysis --integration Sales --folder reports",
                "cloudsync connections diff 9b1c2d3e4f5a6b7c", "cloudsync connections sync 9b1c2d3e4f5a6b7c --dry-run"},
               kCatalogLocationHelp);

  auto add = std::make_shared<ConnectionAddArgs>();
  CLI::App* c = cmd->add_subcommand("add", "Connect a project to an integration");
  c->add_option("--project", add->spec.project, "The project (name or id; see 'cloudsync projects add')")
      ->required()
      ->type_name("PROJECT");
  c->add_option("--integration", add->spec.integration, "The integration (name or id)")
      ->required()
      ->type_name("INTEGRATION");
  add_repeated_option(*c, "--folder", add->spec.selected_folders,
                      "A remote folder it covers (repeatable; default: the integration's selected folders)")
      ->check(not_empty())
      ->type_name("FOLDER");
  add_repeated_option(*c, "--include", add->spec.include, "Only keys matching this glob (repeatable)")
      ->check(not_empty())
      ->type_name("GLOB");
  add_repeated_option(*c, "--exclude", add->spec.exclude, "Never keys matching this glob (repeatable)")
      ->check(not_empty())
      ->type_name("GLOB");
  add_catalog_flag(*c, add->catalog);
  add_output_flags(*c, add->out);
  set_examples(*c,
               {"cloudsync connections add --project analysis --integration Sales",
                "cloudsync connections add --project analysis --integration Images --folder train --include "
                "\"**/*.png\" --exclude \"tmp/**\""},
               "Globs: '*' and '?' within a folder level, '**' across levels. The integration must allow the project\n"
               "and the folders must lie within its allowed paths.");
  on_parsed(c, action, add, run_connection_add);

  auto list = std::make_shared<ConnectionListArgs>();
  c = cmd->add_subcommand("list", "List connections, one per line");
  c->add_option("--project", list->project, "Only this project's (name or id)")->type_name("PROJECT");
  c->add_option("--integration", list->integration, "Only this integration's (name or id)")->type_name("INTEGRATION");
  add_optional_count(*c, "--first", list->first, "Show at most N (default: all)");
  c->add_option("--skip", list->skip, "Skip the first N matches")->check(whole_number(0))->type_name("N");
  add_catalog_flag(*c, list->catalog);
  add_output_flags(*c, list->out);
  set_examples(*c, {"cloudsync connections list", "cloudsync connections list --project analysis --json"},
               "With --json: {\"connections\": [...], \"total\": N}.");
  on_parsed(c, action, list, run_connection_list);

  auto diff = std::make_shared<DiffArgs>();
  c = cmd->add_subcommand("diff", "Show what a synchronisation would do, one line per file (changes nothing)");
  c->add_option("ID", diff->id, "The connection's id")->required()->type_name("");
  c->add_flag("--delete-extraneous-files", diff->options.delete_extraneous_files,
              "Also list project files no longer on the remote, to be deleted");
  add_run_option_flag(*c, diff->catalog);
  add_catalog_flag(*c, diff->catalog);
  add_output_flags(*c, diff->out);
  set_examples(*c,
               {"cloudsync connections diff 9b1c2d3e4f5a6b7c", "cloudsync connections diff 9b1c2d3e4f5a6b7c --json"},
               "Each line: add, update, delete, conflict or skip, the path, and why. With --json: the plan.");
  on_parsed(c, action, diff, run_diff);

  auto sync = std::make_shared<ConnectionSyncArgs>();
  c = cmd->add_subcommand("sync", "Bring the remote's changes into the project");
  c->add_option("ID", sync->id, "The connection's id")->required()->type_name("");
  c->add_flag("--delete-extraneous-files", sync->delete_extraneous,
              "Also delete project files no longer on the remote (after every transfer succeeded)");
  c->add_flag("-n,--dry-run", sync->dry_run, "Print the plan and change nothing");
  add_optional_count(*c, "--max-delete", sync->max_delete, "Refuse to delete more than N files");
  add_workspace_run_flags(*c, sync->catalog);
  add_limit_flags(*c, sync->catalog);
  add_catalog_flag(*c, sync->catalog);
  add_output_flags(*c, sync->out);
  set_examples(
      *c,
      {"cloudsync connections sync 9b1c2d3e4f5a6b7c --dry-run",
       "cloudsync connections sync 9b1c2d3e4f5a6b7c --delete-extraneous-files --max-delete 20"},
      fmt::format("Files changed on both sides since the last sync are conflicts (exit status {}), left alone.",
                  error_code_exit_status(ErrorCode::Conflict)));
  on_parsed(c, action, sync, run_connection_sync);

  auto remove = std::make_shared<ConnectionRemoveArgs>();
  c = cmd->add_subcommand("remove", "Forget a connection (its files stay)");
  c->add_option("ID", remove->id, "The connection's id")->required()->type_name("");
  add_catalog_flag(*c, remove->catalog);
  add_output_flags(*c, remove->out);
  set_examples(*c, {"cloudsync connections remove 9b1c2d3e4f5a6b7c"});
  on_parsed(c, action, remove, run_connection_remove);
}

}  // namespace cloudsync::cli
