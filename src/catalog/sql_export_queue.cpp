#include "catalog/sql_export_queue.hpp"

#include <array>
#include <cstdint>
#include <utility>

#include "core/error.hpp"
#include "core/time.hpp"

namespace cloudsync::sql_export_queue {

namespace {

using sql::Statement;

// The words stored in the state column (the database outlives any renaming of
// the enum, so they are spelt out here rather than derived from it).
constexpr std::array<std::pair<QueuedState, const char*>, 5> kStateWords{{
    {QueuedState::Waiting, "waiting"},
    {QueuedState::InFlight, "in_flight"},
    {QueuedState::Failed, "failed"},
    {QueuedState::Conflict, "conflict"},
    {QueuedState::Refused, "refused"},
}};

const char* state_word(QueuedState state) {
  for (const auto& [s, word] : kStateWords) {
    if (s == state) return word;
  }
  return "waiting";
}

Result<QueuedState> state_from_word(const std::string& word, const sql::Database& db) {
  for (const auto& [s, w] : kStateWords) {
    if (word == w) return s;
  }
  return make_error(ErrorCode::Integrity, "catalog {}: an export queue row has the unknown state '{}'", db.name(),
                    word);
}

constexpr const char* kRowColumns =
    "path, state, attempts, queued_at, retry_at, requeued, error_code, error_message, sha256";

// A row that waits for nothing but a person (a conflict, a refusal, a failure
// that will not go away by itself): never claimed, left for unpark.
constexpr const char* kParked = "(state IN ('conflict', 'refused') OR (state = 'failed' AND retry_at IS NULL))";

Result<QueueRow> read_row(const Statement& st, const sql::Database& db) {
  QueueRow row;
  row.path = st.text(0);
  CLOUDSYNC_ASSIGN_OR_RETURN(row.state, state_from_word(st.text(1), db));
  row.attempts = static_cast<uint32_t>(st.integer(2));
  row.queued_at = from_unix_nanos(st.integer(3));
  if (!st.is_null(4)) row.retry_at = from_unix_nanos(st.integer(4));
  row.requeued = st.integer(5) != 0;
  row.error_code = st.text(6);
  row.error_message = st.text(7);
  row.sha256 = st.text(8);
  return row;
}

Result<std::vector<QueueRow>> read_rows(Statement& st, const sql::Database& db) {
  std::vector<QueueRow> out;
  for (;;) {
    CLOUDSYNC_ASSIGN_OR_RETURN(bool more, st.step());
    if (!more) break;
    CLOUDSYNC_ASSIGN_OR_RETURN(QueueRow row, read_row(st, db));
    out.push_back(std::move(row));
  }
  return out;
}

/// The next position at the connection's tail; the counter only grows, so a
/// position is never handed out twice within a connection.
Result<int64_t> take_tail_position(sql::Database& db, const std::string& connection_id) {
  CLOUDSYNC_ASSIGN_OR_RETURN(Statement bump, db.prepare("UPDATE connections SET export_queue_tail = "
                                                        "export_queue_tail + 1 WHERE id = ?1"));
  bump.bind(1, connection_id);
  CLOUDSYNC_RETURN_IF_ERROR(bump.run());
  if (db.changes() == 0) return make_error(ErrorCode::NotFound, "no connection with the id '{}'", connection_id);
  CLOUDSYNC_ASSIGN_OR_RETURN(Statement read, db.prepare("SELECT export_queue_tail FROM connections WHERE id = ?1"));
  read.bind(1, connection_id);
  CLOUDSYNC_ASSIGN_OR_RETURN(bool row, read.step());
  if (!row) return make_error(ErrorCode::NotFound, "no connection with the id '{}'", connection_id);
  return read.integer(0);
}

/// Sends a row to the tail as Waiting, as if queued for the first time
/// (attempts and error cleared); its sha256 stays, so that a conflict already
/// reported for that content is not reported again.
Status move_to_tail(sql::Database& db, const std::string& connection_id, const std::string& path,
                    std::optional<TimePoint> queued_at) {
  CLOUDSYNC_ASSIGN_OR_RETURN(int64_t position, take_tail_position(db, connection_id));
  CLOUDSYNC_ASSIGN_OR_RETURN(
      Statement st,
      db.prepare("UPDATE export_queue SET state = 'waiting', position = ?3, attempts = 0, retry_at = NULL, "
                 "requeued = 0, error_code = '', error_message = '', queued_at = COALESCE(?4, queued_at) "
                 "WHERE connection_id = ?1 AND path = ?2"));
  st.bind(1, connection_id).bind(2, path).bind(3, position);
  st.bind(4, queued_at ? std::optional<int64_t>(to_unix_nanos(*queued_at)) : std::nullopt);
  return st.run();
}

Status settle_one(sql::Database& db, const std::string& connection_id, const SettledExport& s) {
  CLOUDSYNC_ASSIGN_OR_RETURN(
      Statement seen, db.prepare("SELECT state, requeued FROM export_queue WHERE connection_id = ?1 AND path = ?2"));
  seen.bind(1, connection_id).bind(2, s.path);
  CLOUDSYNC_ASSIGN_OR_RETURN(bool found, seen.step());
  // Only a claimed row is settled: one that another process already put back
  // (requeue after a presumed crash) must stay queued, or it could be lost.
  if (!found || seen.text(0) != state_word(QueuedState::InFlight)) return Status::OK();
  bool requeued = seen.integer(1) != 0;
  seen = Statement();

  using Outcome = SettledExport::Outcome;
  if (requeued && s.outcome != Outcome::Retry) {
    // Written again while it was going out: what was settled is not the
    // latest content, so it goes again, behind what was queued meanwhile.
    return move_to_tail(db, connection_id, s.path, std::nullopt);
  }
  if (s.outcome == Outcome::Done) {
    CLOUDSYNC_ASSIGN_OR_RETURN(Statement del,
                               db.prepare("DELETE FROM export_queue WHERE connection_id = ?1 AND path = ?2"));
    del.bind(1, connection_id).bind(2, s.path);
    return del.run();
  }
  QueuedState state = QueuedState::Failed;
  std::optional<int64_t> retry_at;
  if (s.outcome == Outcome::Retry) {
    if (s.retry_at) retry_at = to_unix_nanos(*s.retry_at);
  } else {
    state = s.parked_state;
    if (state != QueuedState::Conflict && state != QueuedState::Refused && state != QueuedState::Failed) {
      return make_error(ErrorCode::InvalidArgument, "an export can be parked as conflict, refused or failed, not '{}'",
                        state_word(state));
    }
  }
  CLOUDSYNC_ASSIGN_OR_RETURN(
      Statement st,
      db.prepare("UPDATE export_queue SET state = ?3, attempts = attempts + 1, retry_at = ?4, requeued = 0, "
                 "error_code = ?5, error_message = ?6, sha256 = CASE WHEN ?7 = '' THEN sha256 ELSE ?7 END "
                 "WHERE connection_id = ?1 AND path = ?2"));
  st.bind(1, connection_id).bind(2, s.path).bind(3, state_word(state)).bind(4, retry_at);
  st.bind(5, s.error_code).bind(6, s.error_message).bind(7, s.sha256);
  return st.run();
}

/// Makes this transaction the only writer of the connection's queue until it
/// ends. PostgreSQL: the connection's row lock (every queue writer takes it
/// first, so they never wait for each other in two orders). SQLite: the
/// transaction already holds the whole file.
Status lock_queue(sql::Database& db, const std::string& connection_id) {
  if (db.lock_clause().empty()) return Status::OK();
  CLOUDSYNC_ASSIGN_OR_RETURN(Statement st,
                             db.prepare(fmt::format("SELECT 1 FROM connections WHERE id = ?1{}", db.lock_clause())));
  st.bind(1, connection_id);
  return st.run();
}

Status run_one(sql::Database& db, const char* sql, const std::string& connection_id) {
  CLOUDSYNC_ASSIGN_OR_RETURN(Statement st, db.prepare(sql));
  st.bind(1, connection_id);
  return st.run();
}

}  // namespace

Status enqueue(sql::Database& db, const std::string& connection_id, const std::vector<std::string>& paths,
               TimePoint now) {
  if (paths.empty()) return Status::OK();
  CLOUDSYNC_ASSIGN_OR_RETURN(sql::Transaction tx, sql::Transaction::begin(db));
  CLOUDSYNC_RETURN_IF_ERROR(lock_queue(db, connection_id));
  for (const std::string& path : paths) {
    CLOUDSYNC_ASSIGN_OR_RETURN(Statement seen,
                               db.prepare("SELECT state FROM export_queue WHERE connection_id = ?1 AND path = ?2"));
    seen.bind(1, connection_id).bind(2, path);
    CLOUDSYNC_ASSIGN_OR_RETURN(bool found, seen.step());
    if (!found) {
      CLOUDSYNC_ASSIGN_OR_RETURN(int64_t position, take_tail_position(db, connection_id));
      CLOUDSYNC_ASSIGN_OR_RETURN(Statement ins,
                                 db.prepare("INSERT INTO export_queue (connection_id, path, position, state, "
                                            "queued_at) VALUES (?1, ?2, ?3, 'waiting', ?4)"));
      ins.bind(1, connection_id).bind(2, path).bind(3, position).bind(4, to_unix_nanos(now));
      CLOUDSYNC_RETURN_IF_ERROR(ins.run());
      continue;
    }
    CLOUDSYNC_ASSIGN_OR_RETURN(QueuedState state, state_from_word(seen.text(0), db));
    seen = Statement();
    if (state == QueuedState::Waiting) continue;  // keeps its place
    if (state == QueuedState::InFlight) {
      // The exporter may already have read the old content: go again once it settles.
      CLOUDSYNC_ASSIGN_OR_RETURN(
          Statement mark, db.prepare("UPDATE export_queue SET requeued = 1 WHERE connection_id = ?1 AND path = ?2"));
      mark.bind(1, connection_id).bind(2, path);
      CLOUDSYNC_RETURN_IF_ERROR(mark.run());
      continue;
    }
    CLOUDSYNC_RETURN_IF_ERROR(move_to_tail(db, connection_id, path, now));
  }
  return tx.commit();
}

Result<std::vector<QueueRow>> claim(sql::Database& db, const std::string& connection_id, TimePoint now, size_t max) {
  if (max == 0) return std::vector<QueueRow>();
  CLOUDSYNC_ASSIGN_OR_RETURN(sql::Transaction tx, sql::Transaction::begin(db));
  CLOUDSYNC_RETURN_IF_ERROR(lock_queue(db, connection_id));
  CLOUDSYNC_ASSIGN_OR_RETURN(
      Statement st,
      db.prepare(fmt::format("SELECT {} FROM export_queue WHERE connection_id = ?1 AND (state = 'waiting' OR "
                             "(state = 'failed' AND retry_at IS NOT NULL AND retry_at <= ?2)) "
                             "ORDER BY position LIMIT ?3",
                             kRowColumns)));
  st.bind(1, connection_id).bind(2, to_unix_nanos(now));
  st.bind(3, max > static_cast<size_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(max));
  CLOUDSYNC_ASSIGN_OR_RETURN(std::vector<QueueRow> claimed, read_rows(st, db));
  st = Statement();
  CLOUDSYNC_ASSIGN_OR_RETURN(Statement take,
                             db.prepare("UPDATE export_queue SET state = 'in_flight', retry_at = NULL, requeued = 0 "
                                        "WHERE connection_id = ?1 AND path = ?2"));
  for (QueueRow& row : claimed) {
    take.bind(1, connection_id).bind(2, row.path);
    CLOUDSYNC_RETURN_IF_ERROR(take.run());
    CLOUDSYNC_RETURN_IF_ERROR(take.reset());
    row.state = QueuedState::InFlight;
    row.retry_at.reset();
    row.requeued = false;
  }
  CLOUDSYNC_RETURN_IF_ERROR(tx.commit());
  return claimed;
}

Status settle(sql::Database& db, const std::string& connection_id, const std::vector<SettledExport>& settled) {
  if (settled.empty()) return Status::OK();
  CLOUDSYNC_ASSIGN_OR_RETURN(sql::Transaction tx, sql::Transaction::begin(db));
  CLOUDSYNC_RETURN_IF_ERROR(lock_queue(db, connection_id));
  for (const SettledExport& s : settled) CLOUDSYNC_RETURN_IF_ERROR(settle_one(db, connection_id, s));
  return tx.commit();
}

Status requeue(sql::Database& db, const std::string& connection_id, bool in_flight, bool retry_now) {
  if (!in_flight && !retry_now) return Status::OK();
  CLOUDSYNC_ASSIGN_OR_RETURN(sql::Transaction tx, sql::Transaction::begin(db));
  CLOUDSYNC_RETURN_IF_ERROR(lock_queue(db, connection_id));
  // In place: a file whose exporter died keeps its turn. A requeued mark is
  // dropped: the next export reads the file as it is now.
  if (in_flight) {
    CLOUDSYNC_RETURN_IF_ERROR(run_one(db,
                                      "UPDATE export_queue SET state = 'waiting', requeued = 0 WHERE connection_id = "
                                      "?1 AND state = 'in_flight'",
                                      connection_id));
  }
  // Only rows waiting for a retry: parked ones wait for a person, not a flush.
  if (retry_now) {
    CLOUDSYNC_RETURN_IF_ERROR(run_one(db,
                                      "UPDATE export_queue SET state = 'waiting', retry_at = NULL WHERE "
                                      "connection_id = ?1 AND state = 'failed' AND retry_at IS NOT NULL",
                                      connection_id));
  }
  return tx.commit();
}

Status unpark(sql::Database& db, const std::string& connection_id) {
  CLOUDSYNC_ASSIGN_OR_RETURN(sql::Transaction tx, sql::Transaction::begin(db));
  CLOUDSYNC_RETURN_IF_ERROR(lock_queue(db, connection_id));
  CLOUDSYNC_RETURN_IF_ERROR(run_one(db,
                                    fmt::format("UPDATE export_queue SET state = 'waiting', attempts = 0, retry_at = "
                                                "NULL, error_code = '', error_message = '' WHERE connection_id = ?1 "
                                                "AND {}",
                                                kParked)
                                        .c_str(),
                                    connection_id));
  return tx.commit();
}

Result<std::vector<QueueRow>> rows(sql::Database& db, const std::string& connection_id) {
  CLOUDSYNC_ASSIGN_OR_RETURN(
      Statement st,
      db.prepare(fmt::format("SELECT {} FROM export_queue WHERE connection_id = ?1 ORDER BY position", kRowColumns)));
  st.bind(1, connection_id);
  return read_rows(st, db);
}

Result<std::optional<TimePoint>> next_retry(sql::Database& db, const std::string& connection_id) {
  CLOUDSYNC_ASSIGN_OR_RETURN(Statement st, db.prepare("SELECT MIN(retry_at) FROM export_queue WHERE connection_id = "
                                                      "?1 AND state = 'failed' AND retry_at IS NOT NULL"));
  st.bind(1, connection_id);
  CLOUDSYNC_ASSIGN_OR_RETURN(bool row, st.step());
  if (!row || st.is_null(0)) return std::optional<TimePoint>();
  return std::optional<TimePoint>(from_unix_nanos(st.integer(0)));
}

}  // namespace cloudsync::sql_export_queue
