// cloudsync sync: one verb, two forms.
//   sync SRC DST                        a tree sync between two URLs (copy, plus
//                                       --delete-extraneous)
//   sync --integration NAME [--project] a project's integration folder with its
//                                       remote (pull, or --push)
// Exactly one form per invocation; flags of the other form are usage errors.
#include <memory>

#include <fmt/format.h>

#include "backend_option_args.hpp"
#include "commands.hpp"

namespace cloudsync::cli {

namespace {

struct SyncArgs {
  TreeTransferArgs tree;
  WorkspaceArgs workspace;
  std::string integration;
  bool push = false;
  OutputFlags out;
  CLI::Option* integration_option = nullptr;
  CLI::Option* push_option = nullptr;
};

void reject_if_given(const CLI::Option* option, std::string_view why) {
  if (option != nullptr && option->count() > 0) usage_error(fmt::format("{} {}", option->get_name(), why));
}

// Decides the form (after parsing, before anything runs) and returns its action.
Action action_for(const std::shared_ptr<SyncArgs>& a) {
  bool project_form = a->integration_option->count() > 0;
  if (project_form) {
    if (!a->tree.source.empty() || !a->tree.destination.empty()) {
      usage_error("give either SRC DST or --integration NAME, not both");
    }
    const char* why = "applies to 'sync SRC DST', not to 'sync --integration'";
    reject_if_given(a->tree.checksum_option, why);
    reject_if_given(a->tree.ignore_checksum_option, why);
    reject_if_given(a->tree.source_options_option, why);
    reject_if_given(a->tree.destination_options_option, why);
    return [a] {
      WorkspaceArgs workspace = a->workspace;
      workspace.options = a->tree.options;
      workspace.transfers = a->tree.transfers;
      ProjectSyncArgs sync;
      sync.integration = a->integration;
      sync.folders = a->tree.folders;
      sync.push = a->push;
      sync.delete_extraneous = a->tree.delete_extraneous;
      sync.dry_run = a->tree.dry_run;
      sync.max_delete = a->tree.max_delete.get();
      return run_project_sync(workspace, sync, a->out);
    };
  }
  const char* why = "needs --integration NAME (it applies to project syncs)";
  reject_if_given(a->push_option, why);
  reject_if_given(a->workspace.project_option, why);
  reject_if_given(a->workspace.max_files_option, why);
  reject_if_given(a->workspace.max_file_size_option, why);
  if (a->tree.source.empty() || a->tree.destination.empty()) {
    usage_error("sync needs SRC and DST, or --integration NAME (see cloudsync sync --help)");
  }
  return [a] { return run_tree_transfer("sync", a->tree, a->out); };
}

}  // namespace

void add_sync_command(CLI::App& app, Action& action) {
  auto a = std::make_shared<SyncArgs>();
  CLI::App* cmd = app.add_subcommand(
      "sync", "Make DST like SRC (deleting extra files only with --delete-extraneous), or sync a project integration");
  cmd->add_option("SRC", a->tree.source, "Where from: a URL or a local path (not with --integration)")->type_name("");
  cmd->add_option("DST", a->tree.destination, "Where to: a URL or a local path (not with --integration)")
      ->type_name("");
  a->integration_option =
      cmd->add_option("--integration", a->integration, "Sync this integration of the project instead of SRC DST")
          ->type_name("NAME");
  add_project_flag(*cmd, a->workspace);
  a->push_option = cmd->add_flag("--push", a->push,
                                 "With --integration: send the project's files to the remote (needs --writeback)");
  add_tree_transfer_flags(*cmd, a->tree, true);
  add_limit_flags(*cmd, a->workspace);
  add_output_flags(*cmd, a->out);
  std::string notes = fmt::format(
      "sync SRC DST: like copy; with --delete-extraneous it also deletes destination files missing at the\n"
      "source, after every transfer succeeded, and never more than --max-delete. A single file as SRC goes\n"
      "into the folder DST, or replaces DST when DST is an existing file.\n"
      "sync --integration NAME: pulls the integration's selected folders (or --folder ...) into the project's\n"
      "external-files folder, or pushes them with --push. Changes on both sides since the last sync are\n"
      "reported as conflicts (exit status {}) and left alone. -o supplies credentials for this run only.\n{}",
      error_code_exit_status(ErrorCode::Conflict), kOptionValueHelp);
  set_examples(*cmd,
               {"cloudsync sync ./site file:///var/www/site --delete-extraneous --dry-run",
                "cloudsync sync ./site s3://my-bucket/site --delete-extraneous --max-delete 50",
                "cloudsync sync --project ~/analysis --integration Sales --folder reports/2024",
                "cloudsync sync --integration Sales --push --dry-run --json"},
               notes);
  cmd->callback([a, &action] { action = action_for(a); });
}

}  // namespace cloudsync::cli
