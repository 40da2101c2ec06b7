// The project workspace: a root folder whose external-files/ tree mirrors the
// files a project took from its storage integrations.
//
// An integration (an S3 bucket, a Drive folder, a local folder...) is
// registered once under a display name; its files live in
// external-files/{type}/{sanitized name}/ (Hex's layout). The workspace can:
//  - import selected files (keys, folders, globs) within the project's limits;
//  - export new and changed files back (writeback), never over a remote change;
//  - restore every imported or exported file (a kernel start), downloading
//    only what is missing or changed;
//  - sync selected remote folders with the project (Kili's connections): a
//    computed plan, a dry run through the same path, conflicts reported,
//    opt-in deletion of extraneous files after the transfers.
// A Workspace is one project of a catalog (cloudsync/catalog.hpp): the
// organisation's shared one (WorkspaceOptions::catalog), or by default one of
// its own in <root>/.cloudsync/, outside the external-files tree, which never
// holds secrets (a v1 JSON state found there is migrated on first open).
//
// Threading: a Workspace may be shared between threads and processes;
// operations on one integration run one at a time (a lock the kernel releases
// when its holder dies; a second one fails with Conflict), and queries never
// wait behind them.
//
// C++ API: source-stable within a major version, not binary-stable. Use it
// through the static library (cloudsync::cloudsync_static) or add_subdirectory();
// the shared library libcloudsync.so exports the C ABI (cloudsync.h) only.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cloudsync/backend.hpp"
#include "cloudsync/export.hpp"
#include "cloudsync/progress.hpp"
#include "cloudsync/sync.hpp"
#include "cloudsync/types.hpp"

namespace cloudsync {

/// Hex's rule for folder names: lower case, spaces to underscores, every other
/// character that is not an ASCII letter or digit removed.
/// "Hex's Testing Bucket" -> "hexs_testing_bucket".
CLOUDSYNC_API std::string sanitize_integration_name(std::string_view name);

/// The folder type an integration URL implies: s3 -> "s3", gdrive ->
/// "googledrive", az -> "azure", file -> "local", mem -> "memory".
CLOUDSYNC_API std::string integration_type_for_url(std::string_view url);

struct IntegrationSpec {
  std::string name;                           ///< display name, unique in the workspace
  std::string url;                            ///< e.g. "file:///data/bucket", "s3://bucket/prefix"
  std::string type;                           ///< folder type; empty: from the URL
  bool writeback = false;                     ///< export (and push sync) allowed
  std::vector<std::string> selected_folders;  ///< remote folders sync covers (empty: all)
  BackendOptions options;                     ///< non-secret backend options (persisted)
  /// Projects (ids or names) that may use the integration; empty: every project.
  std::vector<std::string> allowed_projects;
  /// Remote path prefixes, on path boundaries, that imports, exports, syncs and
  /// connections may reach; empty: the whole remote.
  std::vector<std::string> allowed_paths;
};

struct Integration {
  std::string id;  ///< stable identifier
  IntegrationSpec spec;
  std::string folder;                ///< relative to the root: "external-files/s3/hexs_testing_bucket"
  std::string platform;              ///< "AWS", "Azure", "GCP", "GoogleDrive", "Local", "Memory"
  std::string status = "UNCHECKED";  ///< "UNCHECKED", "CHECKING", "CONNECTED", "DISCONNECTED"
  std::string status_reason;         ///< with DISCONNECTED: "MISSING_PERMISSION", "UNREACHABLE", ...
  std::string missing_action;        ///< with MISSING_PERMISSION: "list", "read", "write" or "delete"
  std::string status_message;        ///< the last check's message (never with a secret)
  TimePoint created_at;
  TimePoint updated_at;
  std::optional<TimePoint> last_checked;
};

/// Checked before anything moves: a run that would bring in a file larger
/// than max_file_size, or new files beyond max_files, fails with
/// LimitExceeded. Files the project already tracks are not new: a project
/// over a lowered limit still restores and re-imports them.
struct WorkspaceLimits {
  uint64_t max_files = 100;                    ///< files from integrations per project
  uint64_t max_file_size = 10'000'000'000ull;  ///< bytes per file (10 GB)
};

class Catalog;

struct WorkspaceOptions {
  WorkspaceLimits limits;
  /// The organisation's catalog the project uses; empty: a catalog of its own
  /// in state_dir (a v1 JSON state found there is migrated on first open).
  std::shared_ptr<Catalog> catalog;
  /// The project's name in the catalog (registered on first open with `root`).
  std::string project = "default";
  /// Where engine state lives when the workspace opens its own catalog; empty: <root>/.cloudsync.
  std::filesystem::path state_dir;
  /// Files transferred in parallel.
  uint32_t transfers = 8;
  /// Secrets for an integration's backend, supplied when it is opened (never
  /// persisted). Merged over the integration's stored options.
  std::function<BackendOptions(const Integration&)> credentials;
  /// Opens an integration's backend; default: open_backend(url, options).
  std::function<Result<std::shared_ptr<StorageBackend>>(const Integration&, const BackendOptions&)> backend_factory;
};

struct ImportRequest {
  /// Keys ("data/a.csv"), folders ("data/" or "data"), globs ("**/*.csv").
  std::vector<std::string> selectors;
  bool dry_run = false;
};

struct ExportRequest {
  bool dry_run = false;
  /// Only these files (relative to the integration folder); empty: all.
  std::vector<std::string> paths;
};

struct RestoreRequest {
  bool dry_run = false;
};

enum class SyncDirection {
  Pull,  ///< remote -> project (Kili's synchronisation)
  Push,  ///< project -> remote (requires writeback)
};

struct SyncRequest {
  SyncDirection direction = SyncDirection::Pull;
  /// Remote folders to cover; empty: the integration's selected folders.
  std::vector<std::string> folders;
  bool delete_extraneous = false;
  bool dry_run = false;
  std::optional<uint64_t> max_delete;
};

/// What an operation planned and what came of it.
struct OperationResult {
  std::string integration;
  std::string operation;  ///< "import", "export", "restore", "sync"
  Plan plan;
  SyncReport report;
  /// Why this integration could not be worked on at all (restoring every
  /// integration goes on past one that fails); OK when it ran.
  Status error;
};

/// JSON: {"integration","operation","plan":{...},"report":{...}} (see plan_to_json, report_to_json).
CLOUDSYNC_API std::string operation_result_to_json(const OperationResult& result);
/// JSON form of an integration (never contains secrets).
CLOUDSYNC_API std::string integration_to_json(const Integration& integration);

/// One file the engine tracks for an integration.
struct TrackedFile {
  std::string path;
  std::string origin;  ///< "import" or "export"
  uint64_t size = 0;
  std::string remote_etag;
  std::string sha256;
};

class CLOUDSYNC_API Workspace {
 public:
  /// Opens (creating if needed) the workspace rooted at `root`.
  static Result<std::unique_ptr<Workspace>> open(const std::filesystem::path& root, WorkspaceOptions options = {});
  ~Workspace();
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;

  const std::filesystem::path& root() const;

  /// Registers an integration. Fails with AlreadyExists for a taken name and
  /// Conflict when its folder would be another integration's.
  Result<Integration> add_integration(IntegrationSpec spec);
  /// Deletes an integration from the catalog (with a shared catalog: for every
  /// project) with its connections' manifests; with `delete_files`, also this
  /// project's folder of it.
  Status remove_integration(std::string_view name, bool delete_files = false);
  std::vector<Integration> integrations() const;
  Result<Integration> integration(std::string_view name) const;
  /// Files tracked for an integration.
  Result<std::vector<TrackedFile>> tracked_files(std::string_view name) const;

  Result<OperationResult> import_files(std::string_view integration, const ImportRequest& request,
                                       const ProgressCallback& progress = {}, const CancelToken* cancel = nullptr);
  Result<OperationResult> export_files(std::string_view integration, const ExportRequest& request,
                                       const ProgressCallback& progress = {}, const CancelToken* cancel = nullptr);
  /// Restores one integration, or every integration when `integration` is empty.
  Result<std::vector<OperationResult>> restore(std::string_view integration, const RestoreRequest& request,
                                               const ProgressCallback& progress = {},
                                               const CancelToken* cancel = nullptr);
  Result<OperationResult> sync(std::string_view integration, const SyncRequest& request,
                               const ProgressCallback& progress = {}, const CancelToken* cancel = nullptr);

  /// The library's own state (src/engine/workspace_impl.hpp); opaque to hosts.
  struct Impl;
  Impl& internals() { return *impl_; }

 private:
  explicit Workspace(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cloudsync
