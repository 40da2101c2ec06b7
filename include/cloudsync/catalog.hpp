// The catalog: an organisation's storage integrations, the projects that use
// them and each project's connections, kept in an embedded database (SQLite,
// WAL mode) in a state folder the host chooses.
//
// An integration (an S3 bucket, an Azure container, a Drive folder, a local
// folder) is registered once by an admin and shared by every project it allows
// (Kili's allowed projects; Hex's workspace-wide integrations). It may be
// limited to path prefixes (Kili's allowed paths): no import, export, sync or
// connection reaches outside them. Its status (CONNECTED / DISCONNECTED with a
// reason naming the missing permission) comes from a probe that lists, reads
// and, with writeback, writes and deletes a probe object.
//
// A connection ties a project to an integration with selected folders and
// optional include/exclude globs (Kili's connections). Its manifest (what the
// last sync saw on both sides) lives in the catalog and is written as
// transfers complete, so an interrupted run keeps what it finished.
//
// Secrets never enter the database: they are kept in a separate 0600 file
// (<state>/secrets.json), referenced as "env:NAME", or supplied by the host's
// callback. Nothing the catalog returns, logs or serialises carries them.
//
// Threading: a Catalog may be shared between threads and processes. Queries
// never wait behind a running transfer; operations on one connection run one
// at a time (an advisory lock the kernel releases when its holder dies).
//
// C++ API: source-stable within a major version, not binary-stable. Use it
// through the static library (cloudsync::cloudsync_static) or add_subdirectory();
// the shared library libcloudsync.so exports the C ABI (cloudsync.h) only.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cloudsync/backend.hpp"
#include "cloudsync/cancel.hpp"
#include "cloudsync/export.hpp"
#include "cloudsync/progress.hpp"
#include "cloudsync/records.hpp"
#include "cloudsync/sync.hpp"
#include "cloudsync/types.hpp"
#include "cloudsync/workspace.hpp"

namespace cloudsync {

/// Kili's platforms, plus the stores this library adds. An S3-compatible store
/// (an endpoint other than AWS's) counts as AWS; Google Cloud Storage through
/// its S3 interoperability endpoint counts as GCP.
enum class Platform { AWS, Azure, GCP, GoogleDrive, Local, Memory };
CLOUDSYNC_API std::string_view platform_name(
    Platform platform);  ///< "AWS", "Azure", "GCP", "GoogleDrive", "Local", "Memory"
CLOUDSYNC_API std::optional<Platform> parse_platform(std::string_view name);  ///< case-insensitive

/// The platform an integration's URL and options name.
CLOUDSYNC_API Platform platform_of(std::string_view url, const BackendOptions& options);

enum class IntegrationStatus {
  Unchecked,     ///< never checked since it was created or its settings changed
  Checking,      ///< a check is running
  Connected,     ///< the last check could do everything the integration needs
  Disconnected,  ///< the last check failed; see StatusCheck::reason
};
CLOUDSYNC_API std::string_view integration_status_name(IntegrationStatus status);  ///< "UNCHECKED", "CHECKING", ...
CLOUDSYNC_API std::optional<IntegrationStatus> parse_integration_status(std::string_view name);

/// Why a check found an integration DISCONNECTED (a fixed list: hosts switch on it).
enum class DisconnectReason {
  None,                ///< connected
  MissingPermission,   ///< the store refused an action; StatusCheck::missing_action names it
  InvalidCredentials,  ///< unknown key, wrong secret, bad signature
  ExpiredCredentials,  ///< a session token or bearer token that expired
  NotFound,            ///< the bucket, container or folder does not exist (the store said so)
  Unreachable,         ///< DNS, connection, TLS or timeout: never reported as NotFound
  Throttled,           ///< the store kept answering 429/503 SlowDown
  ClockSkew,           ///< the store refused the request's time
  Error,               ///< anything else (a malformed answer, an unsupported setting)
};
CLOUDSYNC_API std::string_view disconnect_reason_name(DisconnectReason reason);  ///< "MISSING_PERMISSION", ...

/// The actions a check probes, in the order it probes them.
enum class ProbeAction { List, Read, Write, Delete };
CLOUDSYNC_API std::string_view probe_action_name(ProbeAction action);  ///< "list", "read", "write", "delete"

/// The outcome of one status check.
struct StatusCheck {
  IntegrationStatus status = IntegrationStatus::Unchecked;
  DisconnectReason reason = DisconnectReason::None;
  std::optional<ProbeAction> missing_action;  ///< with MissingPermission (and the action that failed otherwise)
  std::string provider_code;                  ///< e.g. "AccessDenied", "AuthorizationPermissionMismatch"
  int http_status = 0;
  std::string message;  ///< in words, never with a secret
  TimePoint checked_at;
  std::chrono::milliseconds duration{0};
  std::vector<ProbeAction> passed;  ///< actions the probe did successfully
};

/// JSON:
/// {"status","reason","missing_action","provider_code","http_status","message","checked_at","duration_ms","passed"}.
CLOUDSYNC_API std::string status_check_to_json(const StatusCheck& check);

/// Secrets of one integration: backend option name -> value. A value
/// "env:NAME" is kept as that reference and read from the environment each
/// time the backend is opened.
using SecretOptions = BackendOptions;

/// A change to an integration; unset fields keep their value. A change to the
/// URL, options or secrets resets the status to UNCHECKED and reaches the next
/// operation (no backend opened with the old settings is reused).
struct IntegrationUpdate {
  std::optional<std::string> name;
  std::optional<std::string> url;
  std::optional<bool> writeback;
  std::optional<BackendOptions> options;  ///< replaces the non-secret options
  std::optional<SecretOptions> secrets;   ///< replaces the stored secrets
  std::optional<std::vector<std::string>> selected_folders;
  std::optional<std::vector<std::string>> allowed_projects;
  std::optional<std::vector<std::string>> allowed_paths;
};

/// Filters of an integration query; unset fields match everything.
struct IntegrationFilter {
  std::optional<std::string> id;
  std::optional<std::string> name;  ///< exact, case-insensitive
  std::optional<Platform> platform;
  std::optional<IntegrationStatus> status;
  std::optional<bool> writeback;
  std::optional<std::string> project;  ///< integrations this project (id or name) may use
};

/// Kili's paging: skip `skip` rows, then return at most `first`.
struct PageRequest {
  uint64_t first = 100;
  uint64_t skip = 0;
};

/// A project: an id, a name and the folder its external-files/ live under.
struct Project {
  std::string id;
  std::string name;
  std::filesystem::path root;
  TimePoint created_at;
};

struct ConnectionSpec {
  std::string project;      ///< project id or name
  std::string integration;  ///< integration id or name
  /// Remote folders the connection covers, on path boundaries ("data" covers
  /// "data/x", never "data2/x" or "database.csv"); empty: the integration's
  /// selected folders, or everything it allows.
  std::vector<std::string> selected_folders;
  /// Globs on the remote key ('*' and '?' within a segment, '**' across):
  /// a key is covered when it matches an include (or there are none) and no exclude.
  std::vector<std::string> include;
  std::vector<std::string> exclude;
};

struct Connection {
  std::string id;
  std::string project_id;
  std::string integration_id;
  std::string folder;  ///< the project's copy, relative to its root: external-files/{type}/{name}
  std::vector<std::string> selected_folders;
  std::vector<std::string> include;
  std::vector<std::string> exclude;
  TimePoint created_at;
  std::optional<TimePoint> last_checked;  ///< last synchronize (a dry run does not count)
  uint64_t number_of_assets = 0;          ///< files the manifest tracks
  bool is_checking = false;               ///< an operation holds the connection's lock right now
};

struct ConnectionFilter {
  std::optional<std::string> project;      ///< id or name
  std::optional<std::string> integration;  ///< id or name
};

struct DifferenceOptions {
  bool delete_extraneous_files = false;
};

struct SynchronizeOptions {
  bool delete_extraneous_files = false;
  bool dry_run = false;  ///< plan only: nothing changes, not even last_checked
  std::optional<uint64_t> max_delete;
  /// Apply exactly this plan (from compute_differences): refused with
  /// ErrorCode::Conflict when the remote or the project changed since it was
  /// computed.
  const Plan* expected_plan = nullptr;
};

/// JSON forms (never with secrets); the C ABI header documents each schema.
CLOUDSYNC_API std::string project_to_json(const Project& project);
CLOUDSYNC_API std::string connection_to_json(const Connection& connection);

struct CatalogOptions {
  /// Where the database and the secrets file live (created 0700 if missing).
  std::filesystem::path state_dir;
  /// The catalog's database. Empty: SQLite in state_dir (catalog.db). A libpq
  /// conninfo or a "postgresql://" URI: that PostgreSQL database, shared by
  /// several servers (the secrets file and lock files stay in state_dir).
  std::string database;
  /// Secrets supplied by the host when a backend is opened; merged over the
  /// stored ones. Never persisted.
  std::function<SecretOptions(const Integration&)> credentials;
  /// Opens an integration's backend; default: open_backend(url, options).
  std::function<Result<std::shared_ptr<StorageBackend>>(const Integration&, const BackendOptions&)> backend_factory;
  /// How long a writer waits for another process's transaction.
  std::chrono::milliseconds busy_timeout{10'000};
  /// Files transferred in parallel by synchronize.
  uint32_t transfers = 8;
  /// Project limits (files per project, bytes per file) applied to imports and pulls.
  WorkspaceLimits limits;
};

class CLOUDSYNC_API Catalog {
 public:
  /// Opens (creating and migrating as needed) the catalog in options.state_dir.
  static Result<std::shared_ptr<Catalog>> open(CatalogOptions options);
  ~Catalog();
  Catalog(const Catalog&) = delete;
  Catalog& operator=(const Catalog&) = delete;

  const std::filesystem::path& state_dir() const;

  // --- Integrations -------------------------------------------------------
  /// Registers an integration. Secrets go to the secrets file (or stay
  /// "env:" references). AlreadyExists for a taken name (case-insensitive),
  /// InvalidArgument for a secret among `spec.options`.
  Result<Integration> create_integration(IntegrationSpec spec, SecretOptions secrets = {});
  /// By id or name. NotFound when neither matches.
  Result<Integration> integration(std::string_view id_or_name) const;
  Result<Integration> update_integration(std::string_view id_or_name, const IntegrationUpdate& update);
  /// Deletes an integration, its secrets and its connections' manifests (no
  /// file is deleted). Conflict while it has connections, unless `force`.
  Status delete_integration(std::string_view id_or_name, bool force = false);
  /// Ordered by creation time, then id.
  Result<std::vector<Integration>> integrations(const IntegrationFilter& filter = {}, PageRequest page = {}) const;
  Result<uint64_t> count_integrations(const IntegrationFilter& filter = {}) const;
  /// Calls `visit` for every match, a page at a time (stop by returning false).
  Status for_each_integration(const IntegrationFilter& filter, const std::function<bool(const Integration&)>& visit,
                              uint64_t page_size = 100) const;
  /// Names of the secrets stored for an integration (never their values).
  Result<std::vector<std::string>> secret_names(std::string_view id_or_name) const;

  // --- Status checks ------------------------------------------------------
  /// Probes one integration (CHECKING while it runs) and stores the outcome.
  Result<StatusCheck> check_integration(std::string_view id_or_name, const CancelToken* cancel = nullptr);
  /// Probes every integration the filter selects, `concurrency` at a time.
  Result<std::vector<std::pair<std::string, StatusCheck>>> check_integrations(const IntegrationFilter& filter = {},
                                                                              uint32_t concurrency = 8,
                                                                              const CancelToken* cancel = nullptr);

  // --- Projects -----------------------------------------------------------
  /// Registers a project (or returns it when one with this name has this root).
  Result<Project> add_project(std::string_view name, const std::filesystem::path& root);
  Result<Project> project(std::string_view id_or_name) const;
  Result<std::vector<Project>> projects() const;
  Status remove_project(std::string_view id_or_name);

  // --- Connections (Kili) -------------------------------------------------
  /// InvalidArgument/NotFound for an unknown project or integration;
  /// PermissionDenied when the integration does not allow the project or a
  /// selected folder lies outside its allowed paths; AlreadyExists when the
  /// project is already connected to the integration.
  Result<Connection> add_connection(const ConnectionSpec& spec);
  Result<Connection> connection(std::string_view id) const;
  /// The connection of a project to an integration (Hex's flow makes one on first use).
  Result<Connection> connection_for(std::string_view project, std::string_view integration) const;
  Result<std::vector<Connection>> connections(const ConnectionFilter& filter = {}, PageRequest page = {}) const;
  Result<uint64_t> count_connections(const ConnectionFilter& filter = {}) const;
  /// Forgets a connection and its manifest (no file is deleted).
  Status remove_connection(std::string_view id);
  /// Files the connection's manifest tracks.
  Result<std::vector<TrackedFile>> tracked_files(std::string_view connection_id) const;

  /// The plan a synchronisation would apply now (remote -> project): one
  /// action per file with its reason. Pure: changes nothing.
  Result<Plan> compute_differences(std::string_view connection_id, const DifferenceOptions& options = {},
                                   const CancelToken* cancel = nullptr);
  /// Applies the differences (adds and updates first, then, with
  /// delete_extraneous_files, deletions under the max-delete guard and never
  /// after a failed or incomplete listing).
  Result<OperationResult> synchronize(std::string_view connection_id, const SynchronizeOptions& options = {},
                                      const ProgressCallback& progress = {}, const CancelToken* cancel = nullptr);

  // --- Record export (cloudsync/records.hpp) --------------------------------

  /// Registers a job. InvalidArgument for a frequency outside 1..168 hours, no
  /// models, a bad model name or source; NotFound for an unknown integration;
  /// PermissionDenied when the integration has no writeback; AlreadyExists
  /// for a taken name. A PostgreSQL source's password goes to the secrets.
  Result<ExportJob> create_export_job(const ExportJobSpec& spec);
  /// By id or name. NotFound when neither matches.
  Result<ExportJob> export_job(std::string_view id_or_name) const;
  /// Ordered by creation time, then id.
  Result<std::vector<ExportJob>> export_jobs(PageRequest page = {}) const;
  Result<ExportJob> update_export_job(std::string_view id_or_name, const ExportJobUpdate& update);
  /// Forgets a job, its watermarks and its history (no object is deleted).
  Status delete_export_job(std::string_view id_or_name);
  /// Runs one job now, whatever its schedule: its unfinished window if it has
  /// one, a new window opened at `now` otherwise. Conflict while another
  /// process holds the job's lease.
  Result<ExportRun> run_export_job(std::string_view id_or_name, TimePoint now, const RunDueOptions& options = {});
  /// Runs every job due at `now` (next_run_at <= now), one after the other,
  /// skipping jobs another process holds; returns the runs, failed ones
  /// included. For hosts that schedule with cron or their own job system.
  Result<std::vector<ExportRun>> run_due_exports(TimePoint now, const RunDueOptions& options = {});
  /// The history, newest first.
  Result<std::vector<ExportRun>> export_runs(const ExportRunFilter& filter = {}, PageRequest page = {}) const;
  Result<uint64_t> count_export_runs(const ExportRunFilter& filter = {}) const;
  /// Makes a host's source available to jobs as SourceSpec{Kind::Registered,
  /// database = name}. Registrations live as long as this Catalog object.
  Status register_record_source(std::string name,
                                std::function<Result<std::unique_ptr<RecordSource>>(const SourceSpec&)> factory);

  /// The library's own state (src/engine/catalog_impl.hpp); opaque to hosts.
  struct Impl;

 private:
  friend class Workspace;
  explicit Catalog(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cloudsync
