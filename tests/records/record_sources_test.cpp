// The RecordSource contract, checked on both built-in sources (SQLite and
// PostgreSQL): keyset order and ties across pages, bounds, NULL updated_at,
// delete feeds, ids, names, errors, a writer between pages, cancellation.
#include <rapidjson/document.h>

#include <thread>

#include "catalog/postgres.hpp"
#include "record_source_fixtures.hpp"

using namespace cloudsync;
using namespace cloudsync::test;

namespace {

/// "INSERT INTO table VALUES (id, updated_at, 'n<id>'), ..." for ids first..last.
template <class Tables>
void insert_items(Tables& tables, const std::string& table, int64_t first, int64_t last, TimePoint updated_at) {
  std::string sql = "INSERT INTO " + table + " VALUES ";
  for (int64_t id = first; id <= last; ++id) {
    if (id != first) sql += ", ";
    sql += "(" + std::to_string(id) + ", " + tables.literal(updated_at) + ", 'n" + std::to_string(id) + "')";
  }
  tables.run(sql);
}

template <class Tables>
void create_items(Tables& tables, const std::string& table = "items", const std::string& id_type = "BIGINT") {
  tables.run("CREATE TABLE " + table + " (id " + id_type + " PRIMARY KEY, updated_at " + tables.timestamp_type() +
             ", note TEXT)");
  tables.run("CREATE INDEX " + table + "_keyset ON " + table + " (updated_at, id)");
}

std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

TEMPLATE_TEST_CASE("record sources page through ties on updated_at without losing or repeating a row",
                   "[records][sources]", SqliteTables, PostgresTables) {
  TestType tables;
  create_items(tables);
  // Inserted out of order: the order comes from the query, not the table.
  insert_items(tables, "items", 1011, 1020, record_time(2000));
  insert_items(tables, "items", 1, 1000, record_time(1000));
  insert_items(tables, "items", 1001, 1010, record_time(0));
  auto source = open_source(tables.spec("items"));

  const ReadAll all = read_all(*source, {.upper = record_time(10'000), .page = 7});
  CHECK(all.ids() == concat(concat(id_range(1001, 1010), id_range(1, 1000)), id_range(1011, 1020)));
  CHECK(all.pages == 1020 / 7 + 1);
  for (size_t i = 0; i < all.keys.size(); ++i) {
    rapidjson::Document row;
    row.Parse(all.json[i].c_str());
    REQUIRE(row.IsObject());
    CHECK(std::to_string(row["id"].GetInt64()) == all.keys[i].id);
    CHECK(row["note"].GetString() == "n" + all.keys[i].id);
  }
}

TEMPLATE_TEST_CASE("record sources: after is exclusive, upper is inclusive", "[records][sources]", SqliteTables,
                   PostgresTables) {
  TestType tables;
  create_items(tables);
  for (int id = 1; id <= 10; ++id) insert_items(tables, "items", id, id, record_time(id));
  auto source = open_source(tables.spec("items"));

  CHECK(read_all(*source, {.upper = record_time(5)}).ids() == id_range(1, 5));
  CHECK(read_all(*source, {.upper = record_time(5) - std::chrono::nanoseconds(1)}).ids() == id_range(1, 4));
  CHECK(read_all(*source, {.upper = record_time(5) + std::chrono::microseconds(999)}).ids() == id_range(1, 5));
  CHECK(read_all(*source, {.upper = record_time(-1)}).keys.empty());

  const ReadAll first_two = read_all(*source, {.upper = record_time(2)});
  REQUIRE(first_two.keys.size() == 2);
  CHECK(read_all(*source, {.upper = record_time(5), .after = first_two.keys[1]}).ids() == id_range(3, 5));
  const ReadAll five = read_all(*source, {.upper = record_time(5)});
  CHECK(read_all(*source, {.upper = record_time(5), .after = five.keys.back()}).keys.empty());
  // A page of exactly the rows left, then an empty one.
  CHECK(read_all(*source, {.upper = record_time(5), .page = 5}).pages == 2);
}

TEMPLATE_TEST_CASE("record sources never export rows whose updated_at is NULL", "[records][sources]", SqliteTables,
                   PostgresTables) {
  TestType tables;
  create_items(tables);
  insert_items(tables, "items", 1, 1, record_time(0));
  tables.run("INSERT INTO items VALUES (2, NULL, 'no time')");
  insert_items(tables, "items", 3, 3, record_time(1));
  auto source = open_source(tables.spec("items"));
  CHECK(read_all(*source, {.upper = record_time(100), .page = 1}).ids() == std::vector<std::string>{"1", "3"});
}

TEMPLATE_TEST_CASE("record sources read a delete feed in the same order", "[records][sources]", SqliteTables,
                   PostgresTables) {
  TestType tables;
  create_items(tables);
  insert_items(tables, "items", 1, 3, record_time(0));
  tables.run("CREATE TABLE items_deleted (id BIGINT, deleted_at " + tables.timestamp_type() + ")");
  tables.run("INSERT INTO items_deleted VALUES (9, " + tables.literal(record_time(5)) + "), (7, " +
             tables.literal(record_time(5)) + "), (8, " + tables.literal(record_time(1)) + "), (6, " +
             tables.literal(record_time(50)) + ")");

  auto plain = open_source(tables.spec("items"));
  CHECK_FALSE(plain->has_deletions());
  CHECK(read_all(*plain, {.upper = record_time(100), .deletions = true}).keys.empty());

  SourceSpec spec = tables.spec("items");
  spec.deletes_table = "items_deleted";
  auto source = open_source(spec);
  CHECK(source->has_deletions());
  const ReadAll deleted = read_all(*source, {.upper = record_time(10), .page = 1, .deletions = true});
  CHECK(deleted.ids() == std::vector<std::string>{"8", "7", "9"});
  for (const auto& json : deleted.json) CHECK(json.empty());
  CHECK(read_all(*source, {.upper = record_time(10), .page = 2}).ids() == id_range(1, 3));

  spec.deletes_table = "no_such_feed";
  auto missing = open_record_source(spec);
  REQUIRE_CODE(missing, ErrorCode::NotFound);
  CHECK_THAT(missing.status().message(), Catch::Contains("no_such_feed"));
}

TEMPLATE_TEST_CASE("record sources name a missing table or column", "[records][sources]", SqliteTables,
                   PostgresTables) {
  TestType tables;
  create_items(tables);
  auto table = open_record_source(tables.spec("no_such_table"));
  REQUIRE_CODE(table, ErrorCode::NotFound);
  CHECK_THAT(table.status().message(), Catch::Contains("no_such_table"));

  SourceSpec spec = tables.spec("items");
  spec.updated_column = "no_such_column";
  auto column = open_record_source(spec);
  REQUIRE_CODE(column, ErrorCode::NotFound);
  CHECK_THAT(column.status().message(), Catch::Contains("no_such_column"));

  spec = tables.spec("items");
  spec.id_column = "";
  REQUIRE_CODE(open_record_source(spec), ErrorCode::InvalidArgument);
  spec = tables.spec("items");
  spec.kind = SourceSpec::Kind::Registered;
  REQUIRE_CODE(open_record_source(spec), ErrorCode::InvalidArgument);
}

TEMPLATE_TEST_CASE("record sources quote hostile table and column names", "[records][sources]", SqliteTables,
                   PostgresTables) {
  TestType tables;
  const std::string table = "x\"; DROP TABLE victim; --", id = "i\"d", updated = "up dated", note = "n\"ote";
  tables.run("CREATE TABLE victim (v INTEGER)");
  tables.run("CREATE TABLE " + pg::quote_identifier(table) + " (" + pg::quote_identifier(id) + " BIGINT, " +
             pg::quote_identifier(updated) + " " + tables.timestamp_type() + ", " + pg::quote_identifier(note) +
             " TEXT)");
  insert_items(tables, pg::quote_identifier(table), 1, 3, record_time(0));
  SourceSpec spec = tables.spec(table);
  spec.id_column = id;
  spec.updated_column = updated;
  auto source = open_source(spec);
  const ReadAll all = read_all(*source, {.upper = record_time(0), .page = 2});
  CHECK(all.ids() == id_range(1, 3));
  rapidjson::Document row;
  row.Parse(all.json[0].c_str());
  REQUIRE(row.IsObject());
  CHECK(row[id.c_str()].GetInt64() == 1);
  CHECK(std::string(row[note.c_str()].GetString()) == "n1");
  tables.run("SELECT v FROM victim");  // still there
}

TEMPLATE_TEST_CASE("record sources page through text ids", "[records][sources]", SqliteTables, PostgresTables) {
  TestType tables;
  create_items(tables, "items", "TEXT");
  tables.run("INSERT INTO items VALUES ('b\"2', " + tables.literal(record_time(0)) + ", 'x'), ('a1', " +
             tables.literal(record_time(0)) + ", 'y'), ('c3', " + tables.literal(record_time(0)) + ", 'z')");
  auto source = open_source(tables.spec("items"));
  const ReadAll all = read_all(*source, {.upper = record_time(0), .page = 1});
  CHECK(all.ids() == std::vector<std::string>{"\"a1\"", "\"b\\\"2\"", "\"c3\""});
}

TEMPLATE_TEST_CASE("record sources write ids above 2^53 as strings when asked", "[records][sources]", SqliteTables,
                   PostgresTables) {
  TestType tables;
  create_items(tables);
  insert_items(tables, "items", 9007199254740993, 9007199254740995, record_time(0));
  insert_items(tables, "items", 9007199254740992, 9007199254740992, record_time(0));
  auto source = open_source(tables.spec("items"));

  const ReadAll strings = read_all(*source, {.upper = record_time(0), .page = 1, .ids_as_strings = true});
  REQUIRE(strings.ids() == std::vector<std::string>{"\"9007199254740992\"", "\"9007199254740993\"",
                                                    "\"9007199254740994\"", "\"9007199254740995\""});
  CHECK_THAT(strings.json[1], Catch::Contains("\"id\":\"9007199254740993\""));

  const ReadAll numbers = read_all(*source, {.upper = record_time(0), .page = 3});
  CHECK(numbers.ids() == id_range(9007199254740992, 9007199254740995));
  CHECK_THAT(numbers.json[1], Catch::Contains("\"id\":9007199254740993"));
  // A cursor written one way reads back the other way.
  CHECK(read_all(*source, {.upper = record_time(0), .after = strings.keys[1]}).ids() ==
        id_range(9007199254740994, 9007199254740995));
}

TEMPLATE_TEST_CASE("record sources see rows a writer commits between pages", "[records][sources]", SqliteTables,
                   PostgresTables) {
  TestType tables;
  create_items(tables);
  for (int id = 1; id <= 10; ++id) insert_items(tables, "items", id, id, record_time(id));
  auto source = open_source(tables.spec("items"));
  RecordPageRequest request;
  request.upper = record_time(100);
  request.max_records = 4;
  ReadAll first;
  auto n = source->read_page(
      request,
      [&](const RecordView& record) {
        first.keys.push_back({std::string(record.updated_at), std::string(record.id)});
        return Status::OK();
      },
      nullptr);
  REQUIRE_OK(n);
  REQUIRE(first.ids() == id_range(1, 4));

  insert_items(tables, "items", 11, 11, record_time(50));   // after the cursor, within the bound: found
  insert_items(tables, "items", 12, 12, record_time(200));  // beyond the bound: not in this window
  insert_items(tables, "items", 13, 13, record_time(2));    // behind the cursor: the next window's lag finds it
  const ReadAll rest = read_all(*source, {.upper = record_time(100), .page = 4, .after = first.keys.back()});
  CHECK(rest.ids() == concat(id_range(5, 10), {"11"}));
}

TEMPLATE_TEST_CASE("record sources stop on a cancel token and on a visitor's error", "[records][sources]", SqliteTables,
                   PostgresTables) {
  TestType tables;
  create_items(tables);
  insert_items(tables, "items", 1, 5, record_time(0));
  auto source = open_source(tables.spec("items"));
  RecordPageRequest request;
  request.upper = record_time(0);
  size_t visited = 0;
  CancelToken cancel;
  cancel.cancel();
  const auto count = [&](const RecordView&) {
    ++visited;
    return visited == 2 ? Status(ErrorCode::LimitExceeded, "enough") : Status::OK();
  };
  REQUIRE_CODE(source->read_page(request, count, &cancel), ErrorCode::Cancelled);
  CHECK(visited == 0);
  REQUIRE_CODE(source->read_page(request, count, nullptr), ErrorCode::LimitExceeded);
  CHECK(visited == 2);
}
