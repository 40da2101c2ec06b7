// Tables for the record-source tests: the same contract checks run on a
// SQLite file and on a PostgreSQL database (TEMPLATE_TEST_CASE over the two
// fixtures), so each check is written once.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cloudsync/records.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {

/// 2026-01-01 10:00:00 UTC, the tests' reference time.
TimePoint record_time(int64_t millis_after = 0);

/// A SQLite file in a temporary directory (WAL, like an application's).
class SqliteTables {
 public:
  SqliteTables();
  void run(const std::string& sql);
  SourceSpec spec(const std::string& table) const;
  std::string timestamp_type() const { return "TEXT"; }
  /// updated_at as the column stores it: datetime()'s form, to the millisecond.
  std::string literal(TimePoint t) const;
  const std::filesystem::path& file() const { return file_; }

 private:
  TempDir dir_;
  std::filesystem::path file_;
};

/// A fresh database on the process's PostgreSQL server.
class PostgresTables {
 public:
  PostgresTables();
  void run(const std::string& sql);
  SourceSpec spec(const std::string& table) const;
  std::string timestamp_type() const { return "timestamptz"; }
  std::string literal(TimePoint t) const;
  const std::string& conninfo() const { return conninfo_; }

 private:
  std::string conninfo_;
};

/// Everything a source gave, page after page.
struct ReadAll {
  std::vector<RecordKey> keys;
  std::vector<std::string> json;
  size_t pages = 0;
  /// The ids, as JSON.
  std::vector<std::string> ids() const;
};

struct ReadAllOptions {
  TimePoint upper{};
  size_t page = 7;
  std::optional<RecordKey> after = std::nullopt;
  bool ids_as_strings = false;
  bool deletions = false;
};

/// Reads until a page comes back short (REQUIRE-ing each page to succeed and
/// to hold at most `page` records).
ReadAll read_all(RecordSource& source, const ReadAllOptions& options);

/// Opens a source, REQUIRE-ing success.
std::unique_ptr<RecordSource> open_source(const SourceSpec& spec);

/// "1", "2", ... "n" as JSON ids from `first`.
std::vector<std::string> id_range(int64_t first, int64_t last);

}  // namespace cloudsync::test
