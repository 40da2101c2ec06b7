// A thin RAII layer over the SQLite C API: a database, prepared statements,
// and SQLite's result codes turned into Status. The catalog uses it through
// catalog/sql.hpp (which adds write transactions, on either database).
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "cloudsync/status.hpp"

namespace cloudsync::sqlite {

class Statement;

class Database {
 public:
  /// Opens (creating 0600) a database file in WAL mode with foreign keys on;
  /// a writer waits up to `busy_timeout` for another connection's transaction.
  static Result<Database> open(const std::filesystem::path& file, std::chrono::milliseconds busy_timeout);
  Database() = default;
  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  ~Database();

  Status exec(const char* sql);
  Result<Statement> prepare(std::string_view sql);
  int64_t changes() const;
  /// The Status for SQLite's last error on this connection, saying what was being done.
  Status error(int rc, std::string_view doing) const;
  sqlite3* handle() const { return db_; }
  const std::filesystem::path& file() const { return file_; }

 private:
  sqlite3* db_ = nullptr;
  std::filesystem::path file_;
};

/// A prepared statement; bind parameters by index (1-based), step, read columns.
class Statement {
 public:
  Statement() = default;
  Statement(Database* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  ~Statement();

  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, int64_t value);
  Statement& bind(int index, std::optional<int64_t> value);
  Statement& bind_null(int index);
  /// True while there is a row; false when done; an error otherwise.
  Result<bool> step();
  /// Runs to completion (an INSERT, UPDATE or DELETE).
  Status run();
  Status reset();

  std::string text(int column) const;
  int64_t integer(int column) const;
  bool is_null(int column) const;

 private:
  Database* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace cloudsync::sqlite
