// sql::Database over libpq (catalog/postgres.hpp). A statement is prepared
// by rewriting SQLite's placeholders to PostgreSQL's and runs on its first
// step, which fetches every row (the catalog's results are small), so that a
// statement may run another while it is being read, as SQLite allows.
#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

#include "catalog/postgres.hpp"
#include "catalog/sql.hpp"
#include "core/error.hpp"

namespace cloudsync::sql {
namespace {

struct Rewritten {
  std::string sql;
  int parameters = 0;
};

/// ?N -> $N, and a bare ? -> the number after the largest so far (SQLite's
/// rule); quoted text and identifiers are left alone.
Rewritten rewrite_placeholders(std::string_view sql) {
  Rewritten out;
  out.sql.reserve(sql.size() + 8);
  char quote = 0;
  for (size_t n = 0; n < sql.size(); ++n) {
    const char c = sql[n];
    if (quote != 0) {
      if (c == quote) quote = 0;  // a doubled quote closes and reopens: same result
      out.sql += c;
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      out.sql += c;
      continue;
    }
    if (c != '?') {
      out.sql += c;
      continue;
    }
    size_t end = n + 1;
    while (end < sql.size() && sql[end] >= '0' && sql[end] <= '9') ++end;
    int number = out.parameters + 1;
    if (end > n + 1) number = std::stoi(std::string(sql.substr(n + 1, end - n - 1)));
    out.parameters = std::max(out.parameters, number);
    out.sql += fmt::format("${}", number);
    n = end - 1;
  }
  return out;
}

class PostgresDatabase;

class PostgresStatement final : public StatementImpl {
 public:
  PostgresStatement(PostgresDatabase* db, Rewritten sql)
      : db_(db), sql_(std::move(sql.sql)), params_(static_cast<size_t>(sql.parameters)) {}

  void bind_text(int index, std::string_view text) override { param(index) = std::string(text); }
  void bind_integer(int index, int64_t value) override { param(index) = std::to_string(value); }
  void bind_null(int index) override { param(index).reset(); }
  Result<bool> step() override;
  Status reset() override {
    rows_ = pg::Rows();
    ran_ = false;
    row_ = -1;
    for (auto& p : params_) p.reset();
    return Status::OK();
  }
  std::string text(int column) const override { return std::string(rows_.text(row_, column)); }
  int64_t integer(int column) const override { return rows_.integer(row_, column); }
  bool is_null(int column) const override { return rows_.is_null(row_, column); }

 private:
  pg::Param& param(int index) {
    // An index past the statement's placeholders is a bug in the caller's SQL;
    // PostgreSQL then reports the count mismatch.
    if (index > static_cast<int>(params_.size())) params_.resize(static_cast<size_t>(index));
    return params_[static_cast<size_t>(index - 1)];
  }

  PostgresDatabase* db_;
  std::string sql_;
  std::vector<pg::Param> params_;
  pg::Rows rows_;
  bool ran_ = false;
  int row_ = -1;
};

class PostgresDatabase final : public Database {
 public:
  PostgresDatabase(pg::Connection connection, std::string conninfo)
      : connection_(std::move(connection)), conninfo_(std::move(conninfo)) {
    PGconn* c = connection_.handle();
    name_ = fmt::format("PostgreSQL database {} (user {} on {}:{})", PQdb(c), PQuser(c), PQhost(c), PQport(c));
  }
  Dialect dialect() const override { return Dialect::Postgres; }
  Status exec(const char* sql) override {
    const std::string_view statement(sql);
    if (statement == "ROLLBACK" || statement == "COMMIT") {
      in_transaction_ = false;
    } else {
      CLOUDSYNC_RETURN_IF_ERROR(ensure_connected());
      if (statement == "BEGIN") in_transaction_ = true;
    }
    if (statement != "COMMIT") return with_name(connection_.exec(sql));
    // COMMIT of a transaction a failed statement aborted answers ROLLBACK,
    // not an error: say so rather than report writes that never happened.
    CLOUDSYNC_ASSIGN_OR_RETURN(pg::Rows rows, run(sql, {}));
    if (std::string_view(PQcmdStatus(rows.handle())) != "COMMIT") {
      return make_error(ErrorCode::Conflict, "{}: the transaction failed and was rolled back", name_);
    }
    return Status::OK();
  }
  Result<Statement> prepare(std::string_view sql) override {
    return Statement(std::make_unique<PostgresStatement>(this, rewrite_placeholders(sql)));
  }
  int64_t changes() const override { return changes_; }
  const std::string& name() const override { return name_; }

  Result<pg::Rows> run(const std::string& sql, const std::vector<pg::Param>& params) {
    CLOUDSYNC_RETURN_IF_ERROR(ensure_connected());
    auto rows = connection_.query(sql, params);
    if (!rows.ok()) return with_name(rows.status());
    // Like SQLite's changes(): counted for writes only, not for a SELECT.
    if (PQresultStatus(rows->handle()) == PGRES_COMMAND_OK) {
      const char* changed = PQcmdTuples(rows->handle());
      changes_ = changed != nullptr && *changed != '\0' ? std::stoll(changed) : 0;
    }
    return rows;
  }

 private:
  Status with_name(Status s) const { return s.ok() ? s : s.with_context(name_); }

  /// The server restarted or dropped the connection: the statement that
  /// found out failed (Network); the next one outside a transaction
  /// connects again. Inside one it fails too: its transaction is gone.
  Status ensure_connected() {
    if (connection_.ok() || in_transaction_) return Status::OK();
    auto fresh = pg::Connection::open(conninfo_);
    if (!fresh.ok()) return with_name(fresh.status());
    connection_ = std::move(fresh).value();
    return Status::OK();
  }

  pg::Connection connection_;
  std::string conninfo_;  ///< to connect again; may hold a password: never in a message
  bool in_transaction_ = false;
  std::string name_;
  int64_t changes_ = 0;
};

Result<bool> PostgresStatement::step() {
  if (!ran_) {
    CLOUDSYNC_ASSIGN_OR_RETURN(rows_, db_->run(sql_, params_));
    ran_ = true;
    row_ = -1;
  }
  if (row_ < rows_.size()) ++row_;
  return row_ < rows_.size();
}

}  // namespace

Result<std::unique_ptr<Database>> open_postgres(const std::string& conninfo) {
  CLOUDSYNC_ASSIGN_OR_RETURN(pg::Connection connection, pg::Connection::open(conninfo));
  return std::unique_ptr<Database>(std::make_unique<PostgresDatabase>(std::move(connection), conninfo));
}

}  // namespace cloudsync::sql
