#include "records/sqlite_record_source.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/postgres.hpp"
#include "core/ascii.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/json.hpp"
#include "core/time.hpp"
#include "records/record_keys.hpp"

namespace cloudsync::records {
namespace {

constexpr int kBusyTimeoutMs = 5000;
constexpr int kProgressSteps = 100'000;

/// SQLite's progress handler: non-zero interrupts the statement.
int cancelled(void* token) { return static_cast<const CancelToken*>(token)->is_cancelled() ? 1 : 0; }

enum class UpdatedFormat { Text, UnixSeconds, UnixMillis };

/// SQLite's column affinity from a declared type (https://sqlite.org/datatype3.html, 3.1).
enum class Affinity { Integer, Text, None, Real, Numeric };

Affinity affinity_of(std::string_view declared_type) {
  const std::string declared = ascii_lower(declared_type);
  const auto has = [&](std::string_view part) { return declared.find(part) != std::string::npos; };
  if (has("int")) return Affinity::Integer;
  if (has("char") || has("clob") || has("text")) return Affinity::Text;
  if (has("blob") || declared.empty()) return Affinity::None;
  if (has("real") || has("floa") || has("doub")) return Affinity::Real;
  return Affinity::Numeric;
}

// SQLite quotes identifiers as PostgreSQL does.
std::string quote(std::string_view name) { return pg::quote_identifier(name); }

struct StatementDeleter {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using StatementPtr = std::unique_ptr<sqlite3_stmt, StatementDeleter>;

struct DatabaseDeleter {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DatabasePtr = std::unique_ptr<sqlite3, DatabaseDeleter>;

/// A number as its shortest text that reads back as the same value.
std::string number_text(sqlite3_stmt* stmt, int column) {
  if (sqlite3_column_type(stmt, column) == SQLITE_INTEGER) return std::to_string(sqlite3_column_int64(stmt, column));
  char buffer[64];
  const auto end = std::to_chars(buffer, buffer + sizeof buffer, sqlite3_column_double(stmt, column)).ptr;
  return std::string(buffer, end);
}

std::string_view column_text(sqlite3_stmt* stmt, int column) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, column));
  return {text != nullptr ? text : "", static_cast<size_t>(sqlite3_column_bytes(stmt, column))};
}

class SqliteRecordSource final : public RecordSource {
 public:
  Result<size_t> read_page(const RecordPageRequest& request, const RecordVisitor& visit,
                           const CancelToken* cancel) override {
    return read(records_, request, visit, cancel);
  }
  Result<size_t> read_deletions(const RecordPageRequest& request, const RecordVisitor& visit,
                                const CancelToken* cancel) override {
    if (!deletes_) return RecordSource::read_deletions(request, visit, cancel);
    return read(*deletes_, request, visit, cancel);
  }
  bool has_deletions() const override { return deletes_.has_value(); }

  static Result<std::unique_ptr<RecordSource>> open(const SourceSpec& spec);

 private:
  /// One table read in keyset order: its two page statements (the first
  /// page, and the pages after a cursor) and what binding a cursor needs.
  struct Keyset {
    KeysetTable table;
    Affinity id_affinity = Affinity::None;
    StatementPtr first;
    StatementPtr after;
    std::vector<std::string> json_keys;  ///< the table's columns, in order
    size_t id_key = SIZE_MAX;            ///< the id column's place among them
  };

  Status error(int rc, std::string_view doing) const {
    const char* detail = sqlite3_errmsg(db_.get());
    const std::string_view message = detail != nullptr ? detail : sqlite3_errstr(rc);
    ErrorCode code = ErrorCode::Internal;
    switch (rc & 0xff) {
      case SQLITE_BUSY:
      case SQLITE_LOCKED: code = ErrorCode::Timeout; break;
      case SQLITE_CANTOPEN: code = ErrorCode::NotFound; break;
      case SQLITE_PERM:
      case SQLITE_AUTH: code = ErrorCode::PermissionDenied; break;
      case SQLITE_NOTADB:
      case SQLITE_CORRUPT: code = ErrorCode::Integrity; break;
      default:
        if (message.starts_with("no such table") || message.starts_with("no such column")) code = ErrorCode::NotFound;
    }
    return make_error(code, "SQLite source {}: {}: {}", file_, doing, message);
  }

  Result<StatementPtr> prepare(const std::string& sql, std::string_view doing) const {
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_.get(), sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                      &stmt, nullptr);
    StatementPtr owned(stmt);
    if (rc != SQLITE_OK) return error(rc, doing);
    return owned;
  }

  /// NotFound naming the table or the column when either is missing; the
  /// column's affinity otherwise.
  Result<Affinity> column_affinity(const std::string& table, const std::string& column) const {
    CLOUDSYNC_ASSIGN_OR_RETURN(auto stmt, prepare("SELECT name, type FROM pragma_table_xinfo(?1)", "read the columns"));
    sqlite3_bind_text(stmt.get(), 1, table.data(), static_cast<int>(table.size()), SQLITE_TRANSIENT);
    bool any = false;
    int rc;
    while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
      any = true;
      if (iequals(column_text(stmt.get(), 0), column)) {
        return affinity_of(column_text(stmt.get(), 1));
      }
    }
    if (rc != SQLITE_DONE) return error(rc, "read the columns");
    if (!any) return make_error(ErrorCode::NotFound, "SQLite source {}: no table {}", file_, quote(table));
    return make_error(ErrorCode::NotFound, "SQLite source {}: table {} has no column {}", file_, quote(table),
                      quote(column));
  }

  Result<Keyset> prepare_keyset(const KeysetTable& table) const {
    Keyset keyset;
    keyset.table = table;
    CLOUDSYNC_RETURN_IF_ERROR(column_affinity(table.table, table.updated_column).status());
    CLOUDSYNC_ASSIGN_OR_RETURN(keyset.id_affinity, column_affinity(table.table, table.id_column));
    const std::string u = quote(table.updated_column), id = quote(table.id_column);
    const std::string select = "SELECT " + u + ", " + id + (table.with_json ? ", *" : "") + " FROM " +
                               quote(table.table) + " WHERE " + u + " <= ?1 AND " + id + " IS NOT NULL";
    const std::string order = " ORDER BY " + u + ", " + id + " LIMIT ?2";
    const std::string doing = "read " + quote(table.table);
    CLOUDSYNC_ASSIGN_OR_RETURN(keyset.first, prepare(select + order, doing));
    CLOUDSYNC_ASSIGN_OR_RETURN(keyset.after,
                               prepare(select + " AND (" + u + ", " + id + ") > (?3, ?4)" + order, doing));
    if (table.with_json) name_json_keys(keyset, keyset.first.get());
    return keyset;
  }

  /// The JSON keys from a statement's columns (after the two key columns).
  /// Read again with each page: SQLite prepares a statement again after a
  /// schema change, and `*` then names the table's new columns.
  static void name_json_keys(Keyset& keyset, sqlite3_stmt* stmt) {
    keyset.json_keys.clear();
    keyset.id_key = SIZE_MAX;
    const int columns = sqlite3_column_count(stmt);
    for (int c = 2; c < columns; ++c) {
      keyset.json_keys.emplace_back(sqlite3_column_name(stmt, c));
      if (keyset.id_key == SIZE_MAX && iequals(keyset.json_keys.back(), keyset.table.id_column)) {
        keyset.id_key = keyset.json_keys.size() - 1;
      }
    }
  }

  /// Binds an updated-at bound: the upper bound from a time, a cursor from its text.
  Status bind_upper(sqlite3_stmt* stmt, TimePoint upper) const {
    switch (format_) {
      case UpdatedFormat::Text: {
        // datetime()'s form, to the nanosecond: a stored value at or before the
        // bound compares lower as text whatever its number of fraction digits.
        std::string text = format_rfc3339(upper, 9);
        text[10] = ' ';
        text.pop_back();  // 'Z'
        sqlite3_bind_text(stmt, 1, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
        break;
      }
      case UpdatedFormat::UnixSeconds: sqlite3_bind_int64(stmt, 1, floor_unix(upper, 1)); break;
      case UpdatedFormat::UnixMillis: sqlite3_bind_int64(stmt, 1, floor_unix(upper, 1000)); break;
    }
    return Status::OK();
  }

  Status bind_cursor(const Keyset& keyset, sqlite3_stmt* stmt, const RecordPageRequest& request) const {
    const RecordKey& after = *request.after;
    if (format_ == UpdatedFormat::Text) {
      sqlite3_bind_text(stmt, 3, after.updated_at.data(), static_cast<int>(after.updated_at.size()), SQLITE_TRANSIENT);
    } else {
      int64_t integer = 0;
      double real = 0;
      const char* end = after.updated_at.data() + after.updated_at.size();
      if (parse_int64(after.updated_at, integer)) {
        sqlite3_bind_int64(stmt, 3, integer);
      } else if (const auto r = std::from_chars(after.updated_at.data(), end, real);
                 r.ec == std::errc() && r.ptr == end) {
        sqlite3_bind_double(stmt, 3, real);
      } else {
        return make_error(ErrorCode::InvalidArgument, "SQLite source {}: cursor updated_at is not a number", file_);
      }
    }
    CLOUDSYNC_ASSIGN_OR_RETURN(DecodedId id, decode_record_id(after.id));
    int64_t integer = 0;
    const bool numeric_column = keyset.id_affinity == Affinity::Integer || keyset.id_affinity == Affinity::Real ||
                                keyset.id_affinity == Affinity::Numeric;
    const bool as_integer =
        !id.was_string || numeric_column || (keyset.id_affinity == Affinity::None && request.ids_as_strings);
    if (as_integer && parse_int64(id.text, integer)) {
      sqlite3_bind_int64(stmt, 4, integer);
    } else {
      sqlite3_bind_text(stmt, 4, id.text.data(), static_cast<int>(id.text.size()), SQLITE_TRANSIENT);
    }
    return Status::OK();
  }

  /// The row's columns as a JSON object; with `ids_as_strings` an integer id as a string.
  void write_json(const Keyset& keyset, sqlite3_stmt* stmt, bool ids_as_strings) {
    json_.Clear();
    JsonWriter w(json_);
    w.StartObject();
    for (size_t k = 0; k < keyset.json_keys.size(); ++k) {
      const int c = static_cast<int>(k) + 2;
      json_write_key(w, keyset.json_keys[k]);
      switch (sqlite3_column_type(stmt, c)) {
        case SQLITE_INTEGER:
          if (ids_as_strings && k == keyset.id_key) {
            json_write_string(w, number_text(stmt, c));
          } else {
            w.Int64(sqlite3_column_int64(stmt, c));
          }
          break;
        case SQLITE_FLOAT: {
          const double value = sqlite3_column_double(stmt, c);
          if (std::isfinite(value)) {
            w.Double(value);
          } else {
            w.Null();
          }
          break;
        }
        case SQLITE_TEXT: json_write_string(w, column_text(stmt, c)); break;
        case SQLITE_BLOB: {
          const auto* bytes = static_cast<const char*>(sqlite3_column_blob(stmt, c));
          json_write_string(w, base64_encode({bytes, static_cast<size_t>(sqlite3_column_bytes(stmt, c))}));
          break;
        }
        default: w.Null();
      }
    }
    w.EndObject();
  }

  Result<size_t> read(Keyset& keyset, const RecordPageRequest& request, const RecordVisitor& visit,
                      const CancelToken* cancel) {
    CLOUDSYNC_RETURN_IF_ERROR(check_cancel(cancel));
    if (request.max_records == 0) return size_t{0};
    sqlite3_stmt* stmt = request.after ? keyset.after.get() : keyset.first.get();
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    CLOUDSYNC_RETURN_IF_ERROR(bind_upper(stmt, request.upper));
    sqlite3_bind_int64(stmt, 2, static_cast<int64_t>(std::min<size_t>(request.max_records, INT64_MAX)));
    if (request.after) CLOUDSYNC_RETURN_IF_ERROR(bind_cursor(keyset, stmt, request));
    // A long statement (a sort, a slow view) stops when the token is set:
    // SQLite calls the handler every kProgressSteps virtual-machine steps.
    if (cancel != nullptr) {
      sqlite3_progress_handler(db_.get(), kProgressSteps, &cancelled, const_cast<CancelToken*>(cancel));
    }
    // Reset when done, so the statement's read transaction never outlives the page.
    struct EndOfPage {
      sqlite3* db;
      sqlite3_stmt* stmt;
      ~EndOfPage() {
        sqlite3_reset(stmt);
        sqlite3_progress_handler(db, 0, nullptr, nullptr);
      }
    } end_of_page{db_.get(), stmt};

    size_t visited = 0;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      if (visited == 0 && keyset.table.with_json) name_json_keys(keyset, stmt);
      const int id_type = sqlite3_column_type(stmt, 1);
      if (id_type == SQLITE_BLOB) {
        return make_error(ErrorCode::InvalidArgument, "SQLite source {}: {} holds a BLOB id", file_,
                          quote(keyset.table.table));
      }
      const std::string updated_at = format_ == UpdatedFormat::Text && sqlite3_column_type(stmt, 0) == SQLITE_TEXT
                                         ? std::string(column_text(stmt, 0))
                                         : number_text(stmt, 0);
      id_.clear();
      if (id_type == SQLITE_TEXT) {
        append_record_id(id_, column_text(stmt, 1), true);
      } else {
        append_record_id(id_, number_text(stmt, 1), request.ids_as_strings);
      }
      if (keyset.table.with_json) write_json(keyset, stmt, request.ids_as_strings);
      const std::string_view json =
          keyset.table.with_json ? std::string_view(json_.GetString(), json_.GetSize()) : std::string_view();
      CLOUDSYNC_RETURN_IF_ERROR(visit(RecordView{updated_at, id_, json}));
      ++visited;
    }
    if (rc == SQLITE_INTERRUPT) return check_cancel(cancel);
    if (rc != SQLITE_DONE) return error(rc, "read " + quote(keyset.table.table));
    return visited;
  }

  std::string file_;
  DatabasePtr db_;
  UpdatedFormat format_ = UpdatedFormat::Text;
  Keyset records_;
  std::optional<Keyset> deletes_;
  rapidjson::StringBuffer json_;
  std::string id_;
};

Result<std::unique_ptr<RecordSource>> SqliteRecordSource::open(const SourceSpec& spec) {
  auto source = std::make_unique<SqliteRecordSource>();
  source->file_ = spec.database;
  if (spec.updated_format == "text") {
    source->format_ = UpdatedFormat::Text;
  } else if (spec.updated_format == "unix_seconds") {
    source->format_ = UpdatedFormat::UnixSeconds;
  } else if (spec.updated_format == "unix_millis") {
    source->format_ = UpdatedFormat::UnixMillis;
  } else {
    return make_error(ErrorCode::InvalidArgument,
                      "SQLite source: updated_format must be \"text\", \"unix_seconds\" or \"unix_millis\"");
  }
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(spec.database.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  source->db_.reset(raw);
  if (rc != SQLITE_OK) {
    if (raw == nullptr) return make_error(ErrorCode::Internal, "SQLite source {}: out of memory", spec.database);
    return source->error(rc, "open");
  }
  sqlite3_busy_timeout(raw, kBusyTimeoutMs);
  CLOUDSYNC_ASSIGN_OR_RETURN(source->records_, source->prepare_keyset(records_table(spec)));
  if (!spec.deletes_table.empty()) {
    CLOUDSYNC_ASSIGN_OR_RETURN(source->deletes_, source->prepare_keyset(deletes_table(spec)));
  }
  return std::unique_ptr<RecordSource>(std::move(source));
}

}  // namespace

Result<std::unique_ptr<RecordSource>> open_sqlite_record_source(const SourceSpec& spec) {
  CLOUDSYNC_RETURN_IF_ERROR(check_source_spec(spec));
  return SqliteRecordSource::open(spec);
}

}  // namespace cloudsync::records
