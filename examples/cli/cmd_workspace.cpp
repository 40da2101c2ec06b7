// The project's file operations: cloudsync import, export, restore and
// sync --integration. Each plans, applies (or only shows, with --dry-run) and
// reports through the same path.
#include <memory>

#include <fmt/format.h>

#include "commands.hpp"
#include "console.hpp"
#include "human_format.hpp"
#include "interrupt.hpp"
#include "json_output.hpp"
#include "outcome.hpp"

namespace cloudsync::cli {

namespace {

void print_operation(const OperationResult& r, const OutputFlags& out) {
  std::string title = fmt::format("{} '{}': {} -> {}", r.operation, r.integration, r.plan.source, r.plan.destination);
  print_report(stdout, r.plan, r.report, {title, out.quiet});
}

// What every operation on one integration takes from the command line.
template <class Request>
struct OperationArgs {
  WorkspaceArgs workspace;
  std::string name;
  Request request;
  OutputFlags out;
};
using ImportArgs = OperationArgs<ImportRequest>;
using ExportArgs = OperationArgs<ExportRequest>;
using RestoreArgs = OperationArgs<RestoreRequest>;

// Opens the workspace, runs `operation(workspace, progress, cancel)` and reports it.
template <class Request, class Operation>
int run_operation(const OperationArgs<Request>& a, Operation operation) {
  Console console(a.out);
  auto ws = open_workspace(a.workspace, false);
  if (!ws.ok()) return fail(console, a.out, ws.status());
  return report_operation(console, a.out, operation(**ws, console.progress(), interrupt_token()));
}

int run_import(const ImportArgs& a) {
  return run_operation(a, [&](Workspace& ws, const ProgressCallback& progress, const CancelToken* cancel) {
    return ws.import_files(a.name, a.request, progress, cancel);
  });
}

int run_export(const ExportArgs& a) {
  return run_operation(a, [&](Workspace& ws, const ProgressCallback& progress, const CancelToken* cancel) {
    return ws.export_files(a.name, a.request, progress, cancel);
  });
}

int run_restore(const RestoreArgs& a) {
  Console console(a.out);
  auto ws = open_workspace(a.workspace, false);
  if (!ws.ok()) return fail(console, a.out, ws.status());
  auto results = (*ws)->restore(a.name, a.request, console.progress(), interrupt_token());
  console.end_progress();
  if (!results.ok()) return fail(console, a.out, results.status());
  std::vector<const SyncReport*> reports;
  std::vector<std::string> documents;
  for (const OperationResult& r : *results) {
    reports.push_back(&r.report);
    if (a.out.json) {
      documents.push_back(operation_result_to_json(r));
    } else {
      print_operation(r, a.out);
    }
  }
  if (a.out.json) {
    print_json(json_object({{"results", json_array(documents)}}));
  } else if (results->empty() && !a.out.quiet) {
    fmt::print("No integrations to restore in {}.\n", printable((*ws)->root().string()));
  }
  return conclude(console, verdict_of(reports));
}

// The request options every operation shares.
void add_operation_flags(CLI::App& cmd, WorkspaceArgs& workspace, bool& dry_run, OutputFlags& out) {
  cmd.add_flag("-n,--dry-run", dry_run, "Print the plan and change nothing");
  add_project_flag(cmd, workspace);
  add_workspace_run_flags(cmd, workspace);
  add_output_flags(cmd, out);
}

}  // namespace

int report_operation(Console& console, const OutputFlags& out, const Result<OperationResult>& result) {
  console.end_progress();
  if (!result.ok()) return fail(console, out, result.status());
  if (out.json) {
    print_json(operation_result_to_json(*result));
  } else {
    print_operation(*result, out);
  }
  return conclude(console, verdict_of(result->report));
}

int run_project_sync(const WorkspaceArgs& workspace, const ProjectSyncArgs& args, const OutputFlags& out) {
  Console console(out);
  auto ws = open_workspace(workspace, false);
  if (!ws.ok()) return fail(console, out, ws.status());
  SyncRequest request;
  request.direction = args.push ? SyncDirection::Push : SyncDirection::Pull;
  request.folders = args.folders;
  request.delete_extraneous = args.delete_extraneous;
  request.dry_run = args.dry_run;
  request.max_delete = args.max_delete;
  return report_operation(console, out, (*ws)->sync(args.integration, request, console.progress(), interrupt_token()));
}

void add_import_command(CLI::App& app, Action& action) {
  auto a = std::make_shared<ImportArgs>();
  CLI::App* cmd = app.add_subcommand("import", "Copy selected files of an integration into the project");
  cmd->add_option("NAME", a->name, "The integration's name")->required()->type_name("");
  cmd->add_option("SELECTOR", a->request.selectors,
                  "What to import: a key (data/a.csv), a folder (data/) or a glob (\"**/*.csv\")")
      ->required()
      ->check(not_empty())
      ->type_name("");
  add_operation_flags(*cmd, a->workspace, a->request.dry_run, a->out);
  add_limit_flags(*cmd, a->workspace);
  set_examples(*cmd,
               {"cloudsync import Sales reports/2024/ \"**/*.csv\"", "cloudsync import Sales data/q1.parquet --dry-run",
                "cloudsync import Archive big/ --max-file-size 50G --max-files 500"},
               "Files land in the integration's folder (see 'cloudsync integration list'). The project may hold at\n"
               "most --max-files files from integrations, none larger than --max-file-size; the import fails\n"
               "before anything moves when it would break a limit. Quote globs so the shell leaves them alone.");
  cmd->callback([a, &action] { action = [a] { return run_import(*a); }; });
}

void add_export_command(CLI::App& app, Action& action) {
  auto a = std::make_shared<ExportArgs>();
  CLI::App* cmd = app.add_subcommand("export", "Send new and changed project files back to a writeback integration");
  cmd->add_option("NAME", a->name, "The integration's name")->required()->type_name("");
  cmd->add_option("PATH", a->request.paths, "Only these files or folders, relative to the integration's folder")
      ->type_name("");
  add_operation_flags(*cmd, a->workspace, a->request.dry_run, a->out);
  set_examples(*cmd,
               {"cloudsync export Shared --dry-run", "cloudsync export Shared reports/summary.csv",
                "AWS_PROFILE=sales cloudsync export Sales"},
               "Only files added or changed in the project since they were imported or exported are sent, and\n"
               "never over a file that also changed remotely (that is a conflict). Needs an integration added\n"
               "with --writeback.");
  cmd->callback([a, &action] { action = [a] { return run_export(*a); }; });
}

void add_restore_command(CLI::App& app, Action& action) {
  auto a = std::make_shared<RestoreArgs>();
  CLI::App* cmd =
      app.add_subcommand("restore", "Bring back every file imported or exported (missing or changed ones only)");
  cmd->add_option("NAME", a->name, "Only this integration (default: all)")->type_name("");
  add_operation_flags(*cmd, a->workspace, a->request.dry_run, a->out);
  set_examples(
      *cmd, {"cloudsync restore", "cloudsync restore Sales --dry-run", "cloudsync restore --project ~/analysis --json"},
      "For a fresh checkout or a new machine: downloads only the tracked files that are missing or differ\n"
      "from what was imported. With --json: {\"results\": [one operation result per integration]}.");
  cmd->callback([a, &action] { action = [a] { return run_restore(*a); }; });
}

}  // namespace cloudsync::cli
