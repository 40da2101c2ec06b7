#include "records/postgres_record_source.hpp"

#include <poll.h>

#include <array>
#include <cerrno>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/postgres.hpp"
#include "core/error.hpp"
#include "core/time.hpp"
#include "records/record_keys.hpp"

namespace cloudsync::records {
namespace {

// Type oids (pg_type.dat): the updated-at and id types the source knows.
constexpr Oid kInt2 = 21, kInt4 = 23, kInt8 = 20, kTimestamp = 1114, kTimestamptz = 1184;

bool is_integer_type(Oid type) { return type == kInt2 || type == kInt4 || type == kInt8; }

/// "orders" -> "orders"; "sales.orders" -> "sales"."orders" (a name with a
/// dot of its own cannot be given schema-less).
std::string quote_table(std::string_view name) {
  const size_t dot = name.find('.');
  if (dot == std::string_view::npos) return pg::quote_identifier(name);
  return pg::quote_identifier(name.substr(0, dot)) + "." + pg::quote_identifier(name.substr(dot + 1));
}

/// How long a page waits between looks at the cancel token.
constexpr int kCancelPollMs = 100;

class PostgresRecordSource final : public RecordSource {
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
  /// One table read in keyset order, with its prepared statements' names
  /// (the first page; the pages after a cursor; the same two writing the id
  /// as text in the JSON, prepared when first asked for).
  struct Keyset {
    KeysetTable table;
    std::string name;  ///< prefix of its statements' names
    Oid updated_type = 0;
    bool integer_ids = false;
    std::vector<std::string> columns;  ///< quoted, in column order (for ids_as_strings)
    std::array<bool, 4> prepared{};    ///< [2 * ids as strings + after a cursor]
  };

  Result<Keyset> describe(const KeysetTable& table, std::string name) {
    Keyset keyset;
    keyset.table = table;
    keyset.name = std::move(name);
    const std::string sql = "SELECT t." + pg::quote_identifier(table.updated_column) + ", t." +
                            pg::quote_identifier(table.id_column) + ", t.* FROM " + quote_table(table.table) +
                            " t LIMIT 0";
    CLOUDSYNC_ASSIGN_OR_RETURN(pg::Rows rows, connection_.query(sql));
    keyset.updated_type = rows.column_type(0);
    if (keyset.updated_type != kTimestamptz && keyset.updated_type != kTimestamp &&
        !is_integer_type(keyset.updated_type)) {
      return make_error(ErrorCode::InvalidArgument,
                        "PostgreSQL source: {}.{} must be timestamptz, timestamp or an integer of Unix seconds",
                        quote_table(table.table), pg::quote_identifier(table.updated_column));
    }
    keyset.integer_ids = is_integer_type(rows.column_type(1));
    for (int c = 2; c < rows.columns(); ++c) keyset.columns.push_back(pg::quote_identifier(rows.column_name(c)));
    return keyset;
  }

  std::string page_sql(const Keyset& keyset, bool ids_as_strings, bool after) const {
    const std::string u = "t." + pg::quote_identifier(keyset.table.updated_column);
    const std::string id = "t." + pg::quote_identifier(keyset.table.id_column);
    std::string sql = "SELECT " + u + ", " + id;
    std::string from = " FROM " + quote_table(keyset.table.table) + " t";
    if (keyset.table.with_json && ids_as_strings) {
      // The row's columns again, the id as text; a lateral subquery keeps the names.
      std::string row;
      for (const auto& column : keyset.columns) {
        if (!row.empty()) row += ", ";
        row += column == pg::quote_identifier(keyset.table.id_column) ? id + "::text AS " + column : "t." + column;
      }
      sql += ", row_to_json(r.*)";
      from += " CROSS JOIN LATERAL (SELECT " + row + ") r";
    } else if (keyset.table.with_json) {
      sql += ", row_to_json(t.*)";
    }
    sql += from + " WHERE " + u + " <= $1 AND " + id + " IS NOT NULL";
    if (after) sql += " AND (" + u + ", " + id + ") > ($3, $4)";
    return sql + " ORDER BY " + u + ", " + id + " LIMIT $2";
  }

  /// The statement's name, prepared on the connection on first use.
  Result<std::string> statement(Keyset& keyset, bool ids_as_strings, bool after) {
    const bool as_strings = ids_as_strings && keyset.integer_ids && keyset.table.with_json;
    std::string name = keyset.name + (as_strings ? "_text_ids" : "") + (after ? "_after" : "_first");
    if (!keyset.prepared[2 * as_strings + after]) {
      pg::Rows prepared(PQprepare(connection_.handle(), name.c_str(), page_sql(keyset, as_strings, after).c_str(),
                                  after ? 4 : 2, nullptr));
      if (PQresultStatus(prepared.handle()) != PGRES_COMMAND_OK) {
        return connection_.error(prepared.handle(), "prepare the page query of " + quote_table(keyset.table.table));
      }
      keyset.prepared[2 * as_strings + after] = true;
    }
    return name;
  }

  std::string upper_text(const Keyset& keyset, TimePoint upper) const {
    if (is_integer_type(keyset.updated_type)) return std::to_string(floor_unix(upper, 1));
    // Columns hold microseconds: the bound rounded down to one keeps the same rows.
    return format_rfc3339(from_unix_nanos(floor_unix(upper, 1'000'000) * 1000), 6);
  }

  /// Runs a prepared page query, asking the server to cancel it when the
  /// token is set while it runs.
  Result<pg::Rows> run(const std::string& name, const std::vector<pg::Param>& params, const CancelToken* cancel) {
    std::vector<const char*> values;
    for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
    PGconn* conn = connection_.handle();
    if (PQsendQueryPrepared(conn, name.c_str(), static_cast<int>(values.size()), values.data(), nullptr, nullptr, 0) !=
        1) {
      return connection_.error(nullptr, "send the page query");
    }
    bool cancel_sent = false;
    while (PQisBusy(conn) != 0) {
      pollfd fd{PQsocket(conn), POLLIN, 0};
      if (::poll(&fd, 1, kCancelPollMs) < 0 && errno != EINTR) {
        return make_error(ErrorCode::Network, "PostgreSQL source: poll failed");
      }
      if (PQconsumeInput(conn) != 1) return connection_.error(nullptr, "read the page");
      if (!cancel_sent && cancel != nullptr && cancel->is_cancelled()) {
        connection_.cancel_running();
        cancel_sent = true;
      }
    }
    pg::Rows rows;
    bool first = true;
    while (PGresult* result = PQgetResult(conn)) {
      if (first) {
        rows = pg::Rows(result);
        first = false;
      } else {
        PQclear(result);
      }
    }
    if (PQresultStatus(rows.handle()) != PGRES_TUPLES_OK) return connection_.error(rows.handle(), "read the page");
    return rows;
  }

  /// A connection lost since the last page (the server restarted, a proxy
  /// closed it) is opened again, so that the caller's retry of a page can
  /// succeed; its statements are prepared again on first use.
  Status reconnect_if_lost() {
    if (connection_.ok()) return Status::OK();
    CLOUDSYNC_ASSIGN_OR_RETURN(connection_, pg::Connection::open(conninfo_));
    for (Keyset* keyset : {&records_, deletes_ ? &*deletes_ : nullptr}) {
      if (keyset != nullptr) keyset->prepared.fill(false);
    }
    return Status::OK();
  }

  Result<size_t> read(Keyset& keyset, const RecordPageRequest& request, const RecordVisitor& visit,
                      const CancelToken* cancel) {
    CLOUDSYNC_RETURN_IF_ERROR(check_cancel(cancel));
    if (request.max_records == 0) return size_t{0};
    CLOUDSYNC_RETURN_IF_ERROR(reconnect_if_lost());
    CLOUDSYNC_ASSIGN_OR_RETURN(std::string name, statement(keyset, request.ids_as_strings, request.after.has_value()));
    std::vector<pg::Param> params{upper_text(keyset, request.upper), std::to_string(request.max_records)};
    if (request.after) {
      CLOUDSYNC_ASSIGN_OR_RETURN(DecodedId id, decode_record_id(request.after->id));
      params.emplace_back(request.after->updated_at);
      params.emplace_back(std::move(id.text));
    }
    CLOUDSYNC_ASSIGN_OR_RETURN(pg::Rows rows, run(name, params, cancel));
    const bool id_as_string = !keyset.integer_ids || request.ids_as_strings;
    for (int r = 0; r < rows.size(); ++r) {
      id_.clear();
      append_record_id(id_, rows.text(r, 1), id_as_string);
      const std::string_view json = keyset.table.with_json ? rows.text(r, 2) : std::string_view();
      CLOUDSYNC_RETURN_IF_ERROR(visit(RecordView{rows.text(r, 0), id_, json}));
    }
    const auto visited = static_cast<size_t>(rows.size());
    // Freed only after the next page is read: that page's memory then comes
    // from the heap this one leaves, instead of the allocator giving the
    // pages back to the kernel and faulting them in again for every page.
    previous_page_ = std::move(rows);
    return visited;
  }

  std::string conninfo_;  ///< may hold a password: kept to reconnect, never in a message
  pg::Connection connection_;
  Keyset records_;
  std::optional<Keyset> deletes_;
  std::string id_;
  pg::Rows previous_page_;
};

Result<std::unique_ptr<RecordSource>> PostgresRecordSource::open(const SourceSpec& spec) {
  auto source = std::make_unique<PostgresRecordSource>();
  source->conninfo_ = spec.database;
  CLOUDSYNC_ASSIGN_OR_RETURN(source->connection_, pg::Connection::open(spec.database));
  CLOUDSYNC_ASSIGN_OR_RETURN(source->records_, source->describe(records_table(spec), "cloudsync_records"));
  if (!spec.deletes_table.empty()) {
    CLOUDSYNC_ASSIGN_OR_RETURN(source->deletes_, source->describe(deletes_table(spec), "cloudsync_deletes"));
  }
  return std::unique_ptr<RecordSource>(std::move(source));
}

}  // namespace

Result<std::unique_ptr<RecordSource>> open_postgres_record_source(const SourceSpec& spec) {
  CLOUDSYNC_RETURN_IF_ERROR(check_source_spec(spec));
  return PostgresRecordSource::open(spec);
}

}  // namespace cloudsync::records
