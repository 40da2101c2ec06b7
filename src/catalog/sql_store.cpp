// The catalog store over the SQL layer, on SQLite or PostgreSQL: one
// connection per store, serialised by a mutex (each statement is short;
// transfers never run inside a transaction).
//
// Other processes write the same database. On SQLite every write transaction
// holds the whole file (BEGIN IMMEDIATE). On PostgreSQL (READ COMMITTED)
// what a transaction reads and then writes is kept right by the unique
// constraints (a name, a folder or a connection taken meanwhile fails the
// INSERT as it would have failed the check before it), by single UPDATE
// statements (begin_check, abandon_check, set_status) and, in the export
// queue, by a lock on the connection's row (sql_export_queue.cpp).
#include <mutex>

#include <fmt/ranges.h>

#include "catalog/catalog_store.hpp"
#include "catalog/catalog_schema.hpp"
#include "catalog/sql.hpp"
#include "catalog/sql_export_queue.hpp"
#include "catalog/sqlite.hpp"
#include "catalog/sql_export_jobs.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "core/time.hpp"
#include "core/utf8.hpp"

namespace cloudsync {

namespace {

using sql::Statement;

Status check_id(std::string_view id, std::string_view what, const std::string& database) {
  if (is_catalog_id(id)) return Status::OK();
  return make_error(ErrorCode::Integrity,
                    "catalog {}: {} has the id '{}', which is not one this library makes; refusing to use it", database,
                    what, id);
}

std::string strings_to_json(const std::vector<std::string>& list) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartArray();
  for (const std::string& s : list) json_write_string(w, s);
  w.EndArray();
  return std::string(buf.GetString(), buf.GetSize());
}

Result<std::vector<std::string>> strings_from_json(const std::string& text, std::string_view what) {
  CLOUDSYNC_ASSIGN_OR_RETURN(rapidjson::Document doc, parse_json(text, what));
  std::vector<std::string> out;
  if (!doc.IsArray()) return make_error(ErrorCode::Integrity, "{}: expected a list", what);
  for (const auto& v : doc.GetArray()) {
    if (!v.IsString()) return make_error(ErrorCode::Integrity, "{}: expected strings", what);
    out.emplace_back(v.GetString(), v.GetStringLength());
  }
  return out;
}

std::string options_to_json(const BackendOptions& options) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  for (const auto& [k, v] : options) {
    json_write_key(w, k);
    json_write_string(w, v);
  }
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

Result<BackendOptions> options_from_json(const std::string& text, std::string_view what) {
  CLOUDSYNC_ASSIGN_OR_RETURN(rapidjson::Document doc, parse_json(text, what));
  if (!doc.IsObject()) return make_error(ErrorCode::Integrity, "{}: expected an object", what);
  BackendOptions out;
  for (const auto& m : doc.GetObject()) {
    if (!m.value.IsString()) return make_error(ErrorCode::Integrity, "{}: option values must be strings", what);
    out[m.name.GetString()] = std::string(m.value.GetString(), m.value.GetStringLength());
  }
  return out;
}

std::optional<TimePoint> optional_time(const Statement& st, int column) {
  if (st.is_null(column)) return std::nullopt;
  return from_unix_nanos(st.integer(column));
}

std::optional<int64_t> optional_nanos(const std::optional<TimePoint>& t) {
  if (!t) return std::nullopt;
  return to_unix_nanos(*t);
}

constexpr const char* kIntegrationColumns =
    "i.id, i.name, i.url, i.type, i.folder, i.platform, i.writeback, i.options, i.selected_folders, "
    "i.allowed_paths, i.status, i.status_reason, i.missing_action, i.status_message, i.last_checked, "
    "i.created_at, i.updated_at";

constexpr const char* kConnectionColumns =
    "c.id, c.project_id, c.integration_id, i.folder, c.selected_folders, c.include_globs, c.exclude_globs, "
    "c.created_at, c.last_checked, (SELECT COUNT(*) FROM manifest_entries m WHERE m.connection_id = c.id)";

constexpr const char* kProjectColumns = "id, name, root, created_at";

class SqlCatalogStore final : public CatalogStore {
 public:
  explicit SqlCatalogStore(std::unique_ptr<sql::Database> db) : db_(std::move(db)) {}

  Status insert_integration(const Integration& i) override {
    std::lock_guard lock(mutex_);
    CLOUDSYNC_ASSIGN_OR_RETURN(sql::Transaction tx, sql::Transaction::begin(db()));
    CLOUDSYNC_ASSIGN_OR_RETURN(Statement taken,
                               db().prepare("SELECT name FROM integrations WHERE name_key = ?1 OR folder = ?2"));
    taken.bind(1, catalog_name_key(i.spec.name)).bind(2, i.folder);
    CLOUDSYNC_ASSIGN_OR_RETURN(bool clash, taken.step());
    if (clash) {
      std::string other = taken.text(0);
      if (catalog_name_key(other) == catalog_name_key(i.spec.name)) {
        return make_error(ErrorCode::AlreadyExists, "an integration named '{}' already exists", other);
      }
      return make_error(ErrorCode::Conflict, "integrations '{}' and '{}' would share the folder {}: rename one of them",
                        other, i.spec.name, i.folder);
    }
    CLOUDSYNC_ASSIGN_OR_RETURN(
        Statement st,
        db().prepare("INSERT INTO integrations (id, name, name_key, url, type, folder, platform, writeback, options, "
                     "selected_folders, allowed_paths, status, created_at, updated_at) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"));
    st.bind(1, i.id)
        .bind(2, i.spec.name)
        .bind(3, catalog_name_key(i.spec.name))
        .bind(4, i.spec.url)
        .bind(5, i.spec.type);
    st.bind(6, i.folder)
        .bind(7, i.platform)
        .bind(8, int64_t{i.spec.writeback})
        .bind(9, options_to_json(i.spec.options));
    st.bind(10, strings_to_json(i.spec.selected_folders)).bind(11, strings_to_json(i.spec.allowed_paths));
    st.bind(12, i.status).bind(13, to_unix_nanos(i.created_at)).bind(14, to_unix_nanos(i.updated_at));
    CLOUDSYNC_RETURN_IF_ERROR(st.run());
    CLOUDSYNC_RETURN_IF_ERROR(write_allowed_projects(i));
    return tx.commit();
  }

  Status update_integration(const Integration& i) override {
    std::lock_guard lock(mutex_);
    CLOUDSYNC_ASSIGN_OR_RETURN(sql::Transaction tx, sql::Transaction::begin(db()));
    CLOUDSYNC_ASSIGN_OR_RETURN(
        Statement taken,
        db().prepare("SELECT name FROM integrations WHERE (name_key = ?1 OR folder = ?2) AND id <> ?3"));
    taken.bind(1, catalog_name_key(i.spec.name)).bind(2, i.folder).bind(3, i.id);
    CLOUDSYNC_ASSIGN_OR_RETURN(bool clash, taken.step());
    if (clash) {
      return make_error(ErrorCode::AlreadyExists, "integration '{}' already has that name or folder", taken.text(0));
    }
    CLOUDSYNC_ASSIGN_OR_RETURN(
        Statement st,
        db().prepare(
            "UPDATE integrations SET name = ?2, name_key = ?3, url = ?4, type = ?5, folder = ?6, platform = ?7, "
            "writeback = ?8, options = ?9, selected_folders = ?10, allowed_paths = ?11, status = ?12, "
            "status_reason = ?13, missing_action = ?14, status_message = ?15, updated_at = ?16, "
            "status_before_check = NULL WHERE id = ?1"));
    st.bind(1, i.id)
        .bind(2, i.spec.name)
        .bind(3, catalog_name_key(i.spec.name))
        .bind(4, i.spec.url)
        .bind(5, i.spec.type);
    st.bind(6, i.folder)
        .bind(7, i.platform)
        .bind(8, int64_t{i.spec.writeback})
        .bind(9, options_to_json(i.spec.options));
    st.bind(10, strings_to_json(i.spec.selected_folders)).bind(11, strings_to_json(i.spec.allowed_paths));
    st.bind(12, i.status).bind(13, i.status_reason).bind(14, i.missing_action).bind(15, i.status_message);
    st.bind(16, to_unix_nanos(i.updated_at));
    CLOUDSYNC_RETURN_IF_ERROR(st.run());
    if (db().changes() == 0) return make_error(ErrorCode::NotFound, "no integration with the id '{}'", i.id);
    CLOUDSYNC_RETURN_IF_ERROR(write_allowed_projects(i));
    return tx.commit();
  }

  Status delete_integration(const std::string& id) override {
    std::lock_guard lock(mutex_);
    CLOUDSYNC_ASSIGN_OR_RETURN(Statement st, db().prepare("DELETE FROM integrations WHERE id = ?1"));
    st.bind(1, id);
    CLOUDSYNC_RETURN_IF_ERROR(st.run());
    if (db().changes() == 0) return make_error(ErrorCode::NotFound, "no integration with the id '{}'", id);
    return Status::OK();
  }

  Result<std::optional<Integration>> find_integration(const std::string& id_or_name) const override {
    std::lock_guard lock(mutex_);
    CLOUDSYNC_ASSIGN_OR_RETURN(
        Statement st, db().prepare(fmt::format("SELECT {} FROM integrations i WHERE i.id = ?1 OR i.name_key = ?2 "
                                               "ORDER BY i.id = ?1 DESC LIMIT 1",
                                               kIntegrationColumns)));
    st.bind(1, id_or_name).bind(2, catalog_name_key(id_or_name));
    CLOUDSYNC_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) return std::optional<Integration>();
    CLOUDSYNC_ASSIGN_OR_RETURN(Integration i, read_integration(st));
    return std::optional<Integration>(std::move(i));
  }

  Result<std::vector<Integration>> query_integrations(const IntegrationQuery& query, PageRequest page) const override {
    std::lock_guard lock(mutex_);
    std::vector<std::string> params;
    std::string where = integration_where(query, params);
    CLOUDSYNC_ASSIGN_OR_RETURN(
        Statement st,
        db().prepare(fmt::format("SELECT {} FROM integrations i{} ORDER BY i.created_at, i.id LIMIT ? OFFSET ?",
                                 kIntegrationColumns, where)));
    int n = 1;
    for (const std::string& p : params) st.bind(n++, p);
    st.bind(n, clamp(page.first));
    st.bind(n + 1, clamp(page.skip));
    std::vector<Integration> out;
    while (true) {
      CLOUDSYNC_ASSIGN_OR_RETURN(bool row, st.step());
      if (!row) break;
      CLOUDSYNC_ASSIGN_OR_RETURN(Integration i, read_integration(st));
      out.push_back(std::move(i));
    }
    return out;
  }

  Result<uint64_t> count_integrations(const IntegrationQuery& query) const override {
    std::lock_guard lock(mutex_);
    std::vector<std::string> params;
    std::string where = integration_where(query, params);
    CLOUDSYNC_ASSIGN_OR_RETURN(Statement st, db().prepare("SELECT COUNT(*) FROM integrations i" + where));
    int n = 1;
    for (const std::string& p : params) st.bind(n++, p);
    CLOUDSYNC_ASSIGN_OR_RETURN(bool row, st.step());
    return row ? static_cast<uint64_t>(st.integer(0)) : 0;
  }

  Status set_status(const std::string& id, const StoredStatus& s) override {
    std::lock_guard lock(mutex_);
    CLOUDSYNC_ASSIGN_OR_RETURN(
        Statement st,
        db().prepare("UPDATE integrations SET status = ?2, status_reason = ?3, missing_action = ?4, "
                     "status_message = ?5, status_json = ?6, last_checked = ?7, status_before_check = NULL "
                     "WHERE id = ?1 AND status = 'CHECKING'"));
    st.bind(1, id).bind(2, integration_status_name(s.status)).bind(3, s.reason).bind(4, s.missing_action);
    st.bind(5, s.message).bind(6, s.json).bind(7, optional_nanos(s.checked_at));
    return st.run();
  }

  Status begin_check(const std::string& id) override {
    std::lock_guard lock(mutex_);
    CLOUDSYNC_ASSIGN_OR_RETURN(
        Statement st, db().prepare("UPDATE integrations SET status_before_check = CASE WHEN status = 'CHECKING' THEN "
                                   "status_before_check ELSE status END, status = 'CHECKING' WHERE id = ?1"));
    st.bind(1, id);
    CLOUDSYNC_RETURN_IF_ERROR(st.run());
    if (db().changes() == 0) return make_error(ErrorCode::NotFound, "no integration with the id '{}'", id);
    return Status::OK();
  }

  Status abandon_check(const std::string& id) override {
    std::lock_guard lock(mutex_);
    CLOUDSYNC_ASSIGN_OR_RETURN(
        Statement st, db().prepare("UPDATE integrations SET status = COALESCE(status_before_check, 'UNCHECKED'), "
                                   "status_before_check = NULL WHERE id = ?1 AND status = 'CHECKING'"));
    st.bind(1, id);
    return st.run();
  }

  Result<std::vector<std::string>> checking_integrations() const override {
    std::lock_guard lock(mutex_);
    CLOUDSYNC_ASSIGN_OR_RETURN(Statement st, db().prepare("SELECT id FROM integrations WHERE status = 'CHECKING'"));
    return column_strings(st);
  }

  Status add_probe(const std::string& integration_id, const std::string& key) override {
    std::lock_guard lock(mutex_);
    CLOUDSYNC_ASSIGN_OR_RETURN(Statement st, db().prepare("INSERT INTO probes (integration_id, key, started_at) "
                                                          "VALUES (?1, ?2, ?3) ON CONFLICT (integration_id, key) "
                                                          "DO UPDATE SET started_at = excluded.started_at"));
    st.bind(1, integration_id).bind(2, key).bind(3, to_unix_nanos(now_utc()));
    return st.run();
  }

  Status remove_probe(const std::string& integration_id, const std::string& key) override {
    std::lock_guard lock(mutex_);
    CLOUDSYNC_ASSIGN_OR_RETURN(Statement st, db().prepare("DELETE FROM probes WHERE integration_id = ?1 AND key = ?2"));
    st.bind(1, integration_id).bind(2, key);
    return st.run();
  }

  Result<std::vector<std::string>> probes(const std::string& integration_id) const override {
    std::lock_guard lock(mutex_);
    CLOUDSYNC_ASSIGN_OR_RETURN(Statement st,
                               db().prepare("SELECT key FROM probes WHERE integration_id = ?1 ORDER BY started_at"));
    st.bind(1, integration_id);
    return column_strings(st);
  }

  Status insert_project(const Project& p) override {
    std::lock_guard lock(mutex_);
    CLOUDSYNC_ASSIGN_OR_RETURN(Statement st, db().prepare("INSERT INTO projects (id, name, name_key, root, created_at) "
                                                          "VALUES (?1, ?2, ?3, ?4, ?5)"));
    st.bind(1, p.id)
        .bind(2, p.name)
        .bind(3, catalog_name_key(p.name))
        .bind(4, p.root.string())
        .bind(5, to_unix_nanos(p.created_at));
    Status s = st.run();
    if (s.code() == ErrorCode::AlreadyExists) {
      return make_error(ErrorCode::AlreadyExists, "a project named '{}' already exists", p.name);
    }
    return s;
  }

  Result<std::optional<Project>> find_project(const std::string& id_or_name) const override {
    std::lock_guard lock(mutex_);
    CLOUDSYNC_ASSIGN_OR_RETURN(
        Statement st,
        db().prepare(fmt::format("SELECT {} FROM projects WHERE id = ?1 OR name_key = ?2 ORDER BY id = ?1 "
                                 "DESC LIMIT 1",
                                 kProjectColumns)));
    st.bind(1, id_or_name).bind(2, catalog_name_key(id_or_name));
    CLOUDSYNC_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) return std::optional<Project>();
    CLOUDSYNC_ASSIGN_OR_RETURN(Project p, read_project(st));
    return std::optional<Project>(std::move(p));
  }

  Result<std::vector<Project>> list_projects() const override {
    std::lock_guard lock(mutex_);
    CLOUDSYNC_ASSIGN_OR_RETURN(
        Statement st, db().prepare(fmt::format("SELECT {} FROM projects ORDER BY created_at, id", kProjectColumns)));
    std::vector<Project> out;
    while (true) {
      CLOUDSYNC_ASSIGN_OR_RETURN(bool row, st.step());
      if (!row) break;
      CLOUDSYNC_ASSIGN_OR_RETURN(Project p, read_project(st));
      out.push_back(std::move(p));
    }
    return out;
  }

  Status delete_project(const std::string& id) override {
    std::lock_guard lock(mutex_);
    CLOUDSYNC_ASSIGN_OR_RETURN(Statement st, db().prepare("DELETE FROM projects WHERE id = ?1"));
    st.bind(1, id);
    CLOUDSYNC_RETURN_IF_ERROR(st.run());
    if (db().changes() == 0) return make_error(ErrorCode::NotFound, "no project with the id '{}'", id);
    return Status::OK();
  }

  Status insert_connection(const Connection& c) override {
    std::lock_guard lock(mutex_);
    return insert_connection_locked(c);
  }

  Result<std::optional<Connection>> find_connection(const std::string& id) const override {
    std::lock_guard lock(mutex_);
    CLOUDSYNC_ASSIGN_OR_RETURN(Statement st,
                               db().prepare(fmt::format("SELECT {} FROM connections c JOIN integrations i ON i.id = "
                                                        "c.integration_id WHERE c.id = ?1",
                                                        kConnectionColumns)));
    st.bind(1, id);
    return one_connection(st);
  }

  Result<std::optional<Connection>> find_connection_for(const std::string& project_id,
                                                        const std::string& integration_id) const override {
    std::lock_guard lock(mutex_);
    CLOUDSYNC_ASSIGN_OR_RETURN(
        Statement st, db().prepare(fmt::format("SELECT {} FROM connections c JOIN integrations i ON i.id = "
                                               "c.integration_id WHERE c.project_id = ?1 AND c.integration_id = ?2",
                                               kConnectionColumns)));
    st.bind(1, project_id).bind(2, integration_id);
    return one_connection(st);
  }

  Result<std::vector<Connection>> query_connections(const ConnectionQuery& query, PageRequest page) const override {
    std::lock_guard lock(mutex_);
    CLOUDSYNC_ASSIGN_OR_RETURN(
        Statement st, db().prepare(fmt::format(
                          "SELECT {} FROM connections c JOIN integrations i ON i.id = c.integration_id "
                          "WHERE (CAST(?1 AS TEXT) IS NULL OR c.project_id = ?1) AND (CAST(?2 AS TEXT) IS NULL OR "
                          "c.integration_id = ?2) "
                          "ORDER BY c.created_at, c.id LIMIT ?3 OFFSET ?4",
                          kConnectionColumns)));
    bind_connection_query(st, query);
    st.bind(3, clamp(page.first)).bind(4, clamp(page.skip));
    std::vector<Connection> out;
    while (true) {
      CLOUDSYNC_ASSIGN_OR_RETURN(bool row, st.step());
      if (!row) break;
      CLOUDSYNC_ASSIGN_OR_RETURN(Connection c, read_connection(st));
      out.push_back(std::move(c));
    }
    return out;
  }

  Result<uint64_t> count_connections(const ConnectionQuery& query) const override {
    std::lock_guard lock(mutex_);
    CLOUDSYNC_ASSIGN_OR_RETURN(
        Statement st, db().prepare("SELECT COUNT(*) FROM connections c WHERE (CAST(?1 AS TEXT) IS NULL OR "
                                   "c.project_id = ?1) AND (CAST(?2 AS TEXT) IS NULL OR c.integration_id = ?2)"));
    bind_connection_query(st, query);
    CLOUDSYNC_ASSIGN_OR_RETURN(bool row, st.step());
    return row ? static_cast<uint64_t>(st.integer(0)) : 0;
  }

  Status delete_connection(const std::string& id) override {
    std::lock_guard lock(mutex_);
    CLOUDSYNC_ASSIGN_OR_RETURN(Statement st, db().prepare("DELETE FROM connections WHERE id = ?1"));
    st.bind(1, id);
    CLOUDSYNC_RETURN_IF_ERROR(st.run());
    if (db().changes() == 0) return make_error(ErrorCode::NotFound, "no connection with the id '{}'", id);
    return Status::OK();
  }

  Status set_last_checked(const std::string& connection_id, TimePoint when) override {
    std::lock_guard lock(mutex_);
    CLOUDSYNC_ASSIGN_OR_RETURN(Statement st, db().prepare("UPDATE connections SET last_checked = ?2 WHERE id = ?1"));
    st.bind(1, connection_id).bind(2, to_unix_nanos(when));
    return st.run();
  }

  Result<Manifest> load_manifest(const std::string& connection_id) const override {
    std::lock_guard lock(mutex_);
    CLOUDSYNC_ASSIGN_OR_RETURN(
        Statement st,
        db().prepare("SELECT path, remote_key, origin, remote, local, remote_version, remote_id, synced_at "
                     "FROM manifest_entries WHERE connection_id = ?1"));
    st.bind(1, connection_id);
    Manifest m;
    std::string what = fmt::format("catalog {}: manifest of connection {}", db().name(), connection_id);
    while (true) {
      CLOUDSYNC_ASSIGN_OR_RETURN(bool row, st.step());
      if (!row) break;
      ManifestEntry e;
      e.path = st.text(0);
      e.remote_key = st.text(1);
      // A tampered catalog must not turn a manifest path into a way out of
      // the project: the same check as the v1 file's.
      if (e.path.empty() || !Path::validate(e.path).ok() || e.remote_key.empty() ||
          !Path::validate(e.remote_key).ok()) {
        return make_error(ErrorCode::Integrity, "{}: an entry has an invalid path '{}'", what, e.path);
      }
      e.origin = st.text(2) == "export" ? ManifestEntry::Origin::Exported : ManifestEntry::Origin::Imported;
      CLOUDSYNC_ASSIGN_OR_RETURN(e.remote, fingerprint_from_json(st.text(3), what));
      CLOUDSYNC_ASSIGN_OR_RETURN(e.local, fingerprint_from_json(st.text(4), what));
      e.remote_version = st.text(5);
      e.remote_id = st.text(6);
      e.synced_at = from_unix_nanos(st.integer(7));
      m.upsert(std::move(e));
    }
    return m;
  }

  Status write_manifest(const std::string& connection_id, const std::vector<ManifestEntry>& upserts,
                        const std::vector<std::string>& erased_paths) override {
    if (upserts.empty() && erased_paths.empty()) return Status::OK();
    std::lock_guard lock(mutex_);
    CLOUDSYNC_ASSIGN_OR_RETURN(sql::Transaction tx, sql::Transaction::begin(db()));
    CLOUDSYNC_RETURN_IF_ERROR(write_manifest_locked(connection_id, upserts, erased_paths));
    return tx.commit();
  }

  Result<uint64_t> tracked_files_in_project(const std::string& project_id) const override {
    std::lock_guard lock(mutex_);
    CLOUDSYNC_ASSIGN_OR_RETURN(Statement st,
                               db().prepare("SELECT COUNT(*) FROM manifest_entries m JOIN connections c ON c.id = "
                                            "m.connection_id WHERE c.project_id = ?1"));
    st.bind(1, project_id);
    CLOUDSYNC_ASSIGN_OR_RETURN(bool row, st.step());
    return row ? static_cast<uint64_t>(st.integer(0)) : 0;
  }

  Status enqueue_exports(const std::string& connection_id, const std::vector<std::string>& paths,
                         TimePoint now) override {
    std::lock_guard lock(mutex_);
    return sql_export_queue::enqueue(db(), connection_id, paths, now);
  }

  Result<std::vector<QueueRow>> claim_exports(const std::string& connection_id, TimePoint now, size_t max) override {
    std::lock_guard lock(mutex_);
    return sql_export_queue::claim(db(), connection_id, now, max);
  }

  Status settle_exports(const std::string& connection_id, const std::vector<SettledExport>& settled) override {
    std::lock_guard lock(mutex_);
    return sql_export_queue::settle(db(), connection_id, settled);
  }

  Status requeue_exports(const std::string& connection_id, bool in_flight, bool retry_now) override {
    std::lock_guard lock(mutex_);
    return sql_export_queue::requeue(db(), connection_id, in_flight, retry_now);
  }

  Status unpark_exports(const std::string& connection_id) override {
    std::lock_guard lock(mutex_);
    return sql_export_queue::unpark(db(), connection_id);
  }

  Result<std::vector<QueueRow>> queued_exports(const std::string& connection_id) const override {
    std::lock_guard lock(mutex_);
    return sql_export_queue::rows(db(), connection_id);
  }

  Result<std::optional<TimePoint>> next_retry(const std::string& connection_id) const override {
    std::lock_guard lock(mutex_);
    return sql_export_queue::next_retry(db(), connection_id);
  }

  Result<std::optional<std::string>> endpoint_fact(const std::string& endpoint,
                                                   const std::string& fact) const override {
    std::lock_guard lock(mutex_);
    CLOUDSYNC_ASSIGN_OR_RETURN(Statement st,
                               db().prepare("SELECT value FROM endpoint_facts WHERE endpoint = ?1 AND fact = ?2"));
    st.bind(1, endpoint).bind(2, fact);
    CLOUDSYNC_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) return std::optional<std::string>();
    return std::optional<std::string>(st.text(0));
  }

  Status put_endpoint_fact(const std::string& endpoint, const std::string& fact, const std::string& value,
                           TimePoint learned_at) override {
    std::lock_guard lock(mutex_);
    // One statement, so that two servers learning at once both succeed (the later one's row stays).
    CLOUDSYNC_ASSIGN_OR_RETURN(
        Statement st,
        db().prepare("INSERT INTO endpoint_facts (endpoint, fact, value, learned_at) VALUES (?1, ?2, ?3, ?4) "
                     "ON CONFLICT (endpoint, fact) DO UPDATE SET value = excluded.value, learned_at = "
                     "excluded.learned_at"));
    return st.bind(1, endpoint).bind(2, fact).bind(3, value).bind(4, to_unix_nanos(learned_at)).run();
  }

  Status insert_export_job(const StoredExportJob& job) override {
    std::lock_guard lock(mutex_);
    return sql_export_jobs::insert(db(), job);
  }
  Status update_export_job(const StoredExportJob& job) override {
    std::lock_guard lock(mutex_);
    return sql_export_jobs::update(db(), job);
  }
  Status delete_export_job(const std::string& id) override {
    std::lock_guard lock(mutex_);
    return sql_export_jobs::remove(db(), id);
  }
  Result<std::optional<StoredExportJob>> find_export_job(const std::string& id_or_name) const override {
    std::lock_guard lock(mutex_);
    return sql_export_jobs::find(db(), id_or_name);
  }
  Result<std::vector<StoredExportJob>> list_export_jobs(PageRequest page) const override {
    std::lock_guard lock(mutex_);
    return sql_export_jobs::list(db(), PageRequest{static_cast<uint64_t>(clamp(page.first)), page.skip});
  }
  Result<std::vector<std::string>> due_export_jobs(TimePoint now) const override {
    std::lock_guard lock(mutex_);
    return sql_export_jobs::due(db(), now);
  }
  Result<std::optional<TimePoint>> next_export_due() const override {
    std::lock_guard lock(mutex_);
    return sql_export_jobs::next_due(db());
  }
  Result<ExportJobClaim> claim_export_job(const std::string& job_id, const std::string& owner, TimePoint now,
                                          TimePoint lease_now, TimePoint lease_until, bool due_only,
                                          const Status& abandoned) override {
    std::lock_guard lock(mutex_);
    return sql_export_jobs::claim(db(), job_id, owner, now, lease_now, lease_until, due_only, abandoned);
  }
  Status renew_export_lease(const std::string& job_id, const std::string& owner, TimePoint lease_until) override {
    std::lock_guard lock(mutex_);
    return sql_export_jobs::renew(db(), job_id, owner, lease_until);
  }
  Status begin_export_run(const std::string& job_id, const std::string& owner, const StoredExportWindow& window,
                          TimePoint first_run_at, const ExportRun& run) override {
    std::lock_guard lock(mutex_);
    return sql_export_jobs::begin_run(db(), job_id, owner, window, first_run_at, run);
  }
  Status commit_export_run(const std::string& job_id, const std::string& owner, const ExportRun& run,
                           const std::vector<ModelWatermark>& watermarks, TimePoint next_run_at) override {
    std::lock_guard lock(mutex_);
    return sql_export_jobs::commit_run(db(), job_id, owner, run, watermarks, next_run_at);
  }
  Status fail_export_run(const std::string& job_id, const std::string& owner, const ExportRun& run, TimePoint retry_at,
                         bool drop_window) override {
    std::lock_guard lock(mutex_);
    return sql_export_jobs::fail_run(db(), job_id, owner, run, retry_at, drop_window);
  }
  Result<std::vector<ModelWatermark>> export_watermarks(const std::string& job_id) const override {
    std::lock_guard lock(mutex_);
    return sql_export_jobs::watermarks(db(), job_id);
  }
  Result<std::vector<ExportRun>> query_export_runs(const ExportRunQuery& query, PageRequest page) const override {
    std::lock_guard lock(mutex_);
    return sql_export_jobs::runs(db(), query, PageRequest{static_cast<uint64_t>(clamp(page.first)), page.skip});
  }
  Result<uint64_t> count_export_runs(const ExportRunQuery& query) const override {
    std::lock_guard lock(mutex_);
    return sql_export_jobs::count_runs(db(), query);
  }

  Status import_v1(const Project& project, const std::vector<Integration>& integrations,
                   const std::vector<Connection>& connections,
                   const std::vector<std::pair<std::string, Manifest>>& manifests) override {
    // One transaction: a kill -9 midway leaves the v1 state authoritative and
    // the migration runs again from the start on the next open.
    {
      std::lock_guard lock(mutex_);
      CLOUDSYNC_ASSIGN_OR_RETURN(sql::Transaction tx, sql::Transaction::begin(db()));
      CLOUDSYNC_ASSIGN_OR_RETURN(Statement seen, db().prepare("SELECT 1 FROM projects WHERE name_key = ?1"));
      seen.bind(1, catalog_name_key(project.name));
      CLOUDSYNC_ASSIGN_OR_RETURN(bool done, seen.step());
      if (done) return Status::OK();  // another process migrated it first
      seen = Statement();
      CLOUDSYNC_ASSIGN_OR_RETURN(Statement p,
                                 db().prepare("INSERT INTO projects (id, name, name_key, root, created_at) "
                                              "VALUES (?1, ?2, ?3, ?4, ?5)"));
      p.bind(1, project.id)
          .bind(2, project.name)
          .bind(3, catalog_name_key(project.name))
          .bind(4, project.root.string());
      p.bind(5, to_unix_nanos(project.created_at));
      Status inserted = p.run();
      // PostgreSQL: another server inserted the project after the check
      // above; that server migrates it (this transaction rolls back).
      if (inserted.code() == ErrorCode::AlreadyExists) return Status::OK();
      CLOUDSYNC_RETURN_IF_ERROR(inserted);
      for (const Integration& i : integrations) {
        CLOUDSYNC_ASSIGN_OR_RETURN(
            Statement st,
            db().prepare("INSERT INTO integrations (id, name, name_key, url, type, folder, platform, writeback, "
                         "options, selected_folders, allowed_paths, status, created_at, updated_at) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"));
        st.bind(1, i.id)
            .bind(2, i.spec.name)
            .bind(3, catalog_name_key(i.spec.name))
            .bind(4, i.spec.url)
            .bind(5, i.spec.type);
        st.bind(6, i.folder).bind(7, i.platform).bind(8, int64_t{i.spec.writeback});
        st.bind(9, options_to_json(i.spec.options)).bind(10, strings_to_json(i.spec.selected_folders));
        st.bind(11, strings_to_json(i.spec.allowed_paths)).bind(12, i.status).bind(13, to_unix_nanos(i.created_at));
        st.bind(14, to_unix_nanos(i.updated_at));
        Status s = st.run();
        if (!s.ok()) return s.with_context(fmt::format("migrating integration '{}'", i.spec.name));
      }
      for (const Connection& c : connections) CLOUDSYNC_RETURN_IF_ERROR(insert_connection_locked(c));
      for (const auto& [connection_id, manifest] : manifests) {
        std::vector<ManifestEntry> entries;
        manifest.for_each([&](const ManifestEntry& e) { entries.push_back(e); });
        CLOUDSYNC_RETURN_IF_ERROR(write_manifest_locked(connection_id, entries, {}));
      }
      return tx.commit();
    }
  }

 private:
  // Reads never change the database; the connection is shared under the mutex.
  sql::Database& db() const { return *db_; }

  static int64_t clamp(uint64_t n) {
    return n > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(n);
  }

  static Result<std::vector<std::string>> column_strings(Statement& st) {
    std::vector<std::string> out;
    while (true) {
      CLOUDSYNC_ASSIGN_OR_RETURN(bool row, st.step());
      if (!row) break;
      out.push_back(st.text(0));
    }
    return out;
  }

  static std::string integration_where(const IntegrationQuery& q, std::vector<std::string>& params) {
    std::vector<std::string> clauses;
    const IntegrationFilter& f = q.filter;
    if (f.id) {
      clauses.push_back("i.id = ?");
      params.push_back(*f.id);
    }
    if (f.name) {
      clauses.push_back("i.name_key = ?");
      params.push_back(catalog_name_key(*f.name));
    }
    if (f.platform) {
      clauses.push_back("i.platform = ?");
      params.emplace_back(platform_name(*f.platform));
    }
    if (f.status) {
      clauses.push_back("i.status = ?");
      params.emplace_back(integration_status_name(*f.status));
    }
    if (f.writeback) clauses.push_back(*f.writeback ? "i.writeback = 1" : "i.writeback = 0");
    if (f.project) {
      std::vector<std::string> keys = q.project_keys;
      if (keys.empty()) keys.push_back(*f.project);
      for (const std::string& k : keys) params.push_back(k);
      clauses.push_back(fmt::format(
          "(NOT EXISTS (SELECT 1 FROM integration_projects p WHERE p.integration_id = i.id) OR EXISTS (SELECT 1 FROM "
          "integration_projects p WHERE p.integration_id = i.id AND p.project IN ({})))",
          fmt::join(std::vector<std::string_view>(keys.size(), "?"), ", ")));
    }
    if (clauses.empty()) return "";
    std::string out = " WHERE ";
    for (size_t n = 0; n < clauses.size(); ++n) {
      if (n > 0) out += " AND ";
      out += clauses[n];
    }
    return out;
  }

  // (CAST(?1 AS TEXT) IS NULL: PostgreSQL needs to know a parameter's type,
  // and IS NULL alone does not tell it.)
  static void bind_connection_query(Statement& st, const ConnectionQuery& q) {
    if (q.project_id)
      st.bind(1, *q.project_id);
    else
      st.bind_null(1);
    if (q.integration_id)
      st.bind(2, *q.integration_id);
    else
      st.bind_null(2);
  }

  Status write_allowed_projects(const Integration& i) {
    CLOUDSYNC_ASSIGN_OR_RETURN(Statement del,
                               db().prepare("DELETE FROM integration_projects WHERE integration_id = ?1"));
    del.bind(1, i.id);
    CLOUDSYNC_RETURN_IF_ERROR(del.run());
    CLOUDSYNC_ASSIGN_OR_RETURN(
        Statement ins,
        db().prepare("INSERT INTO integration_projects (integration_id, project) VALUES (?1, ?2) ON CONFLICT "
                     "DO NOTHING"));
    for (const std::string& p : i.spec.allowed_projects) {
      ins.bind(1, i.id).bind(2, p);
      CLOUDSYNC_RETURN_IF_ERROR(ins.run());
    }
    return Status::OK();
  }

  Result<Integration> read_integration(Statement& st) const {
    Integration i;
    i.id = st.text(0);
    CLOUDSYNC_RETURN_IF_ERROR(check_id(i.id, fmt::format("integration '{}'", st.text(1)), db().name()));
    std::string what = fmt::format("catalog {}: integration {}", db().name(), i.id);
    i.spec.name = st.text(1);
    i.spec.url = st.text(2);
    i.spec.type = st.text(3);
    i.folder = st.text(4);
    i.platform = st.text(5);
    i.spec.writeback = st.integer(6) != 0;
    CLOUDSYNC_ASSIGN_OR_RETURN(i.spec.options, options_from_json(st.text(7), what));
    CLOUDSYNC_ASSIGN_OR_RETURN(i.spec.selected_folders, strings_from_json(st.text(8), what));
    CLOUDSYNC_ASSIGN_OR_RETURN(i.spec.allowed_paths, strings_from_json(st.text(9), what));
    i.status = st.text(10);
    i.status_reason = st.text(11);
    i.missing_action = st.text(12);
    i.status_message = st.text(13);
    i.last_checked = optional_time(st, 14);
    i.created_at = from_unix_nanos(st.integer(15));
    i.updated_at = from_unix_nanos(st.integer(16));
    CLOUDSYNC_ASSIGN_OR_RETURN(Statement projects,
                               db().prepare("SELECT project FROM integration_projects WHERE integration_id = ?1 "
                                            "ORDER BY project"));
    projects.bind(1, i.id);
    CLOUDSYNC_ASSIGN_OR_RETURN(i.spec.allowed_projects, column_strings(projects));
    return i;
  }

  Result<Project> read_project(const Statement& st) const {
    Project p;
    CLOUDSYNC_RETURN_IF_ERROR(check_id(st.text(0), fmt::format("project '{}'", st.text(1)), db().name()));
    p.id = st.text(0);
    p.name = st.text(1);
    p.root = st.text(2);
    p.created_at = from_unix_nanos(st.integer(3));
    return p;
  }

  Result<Connection> read_connection(const Statement& st) const {
    Connection c;
    c.id = st.text(0);
    CLOUDSYNC_RETURN_IF_ERROR(check_id(c.id, "a connection", db().name()));
    std::string what = fmt::format("catalog {}: connection {}", db().name(), c.id);
    c.project_id = st.text(1);
    c.integration_id = st.text(2);
    c.folder = st.text(3);
    CLOUDSYNC_ASSIGN_OR_RETURN(c.selected_folders, strings_from_json(st.text(4), what));
    CLOUDSYNC_ASSIGN_OR_RETURN(c.include, strings_from_json(st.text(5), what));
    CLOUDSYNC_ASSIGN_OR_RETURN(c.exclude, strings_from_json(st.text(6), what));
    c.created_at = from_unix_nanos(st.integer(7));
    c.last_checked = optional_time(st, 8);
    c.number_of_assets = static_cast<uint64_t>(st.integer(9));
    return c;
  }

  Result<std::optional<Connection>> one_connection(Statement& st) const {
    CLOUDSYNC_ASSIGN_OR_RETURN(bool row, st.step());
    if (!row) return std::optional<Connection>();
    CLOUDSYNC_ASSIGN_OR_RETURN(Connection c, read_connection(st));
    return std::optional<Connection>(std::move(c));
  }

  Status insert_connection_locked(const Connection& c) {
    CLOUDSYNC_ASSIGN_OR_RETURN(
        Statement st,
        db().prepare("INSERT INTO connections (id, project_id, integration_id, selected_folders, "
                     "include_globs, exclude_globs, created_at, last_checked) VALUES (?1, ?2, ?3, ?4, ?5, "
                     "?6, ?7, ?8)"));
    st.bind(1, c.id).bind(2, c.project_id).bind(3, c.integration_id).bind(4, strings_to_json(c.selected_folders));
    st.bind(5, strings_to_json(c.include)).bind(6, strings_to_json(c.exclude)).bind(7, to_unix_nanos(c.created_at));
    st.bind(8, optional_nanos(c.last_checked));
    Status s = st.run();
    if (s.code() == ErrorCode::AlreadyExists) {
      return make_error(ErrorCode::AlreadyExists, "the project is already connected to this integration");
    }
    return s;
  }

  Status write_manifest_locked(const std::string& connection_id, const std::vector<ManifestEntry>& upserts,
                               const std::vector<std::string>& erased_paths) {
    CLOUDSYNC_ASSIGN_OR_RETURN(
        Statement put,
        db().prepare("INSERT INTO manifest_entries (connection_id, path, remote_key, origin, remote, local, "
                     "remote_version, remote_id, synced_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
                     "ON CONFLICT (connection_id, path) DO UPDATE SET remote_key = excluded.remote_key, "
                     "origin = excluded.origin, remote = excluded.remote, local = excluded.local, "
                     "remote_version = excluded.remote_version, remote_id = excluded.remote_id, "
                     "synced_at = excluded.synced_at"));
    for (const ManifestEntry& e : upserts) {
      put.bind(1, connection_id).bind(2, e.path).bind(3, e.remote_key);
      put.bind(4, e.origin == ManifestEntry::Origin::Exported ? "export" : "import");
      put.bind(5, fingerprint_to_json(e.remote)).bind(6, fingerprint_to_json(e.local));
      put.bind(7, e.remote_version).bind(8, e.remote_id).bind(9, to_unix_nanos(e.synced_at));
      CLOUDSYNC_RETURN_IF_ERROR(put.run());
    }
    CLOUDSYNC_ASSIGN_OR_RETURN(Statement del,
                               db().prepare("DELETE FROM manifest_entries WHERE connection_id = ?1 AND path = ?2"));
    for (const std::string& path : erased_paths) {
      del.bind(1, connection_id).bind(2, path);
      CLOUDSYNC_RETURN_IF_ERROR(del.run());
    }
    return Status::OK();
  }

  mutable std::mutex mutex_;
  std::unique_ptr<sql::Database> db_;
};

}  // namespace

Result<std::unique_ptr<CatalogStore>> open_sqlite_catalog_store(const std::filesystem::path& file,
                                                                std::chrono::milliseconds busy_timeout) {
  CLOUDSYNC_ASSIGN_OR_RETURN(sqlite::Database db, sqlite::Database::open(file, busy_timeout));
  std::unique_ptr<sql::Database> database = sql::sqlite_database(std::move(db));
  CLOUDSYNC_RETURN_IF_ERROR(migrate_catalog_schema(*database));
  return std::unique_ptr<CatalogStore>(new SqlCatalogStore(std::move(database)));
}

Result<std::unique_ptr<CatalogStore>> open_postgres_catalog_store(const std::string& conninfo) {
  CLOUDSYNC_ASSIGN_OR_RETURN(std::unique_ptr<sql::Database> database, sql::open_postgres(conninfo));
  CLOUDSYNC_RETURN_IF_ERROR(migrate_catalog_schema(*database));
  return std::unique_ptr<CatalogStore>(new SqlCatalogStore(std::move(database)));
}

Result<std::unique_ptr<CatalogStore>> open_catalog_store(const CatalogOptions& options) {
  if (sql::is_postgres_conninfo(options.database)) return open_postgres_catalog_store(options.database);
  return open_sqlite_catalog_store(options.state_dir / "catalog.db", options.busy_timeout);
}

}  // namespace cloudsync
