// sql::Database over the SQLite layer: a forwarding shell, so that SQLite
// behaves exactly as it does through sqlite:: directly.
#include "catalog/sql.hpp"
#include "catalog/sqlite.hpp"

namespace cloudsync::sql {
namespace {

class SqliteStatement final : public StatementImpl {
 public:
  explicit SqliteStatement(sqlite::Statement st) : st_(std::move(st)) {}
  void bind_text(int index, std::string_view text) override { st_.bind(index, text); }
  void bind_integer(int index, int64_t value) override { st_.bind(index, value); }
  void bind_null(int index) override { st_.bind_null(index); }
  Result<bool> step() override { return st_.step(); }
  Status reset() override { return st_.reset(); }
  std::string text(int column) const override { return st_.text(column); }
  int64_t integer(int column) const override { return st_.integer(column); }
  bool is_null(int column) const override { return st_.is_null(column); }

 private:
  sqlite::Statement st_;
};

class SqliteDatabase final : public Database {
 public:
  explicit SqliteDatabase(sqlite::Database db) : db_(std::move(db)), name_(db_.file().string()) {}
  Dialect dialect() const override { return Dialect::Sqlite; }
  Status exec(const char* sql) override { return db_.exec(sql); }
  Result<Statement> prepare(std::string_view sql) override {
    CLOUDSYNC_ASSIGN_OR_RETURN(sqlite::Statement st, db_.prepare(sql));
    return Statement(std::make_unique<SqliteStatement>(std::move(st)));
  }
  int64_t changes() const override { return db_.changes(); }
  const std::string& name() const override { return name_; }

 private:
  // Statements keep a pointer to db_: this object is never moved (it lives
  // behind a unique_ptr).
  sqlite::Database db_;
  std::string name_;
};

}  // namespace

std::unique_ptr<Database> sqlite_database(sqlite::Database db) {
  return std::make_unique<SqliteDatabase>(std::move(db));
}

}  // namespace cloudsync::sql
