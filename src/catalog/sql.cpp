#include "catalog/sql.hpp"

namespace cloudsync::sql {

Status Statement::run() {
  CLOUDSYNC_ASSIGN_OR_RETURN(bool row, step());
  (void)row;
  return reset();
}

Result<Transaction> Transaction::begin(Database& db) {
  CLOUDSYNC_RETURN_IF_ERROR(db.exec(db.dialect() == Dialect::Sqlite ? "BEGIN IMMEDIATE" : "BEGIN"));
  return Transaction(&db);
}

Transaction::~Transaction() {
  if (db_ != nullptr) (void)db_->exec("ROLLBACK");
}

Status Transaction::commit() {
  Database* db = db_;
  db_ = nullptr;
  Status s = db->exec("COMMIT");
  if (!s.ok()) (void)db->exec("ROLLBACK");
  return s;
}

bool is_postgres_conninfo(std::string_view database) {
  // Anything not empty: a URI, or libpq's key=value form (libpq itself says
  // what is wrong with one it cannot read).
  return !database.empty();
}

}  // namespace cloudsync::sql
