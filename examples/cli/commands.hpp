// The subcommands. Each add_*_command() declares a verb's arguments and help
// on `app` and, when that verb is the one parsed, sets `action` to run it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli_common.hpp"
#include "cloudsync/catalog.hpp"
#include "cloudsync/workspace.hpp"

namespace cloudsync::cli {

void add_ls_command(CLI::App& app, Action& action);
void add_copy_command(CLI::App& app, Action& action);
void add_sync_command(CLI::App& app, Action& action);
void add_integration_command(CLI::App& app, Action& action);
void add_import_command(CLI::App& app, Action& action);
void add_export_command(CLI::App& app, Action& action);
void add_restore_command(CLI::App& app, Action& action);
void add_status_command(CLI::App& app, Action& action);
void add_integrations_command(CLI::App& app, Action& action);
void add_projects_command(CLI::App& app, Action& action);
void add_connections_command(CLI::App& app, Action& action);
void add_providers_command(CLI::App& app, Action& action);
void add_watch_command(CLI::App& app, Action& action);
void add_export_records_command(CLI::App& app, Action& action);

/// The backend option names of every URL scheme, from the providers' tables,
/// for the main --help (cmd_providers.cpp).
std::string provider_options_help();

/// copy / sync between two URLs (cmd_transfer.cpp).
struct TreeTransferArgs {
  std::string source;
  std::string destination;
  std::vector<std::string> options;              ///< -o, both ends
  std::vector<std::string> source_options;       ///< --src-option
  std::vector<std::string> destination_options;  ///< --dst-option
  std::vector<std::string> folders;
  bool delete_extraneous = false;
  bool dry_run = false;
  bool checksum = false;
  bool ignore_checksum = false;
  uint32_t transfers = 8;
  uint32_t small_transfers = 0;  ///< 0: the library's default (ApplyOptions::small_file_transfers)
  uint32_t download_streams = 8;
  OptionalCount max_delete;
  // Set by add_tree_transfer_flags, so that `sync` can tell which were given.
  CLI::Option* checksum_option = nullptr;
  CLI::Option* ignore_checksum_option = nullptr;
  CLI::Option* source_options_option = nullptr;
  CLI::Option* destination_options_option = nullptr;
};
/// The flags copy and sync share (not the positional SRC DST).
/// `with_delete` adds --delete-extraneous (sync only).
void add_tree_transfer_flags(CLI::App& cmd, TreeTransferArgs& args, bool with_delete);
int run_tree_transfer(std::string_view verb, const TreeTransferArgs& args, const OutputFlags& out);

/// How a run reaches integrations and what it may take (workspace_args.cpp).
struct RunArgs {
  std::vector<std::string> options;  ///< -o: credentials and per-run backend options, never stored
  WorkspaceLimits limits;
  uint32_t transfers = 8;
  CLI::Option* max_files_option = nullptr;
  CLI::Option* max_file_size_option = nullptr;
};
/// Where the project is, and how its integrations are reached.
struct WorkspaceArgs : RunArgs {
  std::string project = ".";
  CLI::Option* project_option = nullptr;
  /// --catalog: the shared catalog the project is registered in; empty: the
  /// project's own state (<project>/.cloudsync).
  std::string catalog_dir;
};
void add_project_flag(CLI::App& cmd, WorkspaceArgs& args);
/// --catalog DIR for a command on a project: use it as registered in that shared catalog.
void add_project_catalog_flag(CLI::App& cmd, WorkspaceArgs& args);
void add_limit_flags(CLI::App& cmd, RunArgs& args);
/// -o KEY=VALUE: credentials and backend options for this run.
void add_run_option_flag(CLI::App& cmd, RunArgs& args);
/// -o KEY=VALUE and --transfers.
void add_workspace_run_flags(CLI::App& cmd, RunArgs& args);
/// Opens the project's workspace. Only `create` (integration add) may create
/// the project folder: a mistyped --project elsewhere is NotFound, not a new
/// empty project. With a catalog_dir, the project must be registered there
/// (`cloudsync projects add`) under its folder.
Result<std::unique_ptr<Workspace>> open_workspace(const WorkspaceArgs& args, bool create);
/// A stored URL: a relative local path becomes an absolute one, so that it
/// names the same folder whatever directory later commands run from.
std::string stored_url(const std::string& url);

/// Where the shared catalog is (catalog_args.cpp).
struct CatalogArgs : RunArgs {
  std::string dir;  ///< --catalog; empty: default_catalog_dir()
  /// --catalog-database: a PostgreSQL conninfo or URI; empty:
  /// $CLOUDSYNC_CATALOG_DATABASE, else SQLite in the catalog folder.
  std::string database;
};
/// Where the catalog is, for the commands' help.
inline constexpr std::string_view kCatalogLocationHelp =
    "The catalog lives in --catalog DIR, default $CLOUDSYNC_CATALOG, else $XDG_DATA_HOME/cloudsync/catalog,\n"
    "else ~/.local/share/cloudsync/catalog.";
/// $CLOUDSYNC_CATALOG, else $XDG_DATA_HOME/cloudsync/catalog, else
/// ~/.local/share/cloudsync/catalog; empty when none of them is set.
std::string default_catalog_dir();
/// --catalog DIR and --catalog-database CONNINFO, with the defaults explained in the help.
void add_catalog_flag(CLI::App& cmd, CatalogArgs& args);
/// Opens the catalog. Only `create` (commands that register something) may
/// create its folder: a mistyped --catalog elsewhere is NotFound.
Result<std::shared_ptr<Catalog>> open_catalog(const CatalogArgs& args, bool create);
class Console;
/// Opens the catalog and returns body(console, catalog); a failure to open it
/// is printed and its exit status returned.
int with_catalog(const CatalogArgs& args, const OutputFlags& out, bool create,
                 const std::function<int(Console&, Catalog&)>& body);

/// `sync --integration NAME` (cmd_workspace.cpp).
struct ProjectSyncArgs {
  std::string integration;
  std::vector<std::string> folders;
  bool push = false;
  bool delete_extraneous = false;
  bool dry_run = false;
  std::optional<uint64_t> max_delete;
};
int run_project_sync(const WorkspaceArgs& workspace, const ProjectSyncArgs& args, const OutputFlags& out);

/// Prints what an operation did (its JSON with --json) and returns the exit
/// status: that of the failure when it could not run, else the run's verdict.
int report_operation(Console& console, const OutputFlags& out, const Result<OperationResult>& result);

}  // namespace cloudsync::cli
