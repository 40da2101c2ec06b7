// What only the PostgreSQL source does: the server's JSON, the updated-at
// column's types, schema-qualified tables, passwords kept out of messages,
// a long query cancelled.
#include <chrono>
#include <thread>

#include "record_source_fixtures.hpp"
#include "support/postgres_server.hpp"

using namespace cloudsync;
using namespace cloudsync::test;

TEST_CASE("PostgreSQL source returns the server's JSON of every column", "[records][postgres]") {
  PostgresTables tables;
  tables.run(
      "CREATE TABLE v (id bigint PRIMARY KEY, updated_at timestamptz, t text, b boolean, i integer, f float8, "
      "nan float8, num numeric, j json, jb jsonb, n text, ts timestamp)");
  tables.run(
      "INSERT INTO v VALUES (1, '2026-01-01 10:00:00.123456+00', E'é \"q\" \\\\ \\n\\t\\x01 ✓', true, -42, "
      "1.5, 'NaN', 12.50, '{\"a\": [1, 2]}', '{\"b\": null}', NULL, '2026-01-01 10:00:00')");
  auto source = open_source(tables.spec("v"));
  const ReadAll all = read_all(*source, {.upper = record_time(124)});
  REQUIRE(all.json.size() == 1);
  CHECK(all.keys[0] == RecordKey{"2026-01-01 10:00:00.123456+00", "1"});
  CHECK(all.json[0] ==
        "{\"id\":1,\"updated_at\":\"2026-01-01T10:00:00.123456+00:00\",\"t\":\"é \\\"q\\\" \\\\ \\n\\t\\u0001 ✓\","
        "\"b\":true,\"i\":-42,\"f\":1.5,\"nan\":\"NaN\",\"num\":12.50,\"j\":{\"a\": [1, 2]},\"jb\":{\"b\": null},"
        "\"n\":null,\"ts\":\"2026-01-01T10:00:00\"}");
}

TEST_CASE("PostgreSQL source bounds timestamptz, timestamp and Unix seconds in their own type", "[records][postgres]") {
  PostgresTables tables;
  tables.run("CREATE TABLE tz (id int PRIMARY KEY, updated_at timestamptz)");
  tables.run(
      "INSERT INTO tz VALUES (1, '2026-01-01 10:00:00.123456+00'), (2, '2026-01-01 10:00:00.123457+00'), "
      "(3, '2026-01-01 10:00:00.123457+00')");
  tables.run("CREATE TABLE plain (id int PRIMARY KEY, updated_at timestamp)");
  tables.run(
      "INSERT INTO plain VALUES (1, '2026-01-01 10:00:00.123456'), (2, '2026-01-01 10:00:00.123457'), "
      "(3, '2026-01-01 10:00:00.123457')");
  tables.run("CREATE TABLE unix (id int PRIMARY KEY, updated_at bigint)");
  tables.run("INSERT INTO unix VALUES (1, 1767261600), (2, 1767261601), (3, 1767261601)");
  const TimePoint at_123456 = record_time(123) + std::chrono::microseconds(456);

  for (const std::string table : {"tz", "plain"}) {
    INFO(table);
    auto source = open_source(tables.spec(table));
    CHECK(read_all(*source, {.upper = at_123456 + std::chrono::nanoseconds(999)}).ids() ==
          std::vector<std::string>{"1"});
    const ReadAll all = read_all(*source, {.upper = at_123456 + std::chrono::microseconds(1), .page = 1});
    CHECK(all.ids() == id_range(1, 3));
    CHECK(all.keys[1].updated_at == (table == "tz" ? "2026-01-01 10:00:00.123457+00" : "2026-01-01 10:00:00.123457"));
  }
  auto unix = open_source(tables.spec("unix"));
  CHECK(read_all(*unix, {.upper = record_time(999)}).ids() == std::vector<std::string>{"1"});
  const ReadAll all = read_all(*unix, {.upper = record_time(1000), .page = 1});
  CHECK(all.ids() == id_range(1, 3));
  CHECK(all.keys[1] == RecordKey{"1767261601", "2"});

  tables.run("CREATE TABLE texts (id int PRIMARY KEY, updated_at text)");
  REQUIRE_CODE(open_record_source(tables.spec("texts")), ErrorCode::InvalidArgument);
}

TEST_CASE("PostgreSQL source reads a schema-qualified table", "[records][postgres]") {
  PostgresTables tables;
  tables.run("CREATE SCHEMA sales; CREATE TABLE sales.orders (id bigint PRIMARY KEY, updated_at timestamptz)");
  tables.run("INSERT INTO sales.orders VALUES (2, " + tables.literal(record_time(0)) + "), (1, " +
             tables.literal(record_time(0)) + ")");
  auto source = open_source(tables.spec("sales.orders"));
  CHECK(read_all(*source, {.upper = record_time(0), .page = 1}).ids() == id_range(1, 2));
}

TEST_CASE("PostgreSQL source keeps a wrong password out of its message", "[records][postgres]") {
  PostgresTables tables;
  tables.run("CREATE TABLE t (id int PRIMARY KEY, updated_at timestamptz)");
  const PostgresServer& server = PostgresServer::shared();
  for (const std::string& conninfo :
       {server.conninfo("postgres", false) + " password=Wrong-Secret-7731",
        "postgresql://cloudsync:Wrong-Secret-7731@127.0.0.1:" + std::to_string(server.port()) + "/postgres"}) {
    SourceSpec spec = tables.spec("t");
    spec.database = conninfo;
    auto source = open_record_source(spec);
    REQUIRE_CODE(source, ErrorCode::Unauthenticated);
    CHECK_THAT(source.status().to_string(), !Catch::Contains("Wrong-Secret-7731"));
  }
}

TEST_CASE("PostgreSQL source cancels a running page query", "[records][postgres]") {
  PostgresTables tables;
  tables.run("CREATE TABLE t (id int PRIMARY KEY, updated_at timestamptz)");
  tables.run("INSERT INTO t VALUES (1, " + tables.literal(record_time(0)) + ")");
  tables.run("CREATE VIEW slow AS SELECT t.* FROM t CROSS JOIN pg_sleep(30)");
  auto source = open_source(tables.spec("slow"));
  CancelToken cancel;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
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

TEST_CASE("PostgreSQL source connects again after losing its connection", "[records][postgres]") {
  PostgresTables tables;
  tables.run("CREATE TABLE t (id int PRIMARY KEY, updated_at timestamptz)");
  tables.run("INSERT INTO t VALUES (1, " + tables.literal(record_time(0)) + "), (2, " + tables.literal(record_time(0)) +
             ")");
  auto source = open_source(tables.spec("t"));
  CHECK(read_all(*source, {.upper = record_time(0)}).ids() == id_range(1, 2));

  tables.run(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
      "WHERE datname = current_database() AND pid <> pg_backend_pid()");
  RecordPageRequest request;
  request.upper = record_time(0);
  const auto ignore = [](const RecordView&) { return Status::OK(); };
  auto lost = source->read_page(request, ignore, nullptr);
  REQUIRE_FALSE(lost.ok());
  CHECK(error_code_is_transient(lost.status().code()));
  CHECK(read_all(*source, {.upper = record_time(0)}).ids() == id_range(1, 2));  // the caller's retry
}

TEST_CASE("PostgreSQL source connects with a URI conninfo", "[records][postgres]") {
  PostgresTables tables;
  tables.run("CREATE TABLE t (id int PRIMARY KEY, updated_at timestamptz)");
  tables.run("INSERT INTO t VALUES (1, " + tables.literal(record_time(0)) + ")");
  const std::string& info = tables.conninfo();
  const size_t dbname = info.find("dbname=") + 7;
  const std::string database = info.substr(dbname, info.find(' ', dbname) - dbname);
  const PostgresServer& server = PostgresServer::shared();
  SourceSpec spec = tables.spec("t");
  for (const std::string query : {"", "?sslmode=disable"}) {
    spec.database = "postgresql://cloudsync:" + server.password() + "@127.0.0.1:" + std::to_string(server.port()) +
                    "/" + database + query;
    auto source = open_source(spec);
    CHECK(read_all(*source, {.upper = record_time(0)}).ids() == std::vector<std::string>{"1"});
  }
}
