// The catalog's SQL, whichever database runs it: a database connection,
// prepared statements and write transactions with the names and meaning of
// the SQLite layer (catalog/sqlite.hpp), so that code written against
// sqlite:: runs on either database by changing the type.
//
// Two implementations: SQLite (sql_sqlite.cpp, over catalog/sqlite.hpp) and
// PostgreSQL (sql_postgres.cpp, over catalog/postgres.hpp). Statements use
// SQLite's placeholders, ?N and bare ? (numbered after the largest ?N before
// it); the PostgreSQL side rewrites them to $N and sends every value as text.
// What differs between the two is asked of dialect(): the schema's version
// and locking, and the row locks only PostgreSQL needs (lock_clause()).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cloudsync/status.hpp"

namespace cloudsync::sqlite {
class Database;
}  // namespace cloudsync::sqlite

namespace cloudsync::sql {

enum class Dialect { Sqlite, Postgres };

/// One implementation's prepared statement (Statement forwards to it).
class StatementImpl {
 public:
  virtual ~StatementImpl() = default;
  virtual void bind_text(int index, std::string_view text) = 0;
  virtual void bind_integer(int index, int64_t value) = 0;
  virtual void bind_null(int index) = 0;
  virtual Result<bool> step() = 0;
  /// Back to before the first step, with no parameters bound.
  virtual Status reset() = 0;
  virtual std::string text(int column) const = 0;
  virtual int64_t integer(int column) const = 0;
  virtual bool is_null(int column) const = 0;
};

/// A prepared statement; bind parameters by index (1-based), step, read columns.
class Statement {
 public:
  Statement() = default;
  explicit Statement(std::unique_ptr<StatementImpl> impl) : impl_(std::move(impl)) {}

  Statement& bind(int index, std::string_view text) {
    impl_->bind_text(index, text);
    return *this;
  }
  Statement& bind(int index, int64_t value) {
    impl_->bind_integer(index, value);
    return *this;
  }
  Statement& bind(int index, std::optional<int64_t> value) { return value ? bind(index, *value) : bind_null(index); }
  Statement& bind_null(int index) {
    impl_->bind_null(index);
    return *this;
  }
  /// True while there is a row; false when done; an error otherwise.
  Result<bool> step() { return impl_->step(); }
  /// Runs to completion (an INSERT, UPDATE or DELETE).
  Status run();
  Status reset() { return impl_->reset(); }

  std::string text(int column) const { return impl_->text(column); }
  int64_t integer(int column) const { return impl_->integer(column); }
  bool is_null(int column) const { return impl_->is_null(column); }

 private:
  std::unique_ptr<StatementImpl> impl_;
};

/// A connection to the catalog's database. Not thread-safe: its owner
/// serialises its threads (the store's mutex).
class Database {
 public:
  virtual ~Database() = default;

  virtual Dialect dialect() const = 0;
  /// Runs statements without parameters (several may be separated by ';').
  virtual Status exec(const char* sql) = 0;
  virtual Result<Statement> prepare(std::string_view sql) = 0;
  /// Rows the last INSERT, UPDATE or DELETE changed.
  virtual int64_t changes() const = 0;
  /// Names the database in messages: the SQLite file, or PostgreSQL's
  /// database, user and host (never a password).
  virtual const std::string& name() const = 0;

  /// What a SELECT that reads rows it then changes (but not their keys) ends
  /// with: " FOR NO KEY UPDATE" on PostgreSQL, where other servers write at
  /// the same time (it does not hold back rows inserted elsewhere that refer
  /// to the locked one, as FOR UPDATE would); nothing on SQLite, whose write
  /// transactions already hold the whole database.
  std::string_view lock_clause() const { return dialect() == Dialect::Postgres ? " FOR NO KEY UPDATE" : ""; }
};

/// A write transaction; rolled back unless committed. On SQLite BEGIN
/// IMMEDIATE (the write lock up front, so two writers never deadlock
/// upgrading a read); on PostgreSQL BEGIN (READ COMMITTED): what a statement
/// reads and then changes is guarded by row locks, unique constraints or one
/// atomic statement, as each caller says.
class Transaction {
 public:
  static Result<Transaction> begin(Database& db);
  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  Status commit();

 private:
  explicit Transaction(Database* db) : db_(db) {}
  Database* db_;
};

/// A SQLite database as a sql::Database.
std::unique_ptr<Database> sqlite_database(sqlite::Database db);

/// Connects to PostgreSQL (a libpq conninfo or a postgresql:// URI).
Result<std::unique_ptr<Database>> open_postgres(const std::string& conninfo);

/// True for a CatalogOptions::database that names PostgreSQL (a URI or a
/// conninfo); false for empty (SQLite in the state directory).
bool is_postgres_conninfo(std::string_view database);

}  // namespace cloudsync::sql
