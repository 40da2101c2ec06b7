// The catalog's schema, as forward migrations: version N+1 is reached from N
// by the statements at index N. A database newer than this build is refused
// (an older library must not write rows it does not understand).
//
// One list of migrations for both databases: they are written in SQLite's
// words, and postgres_ddl() turns the two that PostgreSQL spells differently
// (INTEGER is 32-bit there; WITHOUT ROWID is SQLite's storage choice).
#include <array>
#include <string>
#include <utility>
#include <vector>

#include "catalog/catalog_schema.hpp"
#include "core/error.hpp"
#include "core/utf8.hpp"

namespace cloudsync {

namespace {

using sql::Statement;

// Recomputes the name keys after the folding changed (version 2: full Unicode
// case folding through utf8proc instead of Latin-only lower-casing). Two names
// that now fold alike fail the UNIQUE constraint, and the whole migration rolls
// back with the name in the message, rather than one of them being renamed.
Status rekey_names(sql::Database& db) {
  for (const char* table : {"projects", "integrations"}) {
    CLOUDSYNC_ASSIGN_OR_RETURN(Statement rows, db.prepare(fmt::format("SELECT id, name FROM {}", table)));
    std::vector<std::pair<std::string, std::string>> names;
    for (;;) {
      CLOUDSYNC_ASSIGN_OR_RETURN(bool row, rows.step());
      if (!row) break;
      names.emplace_back(rows.text(0), rows.text(1));
    }
    CLOUDSYNC_ASSIGN_OR_RETURN(Statement update,
                               db.prepare(fmt::format("UPDATE {} SET name_key = ?1 WHERE id = ?2", table)));
    for (const auto& [id, name] : names) {
      Status s = update.bind(1, catalog_name_key(name)).bind(2, id).run();
      if (!s.ok()) return s.with_context(fmt::format("name '{}' in {}", name, table));
      CLOUDSYNC_RETURN_IF_ERROR(update.reset());
    }
  }
  return Status::OK();
}

struct Migration {
  const char* sql;
  /// What SQL alone cannot do, run after `sql`; may be null.
  Status (*rewrite)(sql::Database& db);
};

const std::array<Migration, 5> kMigrations{
    // 1: integrations, projects, connections, manifests, status probes.
    Migration{R"sql(
CREATE TABLE projects (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  name_key TEXT NOT NULL UNIQUE,
  root TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE integrations (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  name_key TEXT NOT NULL UNIQUE,
  url TEXT NOT NULL,
  type TEXT NOT NULL,
  folder TEXT NOT NULL UNIQUE,
  platform TEXT NOT NULL,
  writeback INTEGER NOT NULL,
  options TEXT NOT NULL,
  selected_folders TEXT NOT NULL,
  allowed_paths TEXT NOT NULL,
  status TEXT NOT NULL,
  status_before_check TEXT,
  status_reason TEXT NOT NULL DEFAULT '',
  missing_action TEXT NOT NULL DEFAULT '',
  status_message TEXT NOT NULL DEFAULT '',
  status_json TEXT,
  last_checked INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX integrations_by_creation ON integrations (created_at, id);
CREATE TABLE integration_projects (
  integration_id TEXT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
  project TEXT NOT NULL,
  PRIMARY KEY (integration_id, project)
) WITHOUT ROWID;
CREATE TABLE probes (
  integration_id TEXT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  PRIMARY KEY (integration_id, key)
) WITHOUT ROWID;
CREATE TABLE connections (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  integration_id TEXT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
  selected_folders TEXT NOT NULL,
  include_globs TEXT NOT NULL,
  exclude_globs TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_checked INTEGER,
  UNIQUE (project_id, integration_id)
);
CREATE INDEX connections_by_integration ON connections (integration_id);
CREATE TABLE manifest_entries (
  connection_id TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
  path TEXT NOT NULL,
  remote_key TEXT NOT NULL,
  origin TEXT NOT NULL,
  remote TEXT NOT NULL,
  local TEXT NOT NULL,
  remote_version TEXT NOT NULL,
  remote_id TEXT NOT NULL,
  synced_at INTEGER NOT NULL,
  PRIMARY KEY (connection_id, path)
) WITHOUT ROWID;
)sql",
              nullptr},
    // 2: name keys by full Unicode case folding.
    Migration{"", rekey_names},
    // 3: the writeback queue of each connection. `position` orders it: taken
    // from the connection's export_queue_tail, which only grows, so a file
    // queued again always goes behind every file queued before it.
    Migration{R"sql(
ALTER TABLE connections ADD COLUMN export_queue_tail INTEGER NOT NULL DEFAULT 0;
CREATE TABLE export_queue (
  connection_id TEXT NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
  path TEXT NOT NULL,
  position INTEGER NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  queued_at INTEGER NOT NULL,
  retry_at INTEGER,
  requeued INTEGER NOT NULL DEFAULT 0,
  error_code TEXT NOT NULL DEFAULT '',
  error_message TEXT NOT NULL DEFAULT '',
  sha256 TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (connection_id, path)
) WITHOUT ROWID;
CREATE UNIQUE INDEX export_queue_in_order ON export_queue (connection_id, position);
)sql",
              nullptr},
    // 4: record export jobs (cloudsync/records.hpp). A job row carries its
    // lease (lease_owner, lease_until) and its unfinished window (window_*),
    // reused by every attempt until one succeeds; watermarks move only when
    // a run commits. Times are Unix nanoseconds. Only SQL PostgreSQL also
    // runs (the same schema serves the server store).
    Migration{R"sql(
CREATE TABLE export_jobs (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  name_key TEXT NOT NULL UNIQUE,
  integration_id TEXT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
  prefix TEXT NOT NULL,
  frequency_hours INTEGER NOT NULL,
  models TEXT NOT NULL,
  options TEXT NOT NULL,
  first_run_delay_s INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  first_run_at INTEGER,
  next_run_at INTEGER NOT NULL,
  enabled INTEGER NOT NULL DEFAULT 1,
  failed INTEGER NOT NULL DEFAULT 0,
  lease_owner TEXT NOT NULL DEFAULT '',
  lease_until INTEGER,
  running_run_id TEXT NOT NULL DEFAULT '',
  window_folder TEXT NOT NULL DEFAULT '',
  window_opened INTEGER,
  window_upper INTEGER,
  window_attempts INTEGER NOT NULL DEFAULT 0,
  window_lower TEXT NOT NULL DEFAULT ''
);
CREATE INDEX export_jobs_by_creation ON export_jobs (created_at, id);
CREATE INDEX export_jobs_by_due ON export_jobs (next_run_at);
CREATE TABLE export_watermarks (
  job_id TEXT NOT NULL REFERENCES export_jobs (id) ON DELETE CASCADE,
  model TEXT NOT NULL,
  records_updated_at TEXT,
  records_id TEXT,
  deletions_updated_at TEXT,
  deletions_id TEXT,
  PRIMARY KEY (job_id, model)
);
CREATE TABLE export_runs (
  id TEXT PRIMARY KEY,
  job_id TEXT NOT NULL REFERENCES export_jobs (id) ON DELETE CASCADE,
  attempt INTEGER NOT NULL,
  folder TEXT NOT NULL,
  window_opened INTEGER NOT NULL,
  upper_bound INTEGER NOT NULL,
  state TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  duration_ms INTEGER NOT NULL DEFAULT 0,
  models TEXT NOT NULL DEFAULT '[]',
  rows_written INTEGER NOT NULL DEFAULT 0,
  tombstones INTEGER NOT NULL DEFAULT 0,
  files INTEGER NOT NULL DEFAULT 0,
  bytes INTEGER NOT NULL DEFAULT 0,
  error_code TEXT NOT NULL DEFAULT '',
  error_message TEXT NOT NULL DEFAULT '',
  manifest_key TEXT NOT NULL DEFAULT ''
);
CREATE INDEX export_runs_by_job ON export_runs (job_id, started_at);
CREATE INDEX export_runs_by_start ON export_runs (started_at, id);
)sql",
              nullptr},
    // 5: what backends learned about storage endpoints (cloudsync/endpoint_facts.hpp):
    // "scheme://host[:port]" (never credentials), a fact name, its value, and when.
    Migration{R"sql(
CREATE TABLE endpoint_facts (
  endpoint TEXT NOT NULL,
  fact TEXT NOT NULL,
  value TEXT NOT NULL,
  learned_at INTEGER NOT NULL,
  PRIMARY KEY (endpoint, fact)
) WITHOUT ROWID;
)sql",
              nullptr},
};

/// A migration's SQL as PostgreSQL reads it: 64-bit integers (the catalog
/// keeps nanosecond times), no SQLite storage clause.
std::string postgres_ddl(std::string_view sqlite_ddl) {
  std::string out(sqlite_ddl);
  const auto replace_all = [&out](std::string_view from, std::string_view to) {
    for (size_t at = out.find(from); at != std::string::npos; at = out.find(from, at + to.size())) {
      out.replace(at, from.size(), to);
    }
  };
  replace_all(" INTEGER", " BIGINT");
  replace_all(" WITHOUT ROWID", "");
  return out;
}

// Any fixed number: the key of the advisory lock that serialises migrations
// of one PostgreSQL database (held to the end of the transaction).
constexpr int64_t kMigrationLockKey = 0x636c6f7564737963;  // "cloudsyc"

Result<int> read_version(sql::Database& db) {
  const char* sql = db.dialect() == sql::Dialect::Sqlite ? "PRAGMA user_version"
                                                         : "SELECT COALESCE(MAX(version), 0) FROM catalog_schema";
  CLOUDSYNC_ASSIGN_OR_RETURN(sql::Statement st, db.prepare(sql));
  CLOUDSYNC_ASSIGN_OR_RETURN(bool row, st.step());
  return row ? static_cast<int>(st.integer(0)) : 0;
}

Status write_version(sql::Database& db, int version) {
  if (db.dialect() == sql::Dialect::Sqlite) {
    return db.exec(fmt::format("PRAGMA user_version = {}", version).c_str());
  }
  CLOUDSYNC_RETURN_IF_ERROR(db.exec("DELETE FROM catalog_schema"));
  return db.exec(fmt::format("INSERT INTO catalog_schema (version) VALUES ({})", version).c_str());
}

/// Inside the migration's transaction: what makes it the only one. SQLite's
/// BEGIN IMMEDIATE already holds the file; PostgreSQL takes the advisory lock
/// (two servers starting at once: the second waits, then finds the schema
/// done) and makes sure the version table exists.
Status lock_for_migration(sql::Database& db) {
  if (db.dialect() == sql::Dialect::Sqlite) return Status::OK();
  CLOUDSYNC_RETURN_IF_ERROR(db.exec(fmt::format("SELECT pg_advisory_xact_lock({})", kMigrationLockKey).c_str()));
  // (Quietly: "already exists" is the usual case, not news for the log.)
  return db.exec(
      "SET LOCAL client_min_messages = warning; CREATE TABLE IF NOT EXISTS catalog_schema (version BIGINT NOT "
      "NULL)");
}

}  // namespace

std::string catalog_name_key(std::string_view name) { return fold_case(name); }

int catalog_schema_version() { return static_cast<int>(kMigrations.size()); }

Status migrate_catalog_schema(sql::Database& db) {
  if (db.dialect() == sql::Dialect::Sqlite) {
    CLOUDSYNC_ASSIGN_OR_RETURN(int seen, read_version(db));
    if (seen == catalog_schema_version()) return Status::OK();
  }
  // Under the write lock, and read again: another process may be migrating
  // the same database right now.
  CLOUDSYNC_ASSIGN_OR_RETURN(sql::Transaction tx, sql::Transaction::begin(db));
  CLOUDSYNC_RETURN_IF_ERROR(lock_for_migration(db));
  CLOUDSYNC_ASSIGN_OR_RETURN(int version, read_version(db));
  if (version == catalog_schema_version()) return tx.commit();
  if (version > catalog_schema_version()) {
    return make_error(ErrorCode::Unsupported,
                      "catalog {} has schema version {}; this build of cloudsync knows versions up to {} "
                      "(a newer cloudsync wrote it)",
                      db.name(), version, catalog_schema_version());
  }
  for (int v = version; v < catalog_schema_version(); ++v) {
    const Migration& step = kMigrations[static_cast<size_t>(v)];
    const std::string sql = db.dialect() == sql::Dialect::Sqlite ? std::string(step.sql) : postgres_ddl(step.sql);
    Status s = sql.empty() ? Status::OK() : db.exec(sql.c_str());
    if (s.ok() && step.rewrite != nullptr) s = step.rewrite(db);
    if (!s.ok()) return s.with_context(fmt::format("migrating the catalog schema to version {}", v + 1));
  }
  CLOUDSYNC_RETURN_IF_ERROR(write_version(db, catalog_schema_version()));
  return tx.commit();
}

}  // namespace cloudsync
