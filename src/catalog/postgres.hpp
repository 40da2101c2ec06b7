// A thin RAII layer over libpq: a connection, queries with text parameters,
// their results, and PostgreSQL's errors (SQLSTATE) turned into Status.
//
// Used by the PostgreSQL catalog store and by the PostgreSQL record source.
// A conninfo may carry a password: it is never put in a message (libpq's
// own messages name the host, port and user, never the password).
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cloudsync/status.hpp"

namespace cloudsync::pg {

/// A parameter as PostgreSQL's text form; nullopt is SQL NULL.
using Param = std::optional<std::string>;

class Rows;

class Connection {
 public:
  /// Connects (connect_timeout 10 s unless the conninfo says otherwise) and
  /// sets client_encoding UTF8, DateStyle ISO and TimeZone UTC, so that text
  /// values read back are UTF-8 and timestamps are UTC in ISO form.
  static Result<Connection> open(const std::string& conninfo);
  Connection() = default;
  Connection(Connection&& other) noexcept;
  Connection& operator=(Connection&& other) noexcept;
  ~Connection();

  /// Runs statements without parameters (several may be separated by ';').
  Status exec(std::string_view sql);
  /// Runs one statement with $1..$n bound to `params` (text form).
  Result<Rows> query(std::string_view sql, const std::vector<Param>& params = {});
  /// query() for a statement whose rows do not matter; returns the number of rows it changed.
  Result<int64_t> command(std::string_view sql, const std::vector<Param>& params = {});
  /// Asks the server to cancel the statement running on this connection (from any thread).
  void cancel_running();

  bool ok() const;
  PGconn* handle() const { return conn_; }
  /// The Status for a failed result (nullptr: the connection's own error), saying what was being done.
  Status error(const PGresult* result, std::string_view doing) const;

 private:
  explicit Connection(PGconn* conn) : conn_(conn) {}
  PGconn* conn_ = nullptr;
};

/// A query's rows (a PGresult), read by row and column index.
class Rows {
 public:
  Rows() = default;
  explicit Rows(PGresult* result) : result_(result) {}
  Rows(Rows&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
  Rows& operator=(Rows&& other) noexcept;
  ~Rows();

  int size() const;
  int columns() const;
  bool is_null(int row, int column) const;
  /// The text form of a value ("" for NULL); valid while this object lives.
  std::string_view text(int row, int column) const;
  std::optional<std::string> optional_text(int row, int column) const;
  int64_t integer(int row, int column) const;  ///< 0 for NULL or a non-number
  std::string_view column_name(int column) const;
  Oid column_type(int column) const;
  PGresult* handle() const { return result_; }

 private:
  PGresult* result_ = nullptr;
};

/// BEGIN ... COMMIT; rolled back unless committed.
class Transaction {
 public:
  /// `isolation`: e.g. "REPEATABLE READ"; empty: the server's default (READ COMMITTED).
  static Result<Transaction> begin(Connection& connection, std::string_view isolation = {});
  Transaction(Transaction&& other) noexcept : connection_(other.connection_) { other.connection_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  Status commit();

 private:
  explicit Transaction(Connection* connection) : connection_(connection) {}
  Connection* connection_;
};

/// The ErrorCode for a SQLSTATE ("23505" -> AlreadyExists, "08006" -> Network, ...).
ErrorCode error_code_for_sqlstate(std::string_view sqlstate);

/// `value` as a quoted SQL identifier ("my table" -> "\"my table\"").
std::string quote_identifier(std::string_view value);

}  // namespace cloudsync::pg
