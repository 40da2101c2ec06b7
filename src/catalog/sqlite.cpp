#include "catalog/sqlite.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include "core/error.hpp"

namespace cloudsync::sqlite {

namespace {

ErrorCode code_for(int rc) {
  if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) return ErrorCode::NotFound;
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return ErrorCode::Timeout;
    case SQLITE_CONSTRAINT: return ErrorCode::AlreadyExists;
    case SQLITE_PERM:
    case SQLITE_READONLY:
    case SQLITE_AUTH: return ErrorCode::PermissionDenied;
    case SQLITE_FULL: return ErrorCode::LimitExceeded;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT: return ErrorCode::Integrity;
    default: return ErrorCode::Internal;
  }
}

}  // namespace

Result<Database> Database::open(const std::filesystem::path& file, std::chrono::milliseconds busy_timeout) {
  // Created 0600 before SQLite opens it: the catalog names buckets and
  // accounts, which is nobody else's business (SQLite gives its -wal and -shm
  // files the database file's mode).
  int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return errno_error(errno, "open catalog database", file);
  ::close(fd);
  Database db;
  db.file_ = file;
  int rc = sqlite3_open_v2(file.c_str(), &db.db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status s = db.db_ != nullptr ? db.error(rc, "open") : Status(code_for(rc), sqlite3_errstr(rc));
    return s;
  }
  sqlite3_extended_result_codes(db.db_, 1);
  sqlite3_busy_timeout(db.db_, static_cast<int>(busy_timeout.count()));
  CLOUDSYNC_RETURN_IF_ERROR(db.exec("PRAGMA foreign_keys = ON"));
  // WAL: readers never wait for the writer, and a kill -9 mid-transaction
  // rolls back on the next open. NORMAL sync in WAL mode survives a process
  // crash; only a power loss can lose the last transactions.
  CLOUDSYNC_ASSIGN_OR_RETURN(Statement wal, db.prepare("PRAGMA journal_mode = WAL"));
  CLOUDSYNC_ASSIGN_OR_RETURN(bool row, wal.step());
  if (!row || wal.text(0) != "wal") {
    return make_error(ErrorCode::Unsupported, "catalog {}: the database cannot use WAL mode (journal mode '{}')",
                      file.string(), row ? wal.text(0) : "");
  }
  wal = Statement();
  CLOUDSYNC_RETURN_IF_ERROR(db.exec("PRAGMA synchronous = NORMAL"));
  return db;
}

Database::Database(Database&& other) noexcept : db_(other.db_), file_(std::move(other.file_)) { other.db_ = nullptr; }

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    if (db_ != nullptr) sqlite3_close_v2(db_);
    db_ = other.db_;
    file_ = std::move(other.file_);
    other.db_ = nullptr;
  }
  return *this;
}

Database::~Database() {
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

Status Database::error(int rc, std::string_view doing) const {
  const char* detail = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
    return make_error(ErrorCode::Timeout, "catalog {}: {}: another process kept the database busy ({})", file_.string(),
                      doing, detail);
  }
  return make_error(code_for(rc), "catalog {}: {}: {}", file_.string(), doing, detail);
}

Status Database::exec(const char* sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
  if (message != nullptr) sqlite3_free(message);
  if (rc != SQLITE_OK) return error(rc, "run statement");
  return Status::OK();
}

Result<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return error(rc, "prepare statement");
  return Statement(this, stmt);
}

int64_t Database::changes() const { return sqlite3_changes64(db_); }

Statement::Statement(Statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_) { other.stmt_ = nullptr; }

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    if (stmt_ != nullptr) sqlite3_finalize(stmt_);
    db_ = other.db_;
    stmt_ = other.stmt_;
    other.stmt_ = nullptr;
  }
  return *this;
}

Statement::~Statement() {
  if (stmt_ != nullptr) sqlite3_finalize(stmt_);
}

Statement& Statement::bind(int index, std::string_view text) {
  sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}

Statement& Statement::bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Statement& Statement::bind(int index, std::optional<int64_t> value) {
  return value ? bind(index, *value) : bind_null(index);
}

Statement& Statement::bind_null(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

Result<bool> Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->error(rc, "step");
}

Status Statement::run() {
  CLOUDSYNC_ASSIGN_OR_RETURN(bool row, step());
  (void)row;
  return reset();
}

Status Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  return Status::OK();
}

std::string Statement::text(int column) const {
  const unsigned char* t = sqlite3_column_text(stmt_, column);
  if (t == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(t), static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

int64_t Statement::integer(int column) const { return sqlite3_column_int64(stmt_, column); }

bool Statement::is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

}  // namespace cloudsync::sqlite
