// The catalog's storage: one small interface over the database that holds
// integrations, projects, connections, their manifests and the probes a status
// check has in flight. One implementation (sql_store.cpp) over the catalog's
// SQL layer (catalog/sql.hpp): SQLite embedded in the state directory, or a
// PostgreSQL database that several servers share.
//
// The store keeps values; it checks nothing a caller should have checked
// (names, scopes, secrets) and never sees a secret.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "catalog/manifest.hpp"
#include "cloudsync/catalog.hpp"
#include "cloudsync/records.hpp"
#include "cloudsync/watch.hpp"

namespace cloudsync {

/// True for an id this library makes (lower-case hex, at most 64 digits).
/// Ids name lock files: one that a tampered state gives as "../x" must never
/// become a path.
inline bool is_catalog_id(std::string_view id) {
  return !id.empty() && id.size() <= 64 && id.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

/// An integration query with the project filter resolved to both of the
/// project's names for itself (allowed_projects may list either).
struct IntegrationQuery {
  IntegrationFilter filter;
  std::vector<std::string> project_keys;  ///< id and name of filter.project, when set
};

struct ConnectionQuery {
  std::optional<std::string> project_id;
  std::optional<std::string> integration_id;
};

/// What a status check stores (the integration's status columns).
struct StoredStatus {
  IntegrationStatus status = IntegrationStatus::Unchecked;
  std::string reason;          ///< disconnect_reason_name, or empty
  std::string missing_action;  ///< probe_action_name, or empty
  std::string message;
  std::string json;  ///< the whole StatusCheck as status_check_to_json
  std::optional<TimePoint> checked_at;
};

/// One row of a connection's export queue (CatalogStore::enqueue_exports).
struct QueueRow {
  std::string path;  ///< relative to the connection's folder
  QueuedState state = QueuedState::Waiting;
  uint32_t attempts = 0;  ///< failed tries so far
  TimePoint queued_at;
  std::optional<TimePoint> retry_at;  ///< Failed: when due; parked rows: none
  bool requeued = false;              ///< InFlight and written again since it was claimed
  std::string error_code;             ///< error_code_name of the last failure
  std::string error_message;
  std::string sha256;  ///< Conflict: the local content that conflicted (not reported twice)
};

/// How a claimed queue row ended.
struct SettledExport {
  enum class Outcome { Done, Retry, Park } outcome = Outcome::Done;
  std::string path;
  QueuedState parked_state = QueuedState::Failed;  ///< Park: Conflict, Refused or Failed (for good)
  std::optional<TimePoint> retry_at;               ///< Retry
  std::string error_code;
  std::string error_message;
  std::string sha256;  ///< Park with Conflict
};

/// Where a model's export stands: the last (updated_at, id) written, for its
/// records and for its deletions (none: from the start).
struct ModelWatermark {
  std::string model;
  std::optional<RecordKey> records;
  std::optional<RecordKey> deletions;
};

/// The window a job is exporting, kept until an attempt of it succeeds.
struct StoredExportWindow {
  std::string folder;  ///< YYYYMMDDHHMM
  TimePoint opened;
  TimePoint upper_bound;
  uint32_t attempts = 0;  ///< attempts started so far
  std::vector<ModelWatermark> lower_bounds;
};

/// A job as the store keeps it: the public job, what its status is made of,
/// its lease and its unfinished window.
/// The secrets file's key for an export job's source passwords (model name ->
/// password): the job's row never holds them.
inline std::string export_job_secrets_key(std::string_view job_id) { return "export-job-" + std::string(job_id); }

struct StoredExportJob {
  ExportJob job;  ///< job.status is derived from the fields below when read
  std::chrono::seconds first_run_delay{0};
  bool enabled = true;
  bool failed = false;      ///< the last run failed
  std::string lease_owner;  ///< empty: nobody runs it
  std::optional<TimePoint> lease_until;
  std::string running_run_id;  ///< the run the lease holder is making
  std::optional<StoredExportWindow> window;
};

/// What claiming a job found.
struct ExportJobClaim {
  enum class Outcome { Claimed, NotDue, Held } outcome = Outcome::NotDue;
  StoredExportJob job;
  std::string held_by;  ///< Held: the other owner
};

/// A history query with the job resolved to its id.
struct ExportRunQuery {
  std::optional<std::string> job_id;
  std::optional<ExportRunState> state;
  std::optional<TimePoint> since;
  std::optional<TimePoint> until;
};

class CatalogStore {
 public:
  virtual ~CatalogStore() = default;
  /// What a store without an export queue answers (the queue's methods are
  /// overridden by every store that keeps one).
  static Status queue_unsupported() {
    return Status(ErrorCode::Unsupported, "this catalog store keeps no export queue");
  }

  // Integrations. insert fails with AlreadyExists when the name (folded) is
  // taken, Conflict when the folder is.
  virtual Status insert_integration(const Integration& integration) = 0;
  virtual Status update_integration(const Integration& integration) = 0;
  /// Removes the integration with its connections, manifests and probes.
  virtual Status delete_integration(const std::string& id) = 0;
  virtual Result<std::optional<Integration>> find_integration(const std::string& id_or_name) const = 0;
  virtual Result<std::vector<Integration>> query_integrations(const IntegrationQuery& query,
                                                              PageRequest page) const = 0;
  virtual Result<uint64_t> count_integrations(const IntegrationQuery& query) const = 0;
  /// Sets the status columns. With `only_if_checking`, only when the row still
  /// says CHECKING (a check's result never overwrites a newer settings change).
  virtual Status set_status(const std::string& id, const StoredStatus& status) = 0;
  /// Marks a check as started: status CHECKING, the previous status kept to
  /// come back to if the checker dies.
  virtual Status begin_check(const std::string& id) = 0;
  /// Ends a check that never finished (its holder died): the status it had before.
  virtual Status abandon_check(const std::string& id) = 0;
  virtual Result<std::vector<std::string>> checking_integrations() const = 0;

  // Probe objects a status check wrote and has not deleted yet.
  virtual Status add_probe(const std::string& integration_id, const std::string& key) = 0;
  virtual Status remove_probe(const std::string& integration_id, const std::string& key) = 0;
  virtual Result<std::vector<std::string>> probes(const std::string& integration_id) const = 0;

  // Projects.
  virtual Status insert_project(const Project& project) = 0;
  virtual Result<std::optional<Project>> find_project(const std::string& id_or_name) const = 0;
  virtual Result<std::vector<Project>> list_projects() const = 0;
  virtual Status delete_project(const std::string& id) = 0;

  // Connections. insert fails with AlreadyExists for a second connection of
  // one project to one integration (they would share a folder).
  virtual Status insert_connection(const Connection& connection) = 0;
  virtual Result<std::optional<Connection>> find_connection(const std::string& id) const = 0;
  virtual Result<std::optional<Connection>> find_connection_for(const std::string& project_id,
                                                                const std::string& integration_id) const = 0;
  virtual Result<std::vector<Connection>> query_connections(const ConnectionQuery& query, PageRequest page) const = 0;
  virtual Result<uint64_t> count_connections(const ConnectionQuery& query) const = 0;
  virtual Status delete_connection(const std::string& id) = 0;
  virtual Status set_last_checked(const std::string& connection_id, TimePoint when) = 0;

  // Manifests: the baseline of each connection. write_manifest applies a
  // batch of changes in one transaction.
  virtual Result<Manifest> load_manifest(const std::string& connection_id) const = 0;
  virtual Status write_manifest(const std::string& connection_id, const std::vector<ManifestEntry>& upserts,
                                const std::vector<std::string>& erased_paths) = 0;
  /// Files tracked across every connection of a project (its file limit).
  virtual Result<uint64_t> tracked_files_in_project(const std::string& project_id) const = 0;

  // The writeback queue of each connection: files to export, in the order
  // they go out. A row leaves only when its file reached the store (or was
  // found unchanged), so a process killed at any moment loses nothing.
  /// Queues paths (one transaction). A new path goes to the tail as Waiting;
  /// a Waiting one keeps its place; an InFlight one is marked to go again
  /// once its export settles; a Failed, Conflict or Refused one becomes
  /// Waiting at the tail with its attempts reset.
  virtual Status enqueue_exports(const std::string& /*connection_id*/, const std::vector<std::string>& /*paths*/,
                                 TimePoint /*now*/) {
    return queue_unsupported();
  }
  /// Takes up to `max` rows that are Waiting, or Failed and due
  /// (retry_at <= now), in queue order, and marks them InFlight.
  virtual Result<std::vector<QueueRow>> claim_exports(const std::string& /*connection_id*/, TimePoint /*now*/,
                                                      size_t /*max*/) {
    return queue_unsupported();
  }
  /// Records how claimed rows ended (one transaction). Done removes a row
  /// (or makes it Waiting at the tail when it was re-queued meanwhile);
  /// Retry makes it Failed until retry_at; Park gives it the parked state.
  virtual Status settle_exports(const std::string& /*connection_id*/, const std::vector<SettledExport>& /*settled*/) {
    return queue_unsupported();
  }
  /// Makes every InFlight row Waiting again in place (its exporter died) and
  /// every Failed row due now (`retry_now`, a flush).
  virtual Status requeue_exports(const std::string& /*connection_id*/, bool /*in_flight*/, bool /*retry_now*/) {
    return queue_unsupported();
  }
  /// Parked (Conflict/Refused/Failed-for-good) rows become Waiting again (the
  /// integration's settings changed).
  virtual Status unpark_exports(const std::string& /*connection_id*/) { return queue_unsupported(); }
  /// Every row of the connection, in queue order.
  virtual Result<std::vector<QueueRow>> queued_exports(const std::string& /*connection_id*/) const {
    return queue_unsupported();
  }
  /// When the earliest Failed row is due, if any is.
  virtual Result<std::optional<TimePoint>> next_retry(const std::string& /*connection_id*/) const {
    return queue_unsupported();
  }

  // Record export jobs (cloudsync/records.hpp): the jobs, their watermarks,
  // leases, unfinished windows and history. Several processes may share the
  // store; the lease says which one runs a job.
  static Status export_jobs_unsupported() {
    return Status(ErrorCode::Unsupported, "this catalog store keeps no record export jobs");
  }
  /// AlreadyExists when the name (folded) is taken.
  virtual Status insert_export_job(const StoredExportJob& /*job*/) { return export_jobs_unsupported(); }
  /// Replaces the settings (name, frequency, models, options, enabled, next_run_at).
  virtual Status update_export_job(const StoredExportJob& /*job*/) { return export_jobs_unsupported(); }
  /// Removes the job with its watermarks and history.
  virtual Status delete_export_job(const std::string& /*id*/) { return export_jobs_unsupported(); }
  virtual Result<std::optional<StoredExportJob>> find_export_job(const std::string& /*id_or_name*/) const {
    return export_jobs_unsupported();
  }
  /// Ordered by creation time, then id.
  virtual Result<std::vector<StoredExportJob>> list_export_jobs(PageRequest /*page*/) const {
    return export_jobs_unsupported();
  }
  /// Ids of enabled jobs due at `now` (next_run_at <= now), earliest first.
  virtual Result<std::vector<std::string>> due_export_jobs(TimePoint /*now*/) const {
    return export_jobs_unsupported();
  }
  /// The earliest next_run_at of the enabled jobs, if any.
  virtual Result<std::optional<TimePoint>> next_export_due() const { return export_jobs_unsupported(); }
  /// Takes the job's lease for `owner` until `lease_until` (one transaction):
  /// Held while another owner's lease runs at `lease_now`; NotDue when
  /// `due_only` and the job is disabled or not due at `now`. A lease that expired is taken over
  /// and the run its holder was making is marked failed (`abandoned`).
  virtual Result<ExportJobClaim> claim_export_job(const std::string& /*job_id*/, const std::string& /*owner*/,
                                                  TimePoint /*now*/, TimePoint /*lease_now*/, TimePoint /*lease_until*/,
                                                  bool /*due_only*/, const Status& /*abandoned*/) {
    return export_jobs_unsupported();
  }
  /// Extends the lease; Conflict when `owner` no longer holds it.
  virtual Status renew_export_lease(const std::string& /*job_id*/, const std::string& /*owner*/,
                                    TimePoint /*lease_until*/) {
    return export_jobs_unsupported();
  }
  /// Stores the window (its attempts counted) with the first run's time when
  /// none is set and records the run as started (one transaction, under the lease).
  virtual Status begin_export_run(const std::string& /*job_id*/, const std::string& /*owner*/,
                                  const StoredExportWindow& /*window*/, TimePoint /*first_run_at*/,
                                  const ExportRun& /*run*/) {
    return export_jobs_unsupported();
  }
  /// A successful run (one transaction, only while `owner` holds the lease):
  /// the watermarks, the run, the window forgotten, the job ACTIVE with its
  /// next slot, the lease released. Conflict when the lease was lost.
  virtual Status commit_export_run(const std::string& /*job_id*/, const std::string& /*owner*/,
                                   const ExportRun& /*run*/, const std::vector<ModelWatermark>& /*watermarks*/,
                                   TimePoint /*next_run_at*/) {
    return export_jobs_unsupported();
  }
  /// A failed run: recorded, the job FAILED and due again at `retry_at`, its
  /// window and watermarks kept, the lease released (when `owner` holds it).
  /// With `drop_window`, the window is forgotten too (it could never
  /// succeed: its folder belongs to another window, and nothing was written).
  virtual Status fail_export_run(const std::string& /*job_id*/, const std::string& /*owner*/, const ExportRun& /*run*/,
                                 TimePoint /*retry_at*/, bool /*drop_window*/ = false) {
    return export_jobs_unsupported();
  }
  virtual Result<std::vector<ModelWatermark>> export_watermarks(const std::string& /*job_id*/) const {
    return export_jobs_unsupported();
  }
  /// Newest first (started_at, then id).
  virtual Result<std::vector<ExportRun>> query_export_runs(const ExportRunQuery& /*query*/,
                                                           PageRequest /*page*/) const {
    return export_jobs_unsupported();
  }
  virtual Result<uint64_t> count_export_runs(const ExportRunQuery& /*query*/) const {
    return export_jobs_unsupported();
  }

  // Facts backends learned about storage endpoints (cloudsync/endpoint_facts.hpp),
  // one row per endpoint and fact, so that the next process starts with them.
  virtual Result<std::optional<std::string>> endpoint_fact(const std::string& endpoint,
                                                           const std::string& fact) const = 0;
  /// Inserts or replaces the row.
  virtual Status put_endpoint_fact(const std::string& endpoint, const std::string& fact, const std::string& value,
                                   TimePoint learned_at) = 0;

  // Migration of a project's v1 JSON state: all of it, or none.
  virtual Status import_v1(const Project& project, const std::vector<Integration>& integrations,
                           const std::vector<Connection>& connections,
                           const std::vector<std::pair<std::string, Manifest>>& manifests) = 0;
};

/// Opens (creating, migrating the schema forward) a SQLite catalog file.
Result<std::unique_ptr<CatalogStore>> open_sqlite_catalog_store(const std::filesystem::path& file,
                                                                std::chrono::milliseconds busy_timeout);

/// Opens (creating, migrating the schema forward) a catalog in a PostgreSQL
/// database (a libpq conninfo or a postgresql:// URI).
Result<std::unique_ptr<CatalogStore>> open_postgres_catalog_store(const std::string& conninfo);

/// The store `options` name: options.database on PostgreSQL, or else
/// <state_dir>/catalog.db.
Result<std::unique_ptr<CatalogStore>> open_catalog_store(const CatalogOptions& options);

/// The schema version this build writes.
int catalog_schema_version();

}  // namespace cloudsync
