// What only the PostgreSQL catalog has to get right: several servers (here,
// several store and Catalog objects, each with its own connection) writing
// one database at once, two of them creating the schema at once, and the
// ways a server database fails (a wrong password, the server going away).
#include <fmt/format.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "catalog/catalog_database.hpp"
#include "catalog/catalog_store.hpp"
#include "core/time.hpp"
#include "support/postgres_server.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const TimePoint kCatalogT0 = from_unix_nanos(1'700'000'000'000'000'000);

/// Runs `body(n)` on `count` threads started together.
template <typename Body>
void at_once(int count, Body body) {
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int n = 0; n < count; ++n) {
    threads.emplace_back([&, n] {
      ++ready;
      while (ready < count) std::this_thread::yield();
      body(n);
    });
  }
  for (auto& t : threads) t.join();
}

}  // namespace

TEST_CASE("the schema is created once when several servers open a new database at once", "[postgres]") {
  TempDir dir;
  const TestCatalogDatabase database(dir.path());
  constexpr int kServers = 6;
  std::vector<Status> opened(kServers);
  at_once(kServers, [&](int n) {
    auto store = open_postgres_catalog_store(database.conninfo());
    opened[static_cast<size_t>(n)] = store.status();
  });
  for (const Status& s : opened) REQUIRE_OK(s);
  CHECK(database.query("SELECT COUNT(*) FROM catalog_schema") == "1");
  CHECK(database.query("SELECT version FROM catalog_schema") == std::to_string(catalog_schema_version()));
  CHECK(database.query("SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'export_queue'") == "1");
}

TEST_CASE("a newer schema than this build knows is refused", "[postgres]") {
  TempDir dir;
  const TestCatalogDatabase database(dir.path());
  database.open_store();
  database.run(fmt::format("UPDATE catalog_schema SET version = {}", catalog_schema_version() + 1));
  REQUIRE_CODE(open_postgres_catalog_store(database.conninfo()), ErrorCode::Unsupported);
}

TEST_CASE("servers creating integrations at once: each name is taken exactly once", "[postgres]") {
  TempDir dir;
  const TestCatalogDatabase database(dir / "state");
  constexpr int kServers = 4, kNames = 15;
  std::vector<std::shared_ptr<Catalog>> catalogs;
  for (int n = 0; n < kServers; ++n) {
    auto c = Catalog::open(database.options());
    REQUIRE_OK(c);
    catalogs.push_back(*c);
  }
  std::vector<int> created(kServers, 0);
  std::vector<std::string> unexpected(kServers);
  at_once(kServers, [&](int n) {
    for (int i = 0; i < kNames; ++i) {
      IntegrationSpec spec;
      spec.name = fmt::format("shared {}", i);  // every server tries every name
      spec.url = "file:///tmp";
      auto made = catalogs[static_cast<size_t>(n)]->create_integration(spec);
      if (made.ok()) {
        ++created[static_cast<size_t>(n)];
      } else if (made.status().code() != ErrorCode::AlreadyExists) {
        unexpected[static_cast<size_t>(n)] = made.status().to_string();
      }
    }
  });
  for (const std::string& u : unexpected) CHECK(u.empty());
  int total = 0;
  for (int c : created) total += c;
  CHECK(total == kNames);
  CHECK(*catalogs[0]->count_integrations() == kNames);
}

TEST_CASE("servers queueing and claiming one connection's exports at once lose nothing, claim nothing twice",
          "[postgres]") {
  TempDir dir;
  const TestCatalogDatabase database(dir.path());
  auto setup = database.open_store();
  REQUIRE_OK(setup->insert_project(Project{"a1", "project", dir / "project", kCatalogT0}));
  Integration i;
  i.id = "b1";
  i.spec.name = "bucket";
  i.spec.url = "memory://bucket";
  i.spec.type = "memory";
  i.folder = "external-files/memory/bucket";
  i.platform = "Memory";
  i.created_at = i.updated_at = kCatalogT0;
  REQUIRE_OK(setup->insert_integration(i));
  Connection c;
  c.id = "c1";
  c.project_id = "a1";
  c.integration_id = "b1";
  c.created_at = kCatalogT0;
  REQUIRE_OK(setup->insert_connection(c));

  // Two writers queue 100 paths each (half of them the same), while two
  // exporters claim and settle as Done: every path is claimed at least once,
  // no row by both exporters at the same time, and no position twice.
  constexpr int kPaths = 100;
  std::vector<std::unique_ptr<CatalogStore>> stores;
  for (int n = 0; n < 4; ++n) stores.push_back(database.open_store());
  std::vector<std::string> failures(4);
  std::vector<std::vector<std::string>> claimed(2);
  std::atomic<int> writers_done{0};
  std::atomic<int> in_flight_twice{0};
  std::mutex holding_mutex;
  std::set<std::string> holding;
  at_once(4, [&](int n) {
    CatalogStore& store = *stores[static_cast<size_t>(n)];
    if (n < 2) {
      for (int p = 0; p < kPaths; ++p) {
        const std::string path = p % 2 == 0 ? fmt::format("shared{:03}", p) : fmt::format("w{}-{:03}", n, p);
        Status s = store.enqueue_exports("c1", {path}, kCatalogT0);
        if (!s.ok()) failures[static_cast<size_t>(n)] = s.to_string();
      }
      ++writers_done;
      return;
    }
    for (;;) {
      const bool last_round = writers_done == 2;
      auto rows = store.claim_exports("c1", kCatalogT0, 4);
      if (!rows.ok()) {
        failures[static_cast<size_t>(n)] = rows.status().to_string();
        return;
      }
      if (rows->empty() && last_round) return;
      std::vector<SettledExport> settled;
      for (const QueueRow& r : *rows) {
        {
          std::lock_guard lock(holding_mutex);
          if (!holding.insert(r.path).second) ++in_flight_twice;
        }
        claimed[static_cast<size_t>(n - 2)].push_back(r.path);
        settled.push_back(SettledExport{SettledExport::Outcome::Done, r.path, {}, {}, {}, {}, {}});
      }
      {
        std::lock_guard lock(holding_mutex);
        for (const QueueRow& r : *rows) holding.erase(r.path);
      }
      Status s = store.settle_exports("c1", settled);
      if (!s.ok()) failures[static_cast<size_t>(n)] = s.to_string();
    }
  });
  for (const std::string& f : failures) CHECK(f.empty());
  CHECK(in_flight_twice == 0);
  // Whatever is left (paths queued again while in flight) is still queued.
  auto left = setup->queued_exports("c1");
  REQUIRE_OK(left);
  std::set<std::string> seen;
  for (const auto& list : claimed) seen.insert(list.begin(), list.end());
  for (const QueueRow& r : *left) seen.insert(r.path);
  CHECK(seen.size() == static_cast<size_t>(kPaths + kPaths / 2));
  CHECK(database.query("SELECT COUNT(*) = COUNT(DISTINCT position) FROM export_queue") == "t");
  // Every position handed out was new: the counter counted each one.
  const int64_t tail = std::stoll(database.query("SELECT export_queue_tail FROM connections WHERE id = 'c1'"));
  CHECK(tail >= kPaths + kPaths / 2);
}

TEST_CASE("a wrong password is Unauthenticated, and the password is in no message", "[postgres]") {
  TempDir dir;
  const TestCatalogDatabase database(dir / "state");
  const std::string wrong = "not-the-password-0d5e1f";
  std::string conninfo = database.conninfo();
  conninfo = conninfo.substr(0, conninfo.find(" password=")) + " password=" + wrong;
  CatalogOptions options = database.options();
  options.database = conninfo;
  auto c = Catalog::open(options);
  REQUIRE_CODE(c, ErrorCode::Unauthenticated);
  CHECK(c.status().to_string().find(wrong) == std::string::npos);
  CHECK(c.status().to_string().find(PostgresServer::shared().password()) == std::string::npos);
}

TEST_CASE("a postgresql:// URI opens the catalog too", "[postgres]") {
  TempDir dir;
  const TestCatalogDatabase database(dir / "state");
  const std::string dbname = database.query("SELECT current_database()");
  CatalogOptions options = database.options();
  options.database = fmt::format("postgresql://cloudsync:{}@127.0.0.1:{}/{}", PostgresServer::shared().password(),
                                 PostgresServer::shared().port(), dbname);
  auto c = Catalog::open(options);
  REQUIRE_OK(c);
  REQUIRE_OK((*c)->add_project("p", dir / "p"));
  CHECK(database.query("SELECT name FROM projects") == "p");
}

TEST_CASE("a dropped server connection is a Network error, and the next call connects again", "[postgres]") {
  TempDir dir;
  const TestCatalogDatabase database(dir / "state");
  auto c = Catalog::open(database.options());
  REQUIRE_OK(c);
  REQUIRE_OK((*c)->add_project("p", dir / "p"));
  // Every connection to the database ends, as when its server restarts.
  database.run(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> "
      "pg_backend_pid()");
  auto listed = (*c)->projects();
  REQUIRE_CODE(listed, ErrorCode::Network);
  CHECK(listed.status().to_string().find(PostgresServer::shared().password()) == std::string::npos);
  REQUIRE_OK((*c)->add_project("q", dir / "q"));
  auto projects = (*c)->projects();
  REQUIRE_OK(projects);
  CHECK(projects->size() == 2);
}

TEST_CASE("a server that is not there is a Network error", "[postgres]") {
  TempDir dir;
  const TestCatalogDatabase database(dir / "state");
  CatalogOptions options = database.options();
  // Port 1: nothing listens there.
  options.database = "host=127.0.0.1 port=1 dbname=x user=cloudsync password=secret-pw-77 connect_timeout=5";
  auto c = Catalog::open(options);
  REQUIRE_CODE(c, ErrorCode::Network);
  CHECK(c.status().to_string().find("secret-pw-77") == std::string::npos);
}

}  // namespace cloudsync::test
