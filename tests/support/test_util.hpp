// Helpers shared by the test suites.
#pragma once

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "cloudsync/backend.hpp"
#include "cloudsync/path.hpp"
#include "cloudsync/status.hpp"
#include "cloudsync/types.hpp"

namespace cloudsync {
struct OperationResult;
}

namespace cloudsync::test {

/// A fresh directory under the system temp dir, removed when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& rel) const { return path_ / rel; }

 private:
  std::filesystem::path path_;
};

void write_file(const std::filesystem::path& file, const std::string& content);
std::string read_file(const std::filesystem::path& file);
/// Deterministic pseudo-random bytes.
std::string random_bytes(size_t n, uint32_t seed = 1);
/// A context without cancellation, for calls that need one.
inline const OpContext kCtx{};
/// A remote path the test knows to be valid (REQUIREs it).
Path P(std::string_view text);

/// How many of an operation's actions were done (OutcomeKind::Done).
size_t done_count(const OperationResult& result);

/// The whole content of the object at `key` (fails the calling test if it cannot be read).
std::string read_object(StorageBackend& backend, std::string_view key);
/// Every hash kind of `data`, as lower-case hex.
HashSet hashes_of(std::string_view data);
/// A file's mtime, to the nanosecond (REQUIREs that it exists).
TimePoint file_mtime(const std::filesystem::path& file);
/// Sets a file's access and modification times to `when`.
void set_file_mtime(const std::filesystem::path& file, TimePoint when);
/// Every regular file below `root`, relative, sorted (including hidden ones).
std::vector<std::string> list_tree(const std::filesystem::path& root);
/// Runs SQL on a catalog database behind the library's back (a tampered or
/// corrupted catalog); REQUIREs it to succeed.
void run_catalog_sql(const std::filesystem::path& database, const std::string& sql);
/// The first row's first column of a query on a catalog database, as text.
std::string query_catalog_sql(const std::filesystem::path& database, const std::string& sql);

}  // namespace cloudsync::test

/// REQUIRE that a Status/Result is OK, printing the error when it is not.
#define REQUIRE_OK(expr)                                                           \
  do {                                                                             \
    ::cloudsync::Status require_ok_status_ = ::cloudsync::detail::status_of(expr); \
    INFO(require_ok_status_.to_string());                                          \
    REQUIRE(require_ok_status_.ok());                                              \
  } while (0)

/// REQUIRE that a Status/Result failed with the given ErrorCode.
#define REQUIRE_CODE(expr, expected_code)                                            \
  do {                                                                               \
    ::cloudsync::Status require_code_status_ = ::cloudsync::detail::status_of(expr); \
    INFO(require_code_status_.to_string());                                          \
    REQUIRE(require_code_status_.code() == (expected_code));                         \
  } while (0)
