// Scheduled incremental record export (Hydra's "Data Export"): records of a
// host's tables ("models") are written to an integration as JSON Lines, every
// 1 to 168 hours, the first run everything, later runs only what changed.
//
// Layout under the job's prefix (Hydra's):
//
//   <YYYYMMDDHHMM>/<model>/<id of the first record>-<id of the last record>.json[.gz]
//   <YYYYMMDDHHMM>/_run.json        the window this folder belongs to (written first)
//   <YYYYMMDDHHMM>/_manifest.json   every file with rows, bytes and SHA-256 (written last)
//
// The folder is the UTC minute the run's window was opened (never the wall
// clock of a retry). A record is read with keyset paging on (updated_at, id):
// each run exports the records after the model's watermark (the last exported
// (updated_at, id)) up to an upper bound fixed when the window opens, minus a
// visibility lag, so rows committed late with an older timestamp are still
// found and ties on updated_at never lose a row. File names depend only on the
// window and the records, so a rerun of a window writes identical objects; a
// folder that belongs to another window is never written into (Conflict). The
// manifest is the commit point: the watermark moves only after it is durable,
// and a run that failed leaves the watermark alone, so the next attempt
// exports what was missed, with the same window.
//
// C++ API: source-stable within a major version, not binary-stable.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cloudsync/cancel.hpp"
#include "cloudsync/export.hpp"
#include "cloudsync/status.hpp"
#include "cloudsync/types.hpp"

namespace cloudsync {

class Catalog;

// --- Record sources -------------------------------------------------------

/// Where a record sits in its source's order: (updated_at, id).
struct RecordKey {
  /// The source's own text for the updated-at value (e.g. PostgreSQL's
  /// "2026-12-06 10:00:00.123456+00"); only the source compares it.
  std::string updated_at;
  /// The id as JSON: 42 or "a-17".
  std::string id;
  bool operator==(const RecordKey&) const = default;
};

/// What a source reads for one page.
struct RecordPageRequest {
  /// Exclusive lower bound: records strictly after (updated_at, id); none: from the start.
  std::optional<RecordKey> after;
  /// Inclusive upper bound on updated_at (the window's upper bound).
  TimePoint upper;
  /// At most this many records.
  size_t max_records = 10'000;
  /// Write 64-bit integer ids as JSON strings (BigQuery's convention: above
  /// 2^53 a JSON number loses precision in most readers).
  bool ids_as_strings = false;
};

/// One record of a page: its key and its JSON object (one line, no newline).
/// The views are valid during the visitor's call only.
struct RecordView {
  std::string_view updated_at;  ///< RecordKey::updated_at
  std::string_view id;          ///< RecordKey::id (JSON)
  std::string_view json;
};

/// Returning an error stops the page; it is returned by read_page.
using RecordVisitor = std::function<Status(const RecordView& record)>;

/// A table of records, read in (updated_at, id) order a page at a time.
/// Implementations: the built-in SQLite and PostgreSQL tables (SourceSpec),
/// hosts' own (Catalog::register_record_source, cloudsync_record_source_register).
class CLOUDSYNC_API RecordSource {
 public:
  virtual ~RecordSource() = default;
  /// Visits the records after request.after with updated_at <= request.upper,
  /// in (updated_at, id) order, at most request.max_records of them; returns
  /// how many it visited (fewer than max_records: the window is done).
  virtual Result<size_t> read_page(const RecordPageRequest& request, const RecordVisitor& visit,
                                   const CancelToken* cancel) = 0;
  /// Deletions (the host's delete feed) in the same order and with the same
  /// bounds; `record.json` is unused. Default: the source has no delete feed.
  virtual Result<size_t> read_deletions(const RecordPageRequest& request, const RecordVisitor& visit,
                                        const CancelToken* cancel);
  /// True when read_deletions is a real feed (tombstones are written).
  virtual bool has_deletions() const { return false; }
};

/// A built-in source: a table named by its id and updated-at columns.
struct SourceSpec {
  enum class Kind {
    SQLite,      ///< `database` is the file
    PostgreSQL,  ///< `database` is a libpq conninfo (a password in it is kept as a secret, never in the catalog)
    Registered,  ///< `database` names a source the host registered (Catalog::register_record_source)
  };
  Kind kind = Kind::SQLite;
  std::string database;
  std::string table;  ///< may be schema-qualified for PostgreSQL ("public.orders")
  std::string id_column = "id";
  std::string updated_column = "updated_at";
  /// SQLite only, how updated_at is stored: "text" (UTC as SQLite's datetime()
  /// writes it, "YYYY-MM-DD HH:MM:SS[.SSS]"), "unix_seconds" or "unix_millis".
  /// PostgreSQL reads the column's type (timestamptz, timestamp as UTC, or an
  /// integer of Unix seconds).
  std::string updated_format = "text";
  /// An optional delete feed: a table of (id, deleted-at) rows; empty: none.
  std::string deletes_table;
  std::string deletes_id_column = "id";
  std::string deletes_updated_column = "deleted_at";
};

/// Opens a built-in source (SQLite or PostgreSQL; not Registered).
CLOUDSYNC_API Result<std::unique_ptr<RecordSource>> open_record_source(const SourceSpec& spec);

// --- Jobs -----------------------------------------------------------------

struct ModelSpec {
  std::string name;  ///< the model's folder: letters, digits, '_', '-', '.'
  SourceSpec source;
};

struct RecordExportOptions {
  /// How late a row may commit with an older updated_at and still be found
  /// (PostHog's and Airbyte's lost rows): the window's upper bound is
  /// (window opened) - visibility_lag.
  std::chrono::seconds visibility_lag{60};
  uint64_t max_file_rows = 100'000;       ///< a file closes at this many lines...
  uint64_t max_file_bytes = 64ull << 20;  ///< ...or at this many bytes (uncompressed)
  bool gzip = false;                      ///< files are .json.gz (deterministic: no name, no mtime)
  bool ids_as_strings = false;            ///< see RecordPageRequest::ids_as_strings
  size_t page_records = 10'000;           ///< records per keyset page
};

struct ExportJobSpec {
  std::string name;
  std::string integration;        ///< id or name; the job needs its writeback
  std::string prefix;             ///< folder in the integration ("" for its root)
  uint32_t frequency_hours = 24;  ///< 1 to 168
  std::vector<ModelSpec> models;
  RecordExportOptions options;
  /// The first run is this long after the job is created (Hydra: "a few
  /// minutes after your configuration is saved"); later runs every
  /// frequency_hours after the first.
  std::chrono::seconds first_run_delay{120};
};

enum class ExportJobStatus {
  Active,    ///< runs on schedule; the last run succeeded (or none ran yet)
  Running,   ///< a run holds the job's lease
  Failed,    ///< the last run failed (sticky until a run succeeds)
  Disabled,  ///< never due
};
CLOUDSYNC_API std::string_view export_job_status_name(ExportJobStatus status);  ///< "ACTIVE", "RUNNING", ...

struct ExportJob {
  std::string id;
  std::string name;
  std::string integration_id;
  std::string prefix;
  uint32_t frequency_hours = 24;
  std::vector<ModelSpec> models;  ///< PostgreSQL passwords are not in here (they are secrets)
  RecordExportOptions options;
  TimePoint created_at;
  std::optional<TimePoint> first_run_at;  ///< when the first run started (the schedule's anchor)
  TimePoint next_run_at;
  ExportJobStatus status = ExportJobStatus::Active;
};

struct ExportJobUpdate {
  std::optional<std::string> name;
  std::optional<uint32_t> frequency_hours;
  std::optional<std::vector<ModelSpec>> models;  ///< a new model starts full; a removed one keeps nothing
  std::optional<RecordExportOptions> options;
  std::optional<bool> enabled;
};

// --- History --------------------------------------------------------------

enum class ExportRunState { Running, Succeeded, Failed };
CLOUDSYNC_API std::string_view export_run_state_name(ExportRunState state);  ///< "running", "succeeded", "failed"

struct ModelRunStats {
  std::string model;
  uint64_t rows = 0;        ///< records written
  uint64_t tombstones = 0;  ///< deletions written
  uint64_t files = 0;
  uint64_t bytes = 0;  ///< as stored (compressed with gzip)
};

/// One attempt of one window. A window that failed is attempted again (same
/// window, same folder, attempt + 1) until it succeeds.
struct ExportRun {
  std::string id;
  std::string job_id;
  uint32_t attempt = 1;
  std::string folder;       ///< "YYYYMMDDHHMM" under the job's prefix
  TimePoint window_opened;  ///< the folder's time (to the microsecond)
  TimePoint upper_bound;    ///< records with updated_at up to this
  ExportRunState state = ExportRunState::Running;
  TimePoint started_at;
  std::optional<TimePoint> finished_at;
  std::chrono::milliseconds duration{0};
  std::vector<ModelRunStats> models;
  uint64_t rows = 0, tombstones = 0, files = 0, bytes = 0;
  ErrorCode error_code = ErrorCode::Ok;
  std::string error_message;  ///< never with a secret
  std::string manifest_key;   ///< set once the manifest is written
};

struct ExportRunFilter {
  std::optional<std::string> job;  ///< id or name
  std::optional<ExportRunState> state;
  std::optional<TimePoint> since;  ///< started at or after
  std::optional<TimePoint> until;  ///< started before
};

/// JSON forms (never with secrets).
CLOUDSYNC_API std::string export_job_to_json(const ExportJob& job);
CLOUDSYNC_API std::string export_run_to_json(const ExportRun& run);

// --- Running --------------------------------------------------------------

/// The scheduler's clock; tests inject one that they move by hand.
class CLOUDSYNC_API ExportClock {
 public:
  virtual ~ExportClock() = default;
  virtual TimePoint now() = 0;
  /// Sleeps until `deadline` (on this clock) or until wake() is called.
  virtual void sleep_until(TimePoint deadline) = 0;
  /// Ends a sleep_until early (the scheduler is stopping, or a job changed).
  virtual void wake() = 0;
  /// The system clock.
  static std::shared_ptr<ExportClock> system();
};

struct RunDueOptions {
  /// Who runs (kept with the lease; default: host name and process id).
  std::string owner;
  /// A run renews its lease while it works; a server that dies leaves the job
  /// to another after this long.
  std::chrono::seconds lease{300};
  /// The clock leases are timed on. Default: the `now` given to
  /// run_due_exports / run_export_job, advanced by the time the call has
  /// taken so far (hosts pass the current time; a job run after others in
  /// one call is leased at the time it really starts). Set it (e.g. ExportClock::system()) when
  /// `now` is not the current time, as for a rerun of a past window: a lease
  /// taken "in the past" would otherwise never expire for the next caller.
  std::shared_ptr<ExportClock> lease_clock{};
  const CancelToken* cancel = nullptr;
};

struct SchedulerOptions {
  std::shared_ptr<ExportClock> clock;  ///< default: ExportClock::system()
  RunDueOptions run;
  /// How often to look for due jobs (other servers may add jobs or die).
  std::chrono::seconds poll{30};
  /// Called after each run, from the scheduler's thread.
  std::function<void(const ExportRun&)> on_run;
};

/// A thread that runs due jobs of a catalog (several processes may each run
/// one on a shared catalog: a job runs on one of them at a time).
class CLOUDSYNC_API ExportScheduler {
 public:
  static Result<std::unique_ptr<ExportScheduler>> start(std::shared_ptr<Catalog> catalog, SchedulerOptions options);
  /// Stops: a running export is cancelled, its window left for the next run.
  ~ExportScheduler();
  void stop();
  struct Impl;

 private:
  explicit ExportScheduler(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cloudsync
