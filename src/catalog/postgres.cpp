#include "catalog/postgres.hpp"

#include <charconv>
#include <cstring>

#include "core/error.hpp"

namespace cloudsync::pg {
namespace {

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

std::string trimmed(const char* text) {
  std::string out = text != nullptr ? text : "";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

}  // namespace

ErrorCode error_code_for_sqlstate(std::string_view s) {
  if (s == "23505") return ErrorCode::AlreadyExists;                             // unique_violation
  if (s == "40001" || s == "40P01") return ErrorCode::Conflict;                  // serialization failure, deadlock
  if (s == "55P03") return ErrorCode::Timeout;                                   // lock_not_available
  if (s == "57014") return ErrorCode::Cancelled;                                 // query_canceled
  if (s == "42P01" || s == "42703" || s == "3D000") return ErrorCode::NotFound;  // table, column, database
  if (s == "42501") return ErrorCode::PermissionDenied;                          // insufficient_privilege
  if (starts_with(s, "28")) return ErrorCode::Unauthenticated;                   // invalid authorization
  if (starts_with(s, "08") || starts_with(s, "57P")) return ErrorCode::Network;  // connection, shutdown
  if (starts_with(s, "53")) return ErrorCode::LimitExceeded;                     // insufficient resources
  if (starts_with(s, "22") || starts_with(s, "42")) return ErrorCode::InvalidArgument;  // data, syntax
  if (starts_with(s, "23")) return ErrorCode::Conflict;                                 // other integrity constraints
  return ErrorCode::Internal;
}

std::string quote_identifier(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

Result<Connection> Connection::open(const std::string& conninfo) {
  // The conninfo (key=value pairs or a postgresql:// URI) is expanded after
  // the default timeout, so that its own connect_timeout wins; appending
  // " connect_timeout=10" to a URI would make it part of the database name.
  const char* const keywords[] = {"connect_timeout", "dbname", nullptr};
  const char* const values[] = {"10", conninfo.c_str(), nullptr};
  PGconn* raw = PQconnectdbParams(keywords, values, 1);
  if (raw == nullptr) return make_error(ErrorCode::Internal, "PostgreSQL: out of memory connecting");
  Connection connection(raw);
  if (PQstatus(raw) != CONNECTION_OK) {
    const std::string why = trimmed(PQerrorMessage(raw));
    ErrorCode code = ErrorCode::Network;
    if (why.find("password") != std::string::npos || why.find("authentication") != std::string::npos) {
      code = ErrorCode::Unauthenticated;
    } else if (why.find("does not exist") != std::string::npos) {
      code = ErrorCode::NotFound;
    } else if (why.find("invalid") != std::string::npos && why.find("option") != std::string::npos) {
      code = ErrorCode::InvalidArgument;
    }
    return make_error(code, "PostgreSQL: connect: {}", why);
  }
  CLOUDSYNC_RETURN_IF_ERROR(
      connection.exec("SET client_encoding = 'UTF8'; SET DateStyle = 'ISO, YMD'; SET TimeZone = 'UTC'; "
                      "SET IntervalStyle = 'iso_8601'; SET extra_float_digits = 3"));
  return connection;
}

Connection::Connection(Connection&& other) noexcept : conn_(other.conn_) { other.conn_ = nullptr; }

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    if (conn_ != nullptr) PQfinish(conn_);
    conn_ = other.conn_;
    other.conn_ = nullptr;
  }
  return *this;
}

Connection::~Connection() {
  if (conn_ != nullptr) PQfinish(conn_);
}

bool Connection::ok() const { return conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK; }

Status Connection::error(const PGresult* result, std::string_view doing) const {
  const char* sqlstate = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string message = trimmed(result != nullptr ? PQresultErrorMessage(result) : nullptr);
  if (message.empty()) message = trimmed(conn_ != nullptr ? PQerrorMessage(conn_) : "no connection");
  ErrorCode code = sqlstate != nullptr ? error_code_for_sqlstate(sqlstate) : ErrorCode::Network;
  if (sqlstate == nullptr && conn_ != nullptr && PQstatus(conn_) == CONNECTION_OK) code = ErrorCode::Internal;
  Status status = make_error(code, "PostgreSQL: {}: {}", doing, message);
  return sqlstate != nullptr ? status.with_provider_details(0, sqlstate, "") : status;
}

Status Connection::exec(std::string_view sql) {
  Rows rows(PQexec(conn_, std::string(sql).c_str()));
  const auto status = PQresultStatus(rows.handle());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return error(rows.handle(), "run statement");
  return Status::OK();
}

Result<Rows> Connection::query(std::string_view sql, const std::vector<Param>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  Rows rows(PQexecParams(conn_, std::string(sql).c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                         nullptr, nullptr, 0));
  const auto status = PQresultStatus(rows.handle());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return error(rows.handle(), "query");
  return rows;
}

Result<int64_t> Connection::command(std::string_view sql, const std::vector<Param>& params) {
  CLOUDSYNC_ASSIGN_OR_RETURN(Rows rows, query(sql, params));
  const char* changed = PQcmdTuples(rows.handle());
  int64_t n = 0;
  if (changed != nullptr) std::from_chars(changed, changed + std::strlen(changed), n);
  return n;
}

void Connection::cancel_running() {
  if (conn_ == nullptr) return;
  PGcancel* cancel = PQgetCancel(conn_);
  if (cancel == nullptr) return;
  char buffer[256];
  PQcancel(cancel, buffer, sizeof buffer);
  PQfreeCancel(cancel);
}

Rows& Rows::operator=(Rows&& other) noexcept {
  if (this != &other) {
    if (result_ != nullptr) PQclear(result_);
    result_ = other.result_;
    other.result_ = nullptr;
  }
  return *this;
}

Rows::~Rows() {
  if (result_ != nullptr) PQclear(result_);
}

int Rows::size() const { return result_ != nullptr ? PQntuples(result_) : 0; }
int Rows::columns() const { return result_ != nullptr ? PQnfields(result_) : 0; }
bool Rows::is_null(int row, int column) const { return PQgetisnull(result_, row, column) != 0; }

std::string_view Rows::text(int row, int column) const {
  if (is_null(row, column)) return {};
  return {PQgetvalue(result_, row, column), static_cast<size_t>(PQgetlength(result_, row, column))};
}

std::optional<std::string> Rows::optional_text(int row, int column) const {
  if (is_null(row, column)) return std::nullopt;
  return std::string(text(row, column));
}

int64_t Rows::integer(int row, int column) const {
  const std::string_view value = text(row, column);
  int64_t n = 0;
  std::from_chars(value.data(), value.data() + value.size(), n);
  return n;
}

std::string_view Rows::column_name(int column) const { return PQfname(result_, column); }
Oid Rows::column_type(int column) const { return PQftype(result_, column); }

Result<Transaction> Transaction::begin(Connection& connection, std::string_view isolation) {
  std::string sql = "BEGIN";
  if (!isolation.empty()) sql += " ISOLATION LEVEL " + std::string(isolation);
  CLOUDSYNC_RETURN_IF_ERROR(connection.exec(sql));
  return Transaction(&connection);
}

Transaction::~Transaction() {
  if (connection_ != nullptr && connection_->ok()) (void)connection_->exec("ROLLBACK");
}

Status Transaction::commit() {
  Connection* connection = connection_;
  connection_ = nullptr;
  return connection->exec("COMMIT");
}

}  // namespace cloudsync::pg
