#include "catalog/sql_export_jobs.hpp"

#include <array>
#include <functional>
#include <utility>

#include "catalog/export_job_json.hpp"
#include "catalog/catalog_schema.hpp"
#include "core/error.hpp"
#include "core/time.hpp"

namespace cloudsync::sql_export_jobs {

namespace {

using sql::Statement;

// The words stored in export_runs.state (spelt out: the database outlives any
// renaming of the enum).
constexpr std::array<std::pair<ExportRunState, const char*>, 3> kStateWords{{
    {ExportRunState::Running, "running"},
    {ExportRunState::Succeeded, "succeeded"},
    {ExportRunState::Failed, "failed"},
}};

const char* state_word(ExportRunState state) {
  for (const auto& [s, word] : kStateWords) {
    if (s == state) return word;
  }
  return "running";
}

Result<ExportRunState> state_from_word(const std::string& word) {
  for (const auto& [s, w] : kStateWords) {
    if (word == w) return s;
  }
  return make_error(ErrorCode::Integrity, "an export run has the unknown state '{}'", word);
}

ErrorCode code_from_name(const std::string& name) {
  for (int c = 0; c <= static_cast<int>(kLastErrorCode); ++c) {
    if (error_code_name(static_cast<ErrorCode>(c)) == name) return static_cast<ErrorCode>(c);
  }
  return name.empty() ? ErrorCode::Ok : ErrorCode::Internal;
}

std::optional<int64_t> optional_nanos(const std::optional<TimePoint>& t) {
  return t ? std::optional<int64_t>(to_unix_nanos(*t)) : std::nullopt;
}

std::optional<TimePoint> optional_time(const Statement& st, int column) {
  return st.is_null(column) ? std::nullopt : std::optional<TimePoint>(from_unix_nanos(st.integer(column)));
}

constexpr const char* kJobColumns =
    "id, name, integration_id, prefix, frequency_hours, models, options, first_run_delay_s, created_at, "
    "first_run_at, next_run_at, enabled, failed, lease_owner, lease_until, running_run_id, window_folder, "
    "window_opened, window_upper, window_attempts, window_lower";

Result<StoredExportJob> read_job(const Statement& st) {
  StoredExportJob s;
  ExportJob& j = s.job;
  j.id = st.text(0);
  j.name = st.text(1);
  j.integration_id = st.text(2);
  j.prefix = st.text(3);
  j.frequency_hours = static_cast<uint32_t>(st.integer(4));
  CLOUDSYNC_ASSIGN_OR_RETURN(j.models, parse_models_json(st.text(5)));
  CLOUDSYNC_ASSIGN_OR_RETURN(j.options, parse_options_json(st.text(6)));
  s.first_run_delay = std::chrono::seconds(st.integer(7));
  j.created_at = from_unix_nanos(st.integer(8));
  j.first_run_at = optional_time(st, 9);
  j.next_run_at = from_unix_nanos(st.integer(10));
  s.enabled = st.integer(11) != 0;
  s.failed = st.integer(12) != 0;
  s.lease_owner = st.text(13);
  s.lease_until = optional_time(st, 14);
  s.running_run_id = st.text(15);
  if (!st.text(16).empty() && !st.is_null(17) && !st.is_null(18)) {
    StoredExportWindow w;
    w.folder = st.text(16);
    w.opened = from_unix_nanos(st.integer(17));
    w.upper_bound = from_unix_nanos(st.integer(18));
    w.attempts = static_cast<uint32_t>(st.integer(19));
    CLOUDSYNC_ASSIGN_OR_RETURN(w.lower_bounds, parse_watermarks_json(st.text(20)));
    s.window = std::move(w);
  }
  j.status = !s.enabled               ? ExportJobStatus::Disabled
             : !s.lease_owner.empty() ? ExportJobStatus::Running
             : s.failed               ? ExportJobStatus::Failed
                                      : ExportJobStatus::Active;
  return s;
}

Result<std::vector<StoredExportJob>> read_jobs(Statement& st) {
  std::vector<StoredExportJob> out;
  for (;;) {
    CLOUDSYNC_ASSIGN_OR_RETURN(bool more, st.step());
    if (!more) break;
    CLOUDSYNC_ASSIGN_OR_RETURN(StoredExportJob job, read_job(st));
    out.push_back(std::move(job));
  }
  return out;
}

/// `claiming`: the row is read to be claimed in the caller's transaction.
Result<std::optional<StoredExportJob>> job_by_id(sql::Database& db, const std::string& id, bool claiming = false) {
  CLOUDSYNC_ASSIGN_OR_RETURN(
      Statement st,
      db.prepare(fmt::format("SELECT {} FROM export_jobs WHERE id = ?1{}", kJobColumns,
                             claiming && db.dialect() == sql::Dialect::Postgres ? " FOR UPDATE SKIP LOCKED" : "")));
  st.bind(1, id);
  CLOUDSYNC_ASSIGN_OR_RETURN(auto jobs, read_jobs(st));
  if (jobs.empty()) return std::optional<StoredExportJob>{};
  return std::optional<StoredExportJob>(std::move(jobs.front()));
}

Status check_name_free(sql::Database& db, const StoredExportJob& job) {
  CLOUDSYNC_ASSIGN_OR_RETURN(Statement taken,
                             db.prepare("SELECT name FROM export_jobs WHERE name_key = ?1 AND id <> ?2"));
  taken.bind(1, catalog_name_key(job.job.name)).bind(2, job.job.id);
  CLOUDSYNC_ASSIGN_OR_RETURN(bool row, taken.step());
  if (row) return make_error(ErrorCode::AlreadyExists, "an export job named '{}' already exists", taken.text(0));
  return Status::OK();
}

/// Conflict unless `owner` holds the job's lease (read inside the caller's transaction).
Status check_lease(sql::Database& db, const std::string& job_id, const std::string& owner) {
  CLOUDSYNC_ASSIGN_OR_RETURN(
      Statement st, db.prepare(fmt::format("SELECT lease_owner FROM export_jobs WHERE id = ?1{}", db.lock_clause())));
  st.bind(1, job_id);
  CLOUDSYNC_ASSIGN_OR_RETURN(bool row, st.step());
  if (!row) return make_error(ErrorCode::NotFound, "no export job with the id '{}'", job_id);
  if (st.text(0) != owner) {
    return make_error(ErrorCode::Conflict, "export job '{}' is no longer leased to this process", job_id);
  }
  return Status::OK();
}

/// Writes how a run ended (its state, times, statistics, error, manifest).
Status finish_run_row(sql::Database& db, const ExportRun& run) {
  CLOUDSYNC_ASSIGN_OR_RETURN(
      Statement st, db.prepare("UPDATE export_runs SET state = ?2, finished_at = ?3, duration_ms = ?4, models = ?5, "
                               "rows_written = ?6, tombstones = ?7, files = ?8, bytes = ?9, error_code = ?10, "
                               "error_message = ?11, manifest_key = ?12 WHERE id = ?1"));
  st.bind(1, run.id)
      .bind(2, state_word(run.state))
      .bind(3, optional_nanos(run.finished_at))
      .bind(4, static_cast<int64_t>(run.duration.count()))
      .bind(5, model_stats_json(run.models))
      .bind(6, static_cast<int64_t>(run.rows))
      .bind(7, static_cast<int64_t>(run.tombstones))
      .bind(8, static_cast<int64_t>(run.files))
      .bind(9, static_cast<int64_t>(run.bytes))
      .bind(10, std::string(run.error_code == ErrorCode::Ok ? std::string_view("") : error_code_name(run.error_code)))
      .bind(11, run.error_message)
      .bind(12, run.manifest_key);
  return st.run();
}

constexpr const char* kRunColumns =
    "id, job_id, attempt, folder, window_opened, upper_bound, state, started_at, finished_at, duration_ms, models, "
    "rows_written, tombstones, files, bytes, error_code, error_message, manifest_key";

Result<ExportRun> read_run(const Statement& st) {
  ExportRun r;
  r.id = st.text(0);
  r.job_id = st.text(1);
  r.attempt = static_cast<uint32_t>(st.integer(2));
  r.folder = st.text(3);
  r.window_opened = from_unix_nanos(st.integer(4));
  r.upper_bound = from_unix_nanos(st.integer(5));
  CLOUDSYNC_ASSIGN_OR_RETURN(r.state, state_from_word(st.text(6)));
  r.started_at = from_unix_nanos(st.integer(7));
  r.finished_at = optional_time(st, 8);
  r.duration = std::chrono::milliseconds(st.integer(9));
  CLOUDSYNC_ASSIGN_OR_RETURN(r.models, parse_model_stats_json(st.text(10)));
  r.rows = static_cast<uint64_t>(st.integer(11));
  r.tombstones = static_cast<uint64_t>(st.integer(12));
  r.files = static_cast<uint64_t>(st.integer(13));
  r.bytes = static_cast<uint64_t>(st.integer(14));
  r.error_code = code_from_name(st.text(15));
  r.error_message = st.text(16);
  r.manifest_key = st.text(17);
  return r;
}

/// The WHERE clause of a history query, its parameters numbered ?1.. without
/// gaps (PostgreSQL must know the type of every numbered parameter).
struct RunWhere {
  std::string sql = "WHERE 1 = 1";
  int next = 1;
  std::vector<std::function<void(Statement&)>> binds;

  explicit RunWhere(const ExportRunQuery& q) {
    if (q.job_id) add("job_id = ?{}", [v = *q.job_id](Statement& st, int i) { st.bind(i, v); });
    if (q.state) add("state = ?{}", [v = state_word(*q.state)](Statement& st, int i) { st.bind(i, v); });
    if (q.since) add("started_at >= ?{}", [v = to_unix_nanos(*q.since)](Statement& st, int i) { st.bind(i, v); });
    if (q.until) add("started_at < ?{}", [v = to_unix_nanos(*q.until)](Statement& st, int i) { st.bind(i, v); });
  }
  template <typename F>
  void add(const char* condition, F bind) {
    const int index = next++;
    sql += " AND " + fmt::format(fmt::runtime(condition), index);
    binds.push_back([bind, index](Statement& st) { bind(st, index); });
  }
  void bind(Statement& st) const {
    for (const auto& b : binds) b(st);
  }
};

Status bind_settings_and_run(Statement& st, const StoredExportJob& s) {
  const ExportJob& j = s.job;
  st.bind(1, j.id)
      .bind(2, j.name)
      .bind(3, catalog_name_key(j.name))
      .bind(4, j.integration_id)
      .bind(5, j.prefix)
      .bind(6, static_cast<int64_t>(j.frequency_hours))
      .bind(7, models_json(j.models))
      .bind(8, options_json(j.options))
      .bind(9, static_cast<int64_t>(s.first_run_delay.count()))
      .bind(10, to_unix_nanos(j.created_at))
      .bind(11, to_unix_nanos(j.next_run_at))
      .bind(12, static_cast<int64_t>(s.enabled ? 1 : 0));
  return st.run();
}

}  // namespace

Status insert(sql::Database& db, const StoredExportJob& job) {
  CLOUDSYNC_ASSIGN_OR_RETURN(sql::Transaction tx, sql::Transaction::begin(db));
  CLOUDSYNC_RETURN_IF_ERROR(check_name_free(db, job));
  CLOUDSYNC_ASSIGN_OR_RETURN(
      Statement st,
      db.prepare("INSERT INTO export_jobs (id, name, name_key, integration_id, prefix, frequency_hours, models, "
                 "options, first_run_delay_s, created_at, next_run_at, enabled) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"));
  CLOUDSYNC_RETURN_IF_ERROR(bind_settings_and_run(st, job));
  return tx.commit();
}

Status update(sql::Database& db, const StoredExportJob& job) {
  CLOUDSYNC_ASSIGN_OR_RETURN(sql::Transaction tx, sql::Transaction::begin(db));
  CLOUDSYNC_RETURN_IF_ERROR(check_name_free(db, job));
  CLOUDSYNC_ASSIGN_OR_RETURN(
      Statement st,
      db.prepare("UPDATE export_jobs SET name = ?2, name_key = ?3, integration_id = ?4, prefix = ?5, "
                 "frequency_hours = ?6, models = ?7, options = ?8, first_run_delay_s = ?9, created_at = ?10, "
                 "next_run_at = ?11, enabled = ?12 WHERE id = ?1"));
  CLOUDSYNC_RETURN_IF_ERROR(bind_settings_and_run(st, job));
  if (db.changes() == 0) return make_error(ErrorCode::NotFound, "no export job with the id '{}'", job.job.id);
  // A removed model keeps nothing; a window opened for other models is not
  // reused (its lower bounds no longer describe the job).
  CLOUDSYNC_ASSIGN_OR_RETURN(Statement marks, db.prepare("SELECT model FROM export_watermarks WHERE job_id = ?1"));
  marks.bind(1, job.job.id);
  std::vector<std::string> gone;
  for (;;) {
    CLOUDSYNC_ASSIGN_OR_RETURN(bool row, marks.step());
    if (!row) break;
    std::string model = marks.text(0);
    bool kept = false;
    for (const ModelSpec& m : job.job.models) kept |= m.name == model;
    if (!kept) gone.push_back(std::move(model));
  }
  CLOUDSYNC_ASSIGN_OR_RETURN(Statement forget,
                             db.prepare("DELETE FROM export_watermarks WHERE job_id = ?1 AND model = ?2"));
  for (const std::string& model : gone) {
    CLOUDSYNC_RETURN_IF_ERROR(forget.bind(1, job.job.id).bind(2, model).run());
    CLOUDSYNC_RETURN_IF_ERROR(forget.reset());
  }
  if (!gone.empty() || (job.window && job.window->lower_bounds.size() != job.job.models.size())) {
    CLOUDSYNC_ASSIGN_OR_RETURN(Statement clear, db.prepare("UPDATE export_jobs SET window_folder = '', window_opened = "
                                                           "NULL, window_upper = NULL, window_attempts = 0, "
                                                           "window_lower = '' WHERE id = ?1 AND lease_owner = ''"));
    CLOUDSYNC_RETURN_IF_ERROR(clear.bind(1, job.job.id).run());
  }
  return tx.commit();
}

Status remove(sql::Database& db, const std::string& id) {
  CLOUDSYNC_ASSIGN_OR_RETURN(sql::Transaction tx, sql::Transaction::begin(db));
  for (const char* sql : {"DELETE FROM export_runs WHERE job_id = ?1",
                          "DELETE FROM export_watermarks WHERE job_id = ?1", "DELETE FROM export_jobs WHERE id = ?1"}) {
    CLOUDSYNC_ASSIGN_OR_RETURN(Statement st, db.prepare(sql));
    CLOUDSYNC_RETURN_IF_ERROR(st.bind(1, id).run());
  }
  if (db.changes() == 0) return make_error(ErrorCode::NotFound, "no export job with the id '{}'", id);
  return tx.commit();
}

Result<std::optional<StoredExportJob>> find(sql::Database& db, const std::string& id_or_name) {
  CLOUDSYNC_ASSIGN_OR_RETURN(
      Statement st,
      db.prepare(fmt::format("SELECT {} FROM export_jobs WHERE id = ?1 OR name_key = ?2 ORDER BY created_at, id",
                             kJobColumns)));
  st.bind(1, id_or_name).bind(2, catalog_name_key(id_or_name));
  CLOUDSYNC_ASSIGN_OR_RETURN(auto jobs, read_jobs(st));
  if (jobs.empty()) return std::optional<StoredExportJob>{};
  // An id wins over another job's name.
  for (StoredExportJob& j : jobs) {
    if (j.job.id == id_or_name) return std::optional<StoredExportJob>(std::move(j));
  }
  return std::optional<StoredExportJob>(std::move(jobs.front()));
}

Result<std::vector<StoredExportJob>> list(sql::Database& db, PageRequest page) {
  CLOUDSYNC_ASSIGN_OR_RETURN(
      Statement st,
      db.prepare(fmt::format("SELECT {} FROM export_jobs ORDER BY created_at, id LIMIT ?1 OFFSET ?2", kJobColumns)));
  st.bind(1, static_cast<int64_t>(page.first)).bind(2, static_cast<int64_t>(page.skip));
  return read_jobs(st);
}

Result<std::vector<std::string>> due(sql::Database& db, TimePoint now) {
  CLOUDSYNC_ASSIGN_OR_RETURN(Statement st, db.prepare("SELECT id FROM export_jobs WHERE enabled = 1 AND next_run_at "
                                                      "<= ?1 ORDER BY next_run_at, id"));
  st.bind(1, to_unix_nanos(now));
  std::vector<std::string> out;
  for (;;) {
    CLOUDSYNC_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    out.push_back(st.text(0));
  }
  return out;
}

Result<std::optional<TimePoint>> next_due(sql::Database& db) {
  CLOUDSYNC_ASSIGN_OR_RETURN(
      Statement st, db.prepare("SELECT next_run_at FROM export_jobs WHERE enabled = 1 ORDER BY next_run_at LIMIT 1"));
  CLOUDSYNC_ASSIGN_OR_RETURN(bool row, st.step());
  if (!row) return std::optional<TimePoint>{};
  return std::optional<TimePoint>(from_unix_nanos(st.integer(0)));
}

Result<ExportJobClaim> claim(sql::Database& db, const std::string& job_id, const std::string& owner, TimePoint now,
                             TimePoint lease_now, TimePoint lease_until, bool due_only, const Status& abandoned) {
  CLOUDSYNC_ASSIGN_OR_RETURN(sql::Transaction tx, sql::Transaction::begin(db));
  CLOUDSYNC_ASSIGN_OR_RETURN(auto found, job_by_id(db, job_id, true));
  ExportJobClaim claim;
  if (!found) {
    // PostgreSQL skipped a row another process has locked to claim it: held.
    CLOUDSYNC_ASSIGN_OR_RETURN(auto exists, job_by_id(db, job_id));
    if (!exists) return make_error(ErrorCode::NotFound, "no export job with the id '{}'", job_id);
    claim.job = std::move(*exists);
    claim.outcome = ExportJobClaim::Outcome::Held;
    claim.held_by = "another process claiming it now";
    return claim;
  }
  claim.job = std::move(*found);
  const StoredExportJob& job = claim.job;
  // A live lease is respected whoever holds it (one process may run two
  // callers; neither may run a job the other is running).
  if (!job.lease_owner.empty() && job.lease_until && *job.lease_until > lease_now) {
    claim.outcome = ExportJobClaim::Outcome::Held;
    claim.held_by = job.lease_owner;
    return claim;
  }
  if (due_only && (!job.enabled || job.job.next_run_at > now)) {
    claim.outcome = ExportJobClaim::Outcome::NotDue;
    return claim;
  }
  if (!job.lease_owner.empty() && !job.running_run_id.empty()) {
    // The holder stopped without settling its run: that attempt failed; its
    // window stays for this one.
    CLOUDSYNC_ASSIGN_OR_RETURN(Statement st,
                               db.prepare("UPDATE export_runs SET state = 'failed', finished_at = ?2, error_code = ?3, "
                                          "error_message = ?4 WHERE id = ?1 AND state = 'running'"));
    st.bind(1, job.running_run_id)
        .bind(2, to_unix_nanos(now))
        .bind(3, error_code_name(abandoned.code()))
        .bind(4, abandoned.message());
    CLOUDSYNC_RETURN_IF_ERROR(st.run());
  }
  CLOUDSYNC_ASSIGN_OR_RETURN(Statement take,
                             db.prepare("UPDATE export_jobs SET lease_owner = ?2, lease_until = ?3, running_run_id = "
                                        "'', failed = CASE WHEN running_run_id = '' THEN failed ELSE 1 END "
                                        "WHERE id = ?1"));
  take.bind(1, job_id).bind(2, owner).bind(3, to_unix_nanos(lease_until));
  CLOUDSYNC_RETURN_IF_ERROR(take.run());
  CLOUDSYNC_ASSIGN_OR_RETURN(auto taken, job_by_id(db, job_id));
  CLOUDSYNC_RETURN_IF_ERROR(tx.commit());
  claim.outcome = ExportJobClaim::Outcome::Claimed;
  claim.job = std::move(*taken);
  return claim;
}

Status renew(sql::Database& db, const std::string& job_id, const std::string& owner, TimePoint lease_until) {
  CLOUDSYNC_ASSIGN_OR_RETURN(Statement st,
                             db.prepare("UPDATE export_jobs SET lease_until = ?3 WHERE id = ?1 AND lease_owner = ?2"));
  CLOUDSYNC_RETURN_IF_ERROR(st.bind(1, job_id).bind(2, owner).bind(3, to_unix_nanos(lease_until)).run());
  if (db.changes() == 0) {
    return make_error(ErrorCode::Conflict, "export job '{}' is no longer leased to this process", job_id);
  }
  return Status::OK();
}

Status begin_run(sql::Database& db, const std::string& job_id, const std::string& owner,
                 const StoredExportWindow& window, TimePoint first_run_at, const ExportRun& run) {
  CLOUDSYNC_ASSIGN_OR_RETURN(sql::Transaction tx, sql::Transaction::begin(db));
  CLOUDSYNC_RETURN_IF_ERROR(check_lease(db, job_id, owner));
  CLOUDSYNC_ASSIGN_OR_RETURN(
      Statement job, db.prepare("UPDATE export_jobs SET window_folder = ?2, window_opened = ?3, window_upper = ?4, "
                                "window_attempts = ?5, window_lower = ?6, first_run_at = COALESCE(first_run_at, ?7), "
                                "running_run_id = ?8 WHERE id = ?1"));
  job.bind(1, job_id)
      .bind(2, window.folder)
      .bind(3, to_unix_nanos(window.opened))
      .bind(4, to_unix_nanos(window.upper_bound))
      .bind(5, static_cast<int64_t>(window.attempts))
      .bind(6, watermarks_json(window.lower_bounds))
      .bind(7, to_unix_nanos(first_run_at))
      .bind(8, run.id);
  CLOUDSYNC_RETURN_IF_ERROR(job.run());
  CLOUDSYNC_ASSIGN_OR_RETURN(
      Statement insert, db.prepare("INSERT INTO export_runs (id, job_id, attempt, folder, window_opened, upper_bound, "
                                   "state, started_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
  insert.bind(1, run.id)
      .bind(2, job_id)
      .bind(3, static_cast<int64_t>(run.attempt))
      .bind(4, run.folder)
      .bind(5, to_unix_nanos(run.window_opened))
      .bind(6, to_unix_nanos(run.upper_bound))
      .bind(7, state_word(run.state))
      .bind(8, to_unix_nanos(run.started_at));
  CLOUDSYNC_RETURN_IF_ERROR(insert.run());
  return tx.commit();
}

Status commit_run(sql::Database& db, const std::string& job_id, const std::string& owner, const ExportRun& run,
                  const std::vector<ModelWatermark>& watermarks, TimePoint next_run_at) {
  CLOUDSYNC_ASSIGN_OR_RETURN(sql::Transaction tx, sql::Transaction::begin(db));
  CLOUDSYNC_RETURN_IF_ERROR(check_lease(db, job_id, owner));
  CLOUDSYNC_ASSIGN_OR_RETURN(
      Statement mark,
      db.prepare("INSERT INTO export_watermarks (job_id, model, records_updated_at, records_id, deletions_updated_at, "
                 "deletions_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (job_id, model) DO UPDATE SET "
                 "records_updated_at = excluded.records_updated_at, records_id = excluded.records_id, "
                 "deletions_updated_at = excluded.deletions_updated_at, deletions_id = excluded.deletions_id"));
  for (const ModelWatermark& m : watermarks) {
    mark.bind(1, job_id).bind(2, m.model);
    if (m.records) {
      mark.bind(3, m.records->updated_at).bind(4, m.records->id);
    } else {
      mark.bind_null(3).bind_null(4);
    }
    if (m.deletions) {
      mark.bind(5, m.deletions->updated_at).bind(6, m.deletions->id);
    } else {
      mark.bind_null(5).bind_null(6);
    }
    CLOUDSYNC_RETURN_IF_ERROR(mark.run());
    CLOUDSYNC_RETURN_IF_ERROR(mark.reset());
  }
  CLOUDSYNC_RETURN_IF_ERROR(finish_run_row(db, run));
  CLOUDSYNC_ASSIGN_OR_RETURN(
      Statement job, db.prepare("UPDATE export_jobs SET failed = 0, lease_owner = '', lease_until = NULL, "
                                "running_run_id = '', window_folder = '', window_opened = NULL, window_upper = NULL, "
                                "window_attempts = 0, window_lower = '', next_run_at = ?2 WHERE id = ?1"));
  CLOUDSYNC_RETURN_IF_ERROR(job.bind(1, job_id).bind(2, to_unix_nanos(next_run_at)).run());
  return tx.commit();
}

Status fail_run(sql::Database& db, const std::string& job_id, const std::string& owner, const ExportRun& run,
                TimePoint retry_at, bool drop_window) {
  CLOUDSYNC_ASSIGN_OR_RETURN(sql::Transaction tx, sql::Transaction::begin(db));
  CLOUDSYNC_RETURN_IF_ERROR(finish_run_row(db, run));
  // Only the holder settles the job: after losing the lease, the new holder owns it.
  CLOUDSYNC_ASSIGN_OR_RETURN(Statement job,
                             db.prepare("UPDATE export_jobs SET failed = 1, lease_owner = '', lease_until = NULL, "
                                        "running_run_id = '', next_run_at = ?3 WHERE id = ?1 AND lease_owner = ?2"));
  CLOUDSYNC_RETURN_IF_ERROR(job.bind(1, job_id).bind(2, owner).bind(3, to_unix_nanos(retry_at)).run());
  if (drop_window && db.changes() > 0) {
    CLOUDSYNC_ASSIGN_OR_RETURN(Statement forget,
                               db.prepare("UPDATE export_jobs SET window_folder = '', window_opened = NULL, "
                                          "window_upper = NULL, window_attempts = 0, window_lower = '' WHERE id = ?1"));
    CLOUDSYNC_RETURN_IF_ERROR(forget.bind(1, job_id).run());
  }
  return tx.commit();
}

Result<std::vector<ModelWatermark>> watermarks(sql::Database& db, const std::string& job_id) {
  CLOUDSYNC_ASSIGN_OR_RETURN(Statement st,
                             db.prepare("SELECT model, records_updated_at, records_id, deletions_updated_at, "
                                        "deletions_id FROM export_watermarks WHERE job_id = ?1 ORDER BY model"));
  st.bind(1, job_id);
  std::vector<ModelWatermark> out;
  for (;;) {
    CLOUDSYNC_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    ModelWatermark m;
    m.model = st.text(0);
    if (!st.is_null(1)) m.records = RecordKey{st.text(1), st.text(2)};
    if (!st.is_null(3)) m.deletions = RecordKey{st.text(3), st.text(4)};
    out.push_back(std::move(m));
  }
  return out;
}

Result<std::vector<ExportRun>> runs(sql::Database& db, const ExportRunQuery& query, PageRequest page) {
  const RunWhere where(query);
  CLOUDSYNC_ASSIGN_OR_RETURN(Statement st,
                             db.prepare(fmt::format("SELECT {} FROM export_runs {} ORDER BY started_at DESC, id DESC "
                                                    "LIMIT ?{} OFFSET ?{}",
                                                    kRunColumns, where.sql, where.next, where.next + 1)));
  where.bind(st);
  st.bind(where.next, static_cast<int64_t>(page.first)).bind(where.next + 1, static_cast<int64_t>(page.skip));
  std::vector<ExportRun> out;
  for (;;) {
    CLOUDSYNC_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) break;
    CLOUDSYNC_ASSIGN_OR_RETURN(ExportRun run, read_run(st));
    out.push_back(std::move(run));
  }
  return out;
}

Result<uint64_t> count_runs(sql::Database& db, const ExportRunQuery& query) {
  const RunWhere where(query);
  CLOUDSYNC_ASSIGN_OR_RETURN(Statement st, db.prepare(fmt::format("SELECT COUNT(*) FROM export_runs {}", where.sql)));
  where.bind(st);
  CLOUDSYNC_ASSIGN_OR_RETURN(bool row, st.step());
  return row ? static_cast<uint64_t>(st.integer(0)) : 0;
}

}  // namespace cloudsync::sql_export_jobs
