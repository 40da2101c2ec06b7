// The engine's operations on one connection (a project's copy of one
// integration): import, export, restore and sync, each planned from listings
// and the connection's manifest, applied through the executor, and recorded in
// the catalog as transfers complete.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog_store.hpp"
#include "catalog/manifest.hpp"
#include "cloudsync/catalog.hpp"
#include "cloudsync/workspace.hpp"

namespace cloudsync {

/// Everything one operation works on; the caller holds the connection's lock.
struct OperationTarget {
  CatalogStore* store = nullptr;
  Integration integration;
  Project project;
  Connection connection;
  /// False for a dry run on a connection that does not exist yet: nothing is
  /// recorded (a dry run changes nothing, not even by creating it).
  bool connection_stored = true;
  std::shared_ptr<StorageBackend> remote;
  std::shared_ptr<StorageBackend> local;  ///< the connection's folder, anchored at the project root
  Manifest manifest;
  WorkspaceLimits limits;
  uint32_t transfers = 8;
};

/// The integration's folder below a project root, whatever the catalog says:
/// it must be external-files/{type}/{name} (an absolute path, "..", a
/// tampered row is refused with InvalidArgument).
Result<Path> integration_folder(const Integration& integration);

/// Opens the connection's folder below the project root as a backend (no
/// symlinked ancestor is followed); without `dry_run`, temporaries a killed
/// run left there are swept first.
Result<std::shared_ptr<StorageBackend>> open_connection_folder(const Project& project, const Integration& integration,
                                                               bool dry_run);

Result<OperationResult> run_import(OperationTarget& target, const ImportRequest& request,
                                   const ProgressCallback& progress, const CancelToken* cancel);
Result<OperationResult> run_export(OperationTarget& target, const ExportRequest& request,
                                   const ProgressCallback& progress, const CancelToken* cancel);
/// Exports exactly these files (paths relative to the connection's folder,
/// no folders), each looked at on its own: no listing of the folder, one stat
/// and (for a new or changed file) one HEAD each. A path that no longer
/// exists or is ignored is left out; one whose content equals what was last
/// exported is counted unchanged. The writeback queue's export.
Result<OperationResult> run_export_files(OperationTarget& target, const std::vector<std::string>& paths,
                                         const ProgressCallback& progress, const CancelToken* cancel);
/// Uploads the local file `path` of the connection's folder to `remote_key`,
/// create-only, without tracking it (a conflict copy). AlreadyExists when the
/// key is taken.
Result<ObjectMeta> upload_untracked_copy(OperationTarget& target, const std::string& path,
                                         const std::string& remote_key, const CancelToken* cancel);
Result<OperationResult> run_restore(OperationTarget& target, const RestoreRequest& request,
                                    const ProgressCallback& progress, const CancelToken* cancel);

/// A sync's scope: folders and the connection's globs.
struct SyncScope {
  std::vector<std::string> folders;
  std::vector<std::string> include;
  std::vector<std::string> exclude;
};

/// Plans a sync (pure: no transfer, no state change).
Result<Plan> plan_connection_sync(OperationTarget& target, SyncDirection direction, const SyncScope& scope,
                                  bool delete_extraneous, const CancelToken* cancel);
/// Applies a plan made by plan_connection_sync on the same target.
Result<OperationResult> apply_connection_sync(OperationTarget& target, SyncDirection direction, Plan plan, bool dry_run,
                                              std::optional<uint64_t> max_delete, const ProgressCallback& progress,
                                              const CancelToken* cancel);

/// A digest of what a plan would do (each action's kind, path and the
/// versions it saw): equal digests mean the same work on the same state.
std::string plan_digest(const Plan& plan);

}  // namespace cloudsync
