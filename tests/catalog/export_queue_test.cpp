// The writeback queue of the catalog store on its own: order, every state
// transition of the CatalogStore contract, a crash between claim and settle,
// cascades, the migration from schema version 2 (SQLite), and two stores
// claiming from one database at once. Built twice: on SQLite in the unit
// binary, on PostgreSQL in cloudsync_catalog_postgres_tests.
#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <thread>

#include "catalog/catalog_database.hpp"
#include "catalog/catalog_store.hpp"
#include "core/time.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {

namespace {

namespace fs = std::filesystem;
using Outcome = SettledExport::Outcome;
using namespace std::chrono_literals;

const TimePoint kT0 = from_unix_nanos(1'700'000'000'000'000'000);

struct QueueFixture {
  TempDir dir;
  TestCatalogDatabase database{dir.path()};
  std::unique_ptr<CatalogStore> store = open();
  std::string connection = "c1";

  QueueFixture() {
    Project p{"a1", "project", dir / "project", kT0};
    REQUIRE_OK(store->insert_project(p));
    add_integration("b1", "bucket");
    add_connection(connection);
  }

  std::unique_ptr<CatalogStore> open() const { return database.open_store(); }

  void add_integration(const std::string& id, const std::string& name) {
    Integration i;
    i.id = id;
    i.spec.name = name;
    i.spec.url = "memory://" + name;
    i.spec.type = "memory";
    i.folder = "external-files/memory/" + name;
    i.platform = "Memory";
    i.created_at = i.updated_at = kT0;
    REQUIRE_OK(store->insert_integration(i));
  }

  void add_connection(const std::string& id, const std::string& integration = "b1") {
    Connection c;
    c.id = id;
    c.project_id = "a1";
    c.integration_id = integration;
    c.created_at = kT0;
    REQUIRE_OK(store->insert_connection(c));
  }

  void enqueue(const std::vector<std::string>& paths, TimePoint now = kT0) {
    REQUIRE_OK(store->enqueue_exports(connection, paths, now));
  }

  std::vector<std::string> claim(size_t max, TimePoint now = kT0) {
    auto rows = store->claim_exports(connection, now, max);
    REQUIRE_OK(rows);
    std::vector<std::string> paths;
    for (const QueueRow& r : *rows) {
      REQUIRE(r.state == QueuedState::InFlight);
      paths.push_back(r.path);
    }
    return paths;
  }

  void settle(const SettledExport& s) { REQUIRE_OK(store->settle_exports(connection, {s})); }

  std::vector<QueueRow> rows() const {
    auto r = store->queued_exports(connection);
    REQUIRE_OK(r);
    return *r;
  }

  std::vector<std::string> paths() const {
    std::vector<std::string> out;
    for (const QueueRow& r : rows()) out.push_back(r.path);
    return out;
  }

  QueueRow row(const std::string& path) const {
    for (const QueueRow& r : rows()) {
      if (r.path == path) return r;
    }
    FAIL("no queue row for " << path);
    return {};
  }
};

SettledExport done(const std::string& path) { return SettledExport{Outcome::Done, path, {}, {}, {}, {}, {}}; }

SettledExport retry(const std::string& path, TimePoint at) {
  return SettledExport{Outcome::Retry, path, QueuedState::Failed, at, "Unavailable", "the store is down", ""};
}

SettledExport park(const std::string& path, QueuedState state, std::string sha256 = "") {
  return SettledExport{Outcome::Park, path, state, std::nullopt, "Conflict", "changed remotely", std::move(sha256)};
}

using Paths = std::vector<std::string>;

}  // namespace

TEST_CASE("export queue: paths go out in the order they were queued", "[queue]") {
  QueueFixture f;
  f.enqueue({"a.csv", "b.csv"});
  f.enqueue({"c.csv", "b.csv"}, kT0 + 1s);  // b keeps its place
  REQUIRE(f.paths() == Paths{"a.csv", "b.csv", "c.csv"});
  QueueRow b = f.row("b.csv");
  REQUIRE(b.state == QueuedState::Waiting);
  REQUIRE(b.attempts == 0);
  REQUIRE(b.queued_at == kT0);
  REQUIRE_FALSE(b.retry_at);
  REQUIRE(f.row("c.csv").queued_at == kT0 + 1s);

  REQUIRE(f.claim(2) == Paths{"a.csv", "b.csv"});
  REQUIRE(f.claim(5) == Paths{"c.csv"});
  REQUIRE(f.claim(5).empty());
  REQUIRE(f.claim(0).empty());
}

TEST_CASE("export queue: done removes a row, and a position is never handed out twice", "[queue]") {
  QueueFixture f;
  f.enqueue({"a.csv"});
  REQUIRE(f.claim(1) == Paths{"a.csv"});
  f.settle(done("a.csv"));
  REQUIRE(f.rows().empty());
  f.enqueue({"b.csv"});
  REQUIRE(f.database.query("SELECT position FROM export_queue WHERE path = 'b.csv'") == "2");
  // A settle for a row that is not in flight changes nothing.
  f.settle(done("b.csv"));
  REQUIRE(f.paths() == Paths{"b.csv"});
}

TEST_CASE("export queue: a file written again while in flight goes again, at the tail", "[queue]") {
  QueueFixture f;
  f.enqueue({"a.csv", "b.csv"});
  REQUIRE(f.claim(1) == Paths{"a.csv"});
  f.enqueue({"a.csv"}, kT0 + 5s);
  REQUIRE(f.row("a.csv").state == QueuedState::InFlight);
  REQUIRE(f.row("a.csv").requeued);
  REQUIRE(f.claim(5) == Paths{"b.csv"});  // never claimed twice at once
  f.settle(done("a.csv"));
  REQUIRE(f.paths() == Paths{"b.csv", "a.csv"});
  REQUIRE(f.row("a.csv").state == QueuedState::Waiting);
  REQUIRE_FALSE(f.row("a.csv").requeued);
  REQUIRE(f.claim(5) == Paths{"a.csv"});
  f.settle(done("a.csv"));
  REQUIRE(f.paths() == Paths{"b.csv"});
}

TEST_CASE("export queue: a retry waits for its time and keeps its error", "[queue]") {
  QueueFixture f;
  f.enqueue({"a.csv", "b.csv"});
  REQUIRE(f.claim(1) == Paths{"a.csv"});
  f.enqueue({"a.csv"});  // requeued, but a retry exports the latest content anyway
  f.settle(retry("a.csv", kT0 + 30s));
  QueueRow a = f.row("a.csv");
  REQUIRE(a.state == QueuedState::Failed);
  REQUIRE(a.attempts == 1);
  REQUIRE(a.retry_at == kT0 + 30s);
  REQUIRE_FALSE(a.requeued);
  REQUIRE(a.error_code == "Unavailable");
  REQUIRE(a.error_message == "the store is down");
  REQUIRE(f.paths() == Paths{"a.csv", "b.csv"});  // keeps its place
  auto next = f.store->next_retry(f.connection);
  REQUIRE_OK(next);
  REQUIRE(*next == std::optional<TimePoint>(kT0 + 30s));

  REQUIRE(f.claim(5, kT0 + 29s) == Paths{"b.csv"});
  REQUIRE(f.claim(5, kT0 + 30s) == Paths{"a.csv"});
  f.settle(retry("a.csv", kT0 + 90s));
  REQUIRE(f.row("a.csv").attempts == 2);

  // A flush makes the retry due now, in place, with its attempts.
  REQUIRE_OK(f.store->requeue_exports(f.connection, false, true));
  REQUIRE(f.row("a.csv").state == QueuedState::Waiting);
  REQUIRE(f.row("a.csv").attempts == 2);
  REQUIRE(f.claim(5, kT0) == Paths{"a.csv"});
  next = f.store->next_retry(f.connection);
  REQUIRE_OK(next);
  REQUIRE_FALSE(next->has_value());
}

TEST_CASE("export queue: parked rows are never claimed until queued again or unparked", "[queue]") {
  QueueFixture f;
  f.enqueue({"conflict.csv", "refused.csv", "failed.csv", "late.csv"});
  REQUIRE(f.claim(4).size() == 4);
  f.settle(park("conflict.csv", QueuedState::Conflict, "abc123"));
  f.settle(park("refused.csv", QueuedState::Refused));
  f.settle(park("failed.csv", QueuedState::Failed));
  f.enqueue({"late.csv"});
  f.settle(park("late.csv", QueuedState::Conflict));  // written again meanwhile: goes again

  QueueRow c = f.row("conflict.csv");
  REQUIRE(c.state == QueuedState::Conflict);
  REQUIRE(c.sha256 == "abc123");
  REQUIRE(c.error_message == "changed remotely");
  REQUIRE_FALSE(c.retry_at);
  REQUIRE(f.row("refused.csv").state == QueuedState::Refused);
  REQUIRE(f.row("failed.csv").state == QueuedState::Failed);
  REQUIRE_FALSE(f.row("failed.csv").retry_at);
  REQUIRE(f.row("late.csv").state == QueuedState::Waiting);

  // A flush does not retry a failure for good, and nothing parked is due.
  REQUIRE_OK(f.store->requeue_exports(f.connection, true, true));
  REQUIRE(f.claim(10, kT0 + 1000h) == Paths{"late.csv"});
  auto next = f.store->next_retry(f.connection);
  REQUIRE_OK(next);
  REQUIRE_FALSE(next->has_value());

  // Written again: Waiting at the tail, attempts and error cleared, the
  // conflicting content remembered.
  f.enqueue({"conflict.csv"}, kT0 + 1s);
  c = f.row("conflict.csv");
  REQUIRE(c.state == QueuedState::Waiting);
  REQUIRE(c.attempts == 0);
  REQUIRE(c.error_code.empty());
  REQUIRE(c.error_message.empty());
  REQUIRE(c.sha256 == "abc123");
  REQUIRE(f.paths().back() == "conflict.csv");

  REQUIRE_OK(f.store->unpark_exports(f.connection));
  REQUIRE(f.row("refused.csv").state == QueuedState::Waiting);
  REQUIRE(f.row("failed.csv").state == QueuedState::Waiting);
  REQUIRE(f.row("late.csv").state == QueuedState::InFlight);  // in flight is not parked
  REQUIRE(f.claim(10) == Paths{"refused.csv", "failed.csv", "conflict.csv"});
}

TEST_CASE("export queue: parking as waiting or in flight is refused", "[queue]") {
  QueueFixture f;
  f.enqueue({"a.csv"});
  REQUIRE(f.claim(1).size() == 1);
  REQUIRE_CODE(f.store->settle_exports(f.connection, {park("a.csv", QueuedState::Waiting)}),
               ErrorCode::InvalidArgument);
  REQUIRE(f.row("a.csv").state == QueuedState::InFlight);
}

TEST_CASE("export queue: rows in flight when a process died are found and queued again in place", "[queue]") {
  QueueFixture f;
  f.enqueue({"a.csv", "b.csv", "c.csv"});
  REQUIRE(f.claim(2) == Paths{"a.csv", "b.csv"});
  f.enqueue({"b.csv"});
  f.store.reset();  // the process is killed: nothing settled

  f.store = f.open();
  std::vector<QueueRow> rows = f.rows();
  REQUIRE(rows.size() == 3);
  REQUIRE(rows[0].state == QueuedState::InFlight);
  REQUIRE(rows[1].state == QueuedState::InFlight);
  REQUIRE(rows[2].state == QueuedState::Waiting);
  REQUIRE_OK(f.store->requeue_exports(f.connection, true, false));
  REQUIRE(f.paths() == Paths{"a.csv", "b.csv", "c.csv"});
  REQUIRE_FALSE(f.row("b.csv").requeued);
  REQUIRE(f.claim(5) == Paths{"a.csv", "b.csv", "c.csv"});
}

TEST_CASE("export queue: deleting a connection or its integration removes its queue", "[queue]") {
  QueueFixture f;
  f.enqueue({"a.csv", "b.csv"});
  f.add_integration("b2", "other");
  f.add_connection("c2", "b2");
  REQUIRE_CODE(f.store->enqueue_exports("c3", {"x"}, kT0), ErrorCode::NotFound);
  REQUIRE_OK(f.store->enqueue_exports("c2", {"z.csv"}, kT0));
  REQUIRE_OK(f.store->delete_connection("c1"));
  REQUIRE(f.rows().empty());
  REQUIRE(f.database.query("SELECT COUNT(*) FROM export_queue") == "1");
  REQUIRE_OK(f.store->delete_integration("b2"));
  REQUIRE(f.database.query("SELECT COUNT(*) FROM export_queue") == "0");
}

#ifndef CLOUDSYNC_TEST_CATALOG_ON_POSTGRES  // SQLite's own schema history
TEST_CASE("export queue: a schema version 2 catalog migrates with its data", "[queue]") {
  QueueFixture f;
  ManifestEntry e;
  e.path = "data/a.csv";
  e.remote_key = "data/a.csv";
  e.remote_version = "v1";
  e.synced_at = kT0;
  REQUIRE_OK(f.store->write_manifest(f.connection, {e}, {}));
  f.store.reset();
  // What version 2 had: no queue, no tail counter.
  run_catalog_sql(
      f.database.sqlite_file(),
      "DROP TABLE export_runs; DROP TABLE export_watermarks; DROP TABLE export_jobs; "
      "DROP TABLE export_queue; DROP TABLE endpoint_facts; ALTER TABLE connections DROP COLUMN export_queue_tail; "
      "PRAGMA user_version = 2;");
  REQUIRE(f.database.query("SELECT COUNT(*) FROM sqlite_schema WHERE name = 'export_queue'") == "0");

  f.store = f.open();
  REQUIRE(f.database.query("PRAGMA user_version") == "5");
  REQUIRE(catalog_schema_version() == 5);
  auto c = f.store->find_connection(f.connection);
  REQUIRE_OK(c);
  REQUIRE(c->has_value());
  REQUIRE((*c)->number_of_assets == 1);
  auto m = f.store->load_manifest(f.connection);
  REQUIRE_OK(m);
  REQUIRE(m->contains("data/a.csv"));
  REQUIRE(m->find("data/a.csv")->remote_version == "v1");
  f.enqueue({"x.csv", "y.csv"});
  REQUIRE(f.claim(5) == Paths{"x.csv", "y.csv"});
}
#endif

TEST_CASE("export queue: two stores on one file never claim the same row", "[queue]") {
  QueueFixture f;
  std::vector<std::string> all;
  for (int n = 0; n < 200; ++n) all.push_back(fmt::format("f{:03}.csv", n));
  f.enqueue(all);

  std::unique_ptr<CatalogStore> other = f.open();
  auto drain = [&](CatalogStore& store, std::vector<std::string>& got, Status& failed) {
    for (;;) {
      auto rows = store.claim_exports(f.connection, kT0, 3);
      if (!rows.ok()) {
        failed = rows.status();
        return;
      }
      if (rows->empty()) return;
      for (const QueueRow& r : *rows) got.push_back(r.path);
    }
  };
  std::vector<std::string> mine, theirs;
  Status mine_failed, theirs_failed;
  std::thread t([&] { drain(*other, theirs, theirs_failed); });
  drain(*f.store, mine, mine_failed);
  t.join();
  REQUIRE_OK(mine_failed);
  REQUIRE_OK(theirs_failed);
  std::multiset<std::string> claimed(mine.begin(), mine.end());
  claimed.insert(theirs.begin(), theirs.end());
  REQUIRE(claimed.size() == all.size());
  REQUIRE(std::set<std::string>(claimed.begin(), claimed.end()) == std::set<std::string>(all.begin(), all.end()));
  // Each claimed in queue order.
  REQUIRE(std::is_sorted(mine.begin(), mine.end()));
  REQUIRE(std::is_sorted(theirs.begin(), theirs.end()));
}

}  // namespace cloudsync::test
