// What only the SQLite source does: storage classes in JSON, the three
// updated_at formats, the file opened read-only.
#include <chrono>
#include <filesystem>
#include <thread>

#include "record_source_fixtures.hpp"

using namespace cloudsync;
using namespace cloudsync::test;

TEST_CASE("SQLite source writes every storage class as JSON", "[records][sqlite]") {
  SqliteTables tables;
  tables.run(
      "CREATE TABLE v (id INTEGER PRIMARY KEY, updated_at TEXT, i INTEGER, r REAL, inf REAL, t TEXT, b BLOB, n TEXT, "
      "bad TEXT, big INTEGER)");
  tables.run(
      "INSERT INTO v VALUES (1, '2026-01-01 10:00:00', -42, 1.5, 1e999, 'é \"q\" \\ ' || char(10) || char(9) || "
      "char(1) || ' ✓', x'00ff10', NULL, CAST(x'66ff' AS TEXT), 9223372036854775807)");
  auto source = open_source(tables.spec("v"));
  const ReadAll all = read_all(*source, {.upper = record_time(0)});
  REQUIRE(all.json.size() == 1);
  CHECK(all.keys[0] == RecordKey{"2026-01-01 10:00:00", "1"});
  CHECK(all.json[0] ==
        "{\"id\":1,\"updated_at\":\"2026-01-01 10:00:00\",\"i\":-42,\"r\":1.5,\"inf\":null,"
        "\"t\":\"é \\\"q\\\" \\\\ \\n\\t\\u0001 ✓\",\"b\":\"AP8Q\",\"n\":null,\"bad\":\"f\xEF\xBF\xBD\","
        "\"big\":9223372036854775807}");
}

TEST_CASE("SQLite source compares datetime() text to the bound whatever its fraction digits", "[records][sqlite]") {
  SqliteTables tables;
  tables.run("CREATE TABLE t (id INTEGER PRIMARY KEY, updated_at TEXT)");
  tables.run(
      "INSERT INTO t VALUES (1, '2026-01-01 10:00:00'), (2, '2026-01-01 10:00:00.5'), "
      "(3, '2026-01-01 10:00:00.500'), (4, '2026-01-01 10:00:00.5001'), (5, '2026-01-01 10:00:01')");
  auto source = open_source(tables.spec("t"));
  CHECK(read_all(*source, {.upper = record_time(0)}).ids() == std::vector<std::string>{"1"});
  CHECK(read_all(*source, {.upper = record_time(499)}).ids() == std::vector<std::string>{"1"});
  CHECK(read_all(*source, {.upper = record_time(500)}).ids() == std::vector<std::string>{"1", "2", "3"});
  const ReadAll all = read_all(*source, {.upper = record_time(1000), .page = 1});
  CHECK(all.ids() == id_range(1, 5));
  CHECK(all.keys[3].updated_at == "2026-01-01 10:00:00.5001");  // as stored
}

TEST_CASE("SQLite source reads Unix seconds and milliseconds", "[records][sqlite]") {
  SqliteTables tables;
  tables.run("CREATE TABLE s (id INTEGER PRIMARY KEY, updated_at INTEGER)");
  tables.run("INSERT INTO s VALUES (1, 1767261600), (2, 1767261601), (3, 1767261601), (4, 1767261602)");
  tables.run("CREATE TABLE ms (id INTEGER PRIMARY KEY, updated_at INTEGER)");
  tables.run("INSERT INTO ms VALUES (1, 1767261600000), (2, 1767261600001), (3, 1767261600001), (4, 1767261600002)");

  SourceSpec spec = tables.spec("s");
  spec.updated_format = "unix_seconds";
  auto seconds = open_source(spec);
  const ReadAll s = read_all(*seconds, {.upper = record_time(1999), .page = 1});
  CHECK(s.ids() == id_range(1, 3));
  CHECK(s.keys[1] == RecordKey{"1767261601", "2"});

  spec = tables.spec("ms");
  spec.updated_format = "unix_millis";
  auto millis = open_source(spec);
  const ReadAll ms = read_all(*millis, {.upper = record_time(1) + std::chrono::microseconds(999), .page = 1});
  CHECK(ms.ids() == id_range(1, 3));
  CHECK(ms.keys[2] == RecordKey{"1767261600001", "3"});

  spec.updated_format = "iso8601";
  REQUIRE_CODE(open_record_source(spec), ErrorCode::InvalidArgument);
}

TEST_CASE("SQLite source opens the file read-only", "[records][sqlite]") {
  SqliteTables tables;
  SourceSpec spec = tables.spec("t");
  REQUIRE_CODE(open_record_source(spec), ErrorCode::NotFound);
  CHECK_FALSE(std::filesystem::exists(tables.file()));  // never created

  tables.run("CREATE TABLE t (id INTEGER PRIMARY KEY, updated_at TEXT)");
  tables.run("INSERT INTO t VALUES (1, '2026-01-01 10:00:00')");
  const auto size = std::filesystem::file_size(tables.file());
  auto source = open_source(spec);
  CHECK(read_all(*source, {.upper = record_time(0)}).ids() == std::vector<std::string>{"1"});
  CHECK(std::filesystem::file_size(tables.file()) == size);
}

TEST_CASE("SQLite source names a column added between pages", "[records][sqlite]") {
  SqliteTables tables;
  tables.run("CREATE TABLE t (id INTEGER PRIMARY KEY, updated_at TEXT)");
  tables.run("INSERT INTO t VALUES (1, '2026-01-01 10:00:00'), (2, '2026-01-01 10:00:00')");
  auto source = open_source(tables.spec("t"));
  const ReadAll first = read_all(*source, {.upper = record_time(0), .page = 2});
  CHECK(first.json[0] == "{\"id\":1,\"updated_at\":\"2026-01-01 10:00:00\"}");
  tables.run("ALTER TABLE t ADD COLUMN extra TEXT DEFAULT 'x'");
  const ReadAll again = read_all(*source, {.upper = record_time(0), .page = 2});
  CHECK(again.json[1] == "{\"id\":2,\"updated_at\":\"2026-01-01 10:00:00\",\"extra\":\"x\"}");
}

TEST_CASE("SQLite source cancels a long page", "[records][sqlite]") {
  SqliteTables tables;
  // A view whose page sorts twenty million generated rows: seconds of work (the
  // sorter keeps only the page, so memory stays small either way).
  tables.run(
      "CREATE VIEW slow AS WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 20000000) "
      "SELECT x AS id, '2026-01-01 10:00:00' AS updated_at FROM n");
  auto source = open_source(tables.spec("slow"));
  CancelToken cancel;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    cancel.cancel();
  });
  const auto started = std::chrono::steady_clock::now();
  RecordPageRequest request;
  request.upper = record_time(0);
  auto n = source->read_page(
      request, [](const RecordView&) { return Status::OK(); }, &cancel);
  canceller.join();
  REQUIRE_CODE(n, ErrorCode::Cancelled);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(10));
}
