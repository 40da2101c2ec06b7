// The catalog on its own: integrations (filters, paging, secrets, scope),
// projects, connections (Kili's differences, dry run, synchronize), the v1
// migration, and several processes on one database. Remotes are local folders
// (file:// URLs through the real registry) so that every byte is checkable.
// Built twice: on SQLite in the unit binary, on PostgreSQL in
// cloudsync_catalog_postgres_tests (catalog_database.hpp).
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <random>
#include <set>
#include <thread>

#include "cloudsync/backends/memory.hpp"
#include "cloudsync/catalog.hpp"
#include "cloudsync/workspace.hpp"
#include "catalog/catalog_endpoint_facts.hpp"
#include "catalog/catalog_store.hpp"
#include "catalog/catalog_database.hpp"
#include "catalog/sqlite.hpp"
#include "core/hash.hpp"
#include "support/fault_backend.hpp"
#include "support/plan_checks.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {

namespace fs = std::filesystem;

namespace {

struct CatalogFixture {
  TempDir dir;
  std::shared_ptr<Catalog> catalog;
  fs::path state = dir / "state";
  TestCatalogDatabase database{state};

  explicit CatalogFixture(CatalogOptions options = {}) {
    auto c = Catalog::open(database.options(std::move(options)));
    REQUIRE_OK(c);
    catalog = *c;
  }

  fs::path remote(const std::string& name) {
    fs::path p = dir / "remotes" / name;
    fs::create_directories(p);
    return p;
  }

  Integration add(const std::string& name, const fs::path& folder, bool writeback = false,
                  std::vector<std::string> allowed_paths = {}, std::vector<std::string> allowed_projects = {}) {
    IntegrationSpec spec;
    spec.name = name;
    spec.url = "file://" + folder.string();
    spec.writeback = writeback;
    spec.allowed_paths = std::move(allowed_paths);
    spec.allowed_projects = std::move(allowed_projects);
    auto i = catalog->create_integration(spec);
    REQUIRE_OK(i);
    return *i;
  }

  Project project(const std::string& name) {
    auto p = catalog->add_project(name, dir / "projects" / name);
    REQUIRE_OK(p);
    return *p;
  }

  /// A project's Workspace on this catalog (the project registered on first open).
  std::unique_ptr<Workspace> workspace(const std::string& project, const fs::path& root) {
    WorkspaceOptions o;
    o.catalog = catalog;
    o.project = project;
    auto ws = Workspace::open(root, o);
    REQUIRE_OK(ws);
    return std::move(ws).value();
  }

  std::string database_bytes() const { return database.contents(); }
};

std::vector<std::string> names_of(const std::vector<Integration>& list) {
  std::vector<std::string> out;
  for (const Integration& i : list) out.push_back(i.spec.name);
  return out;
}

}  // namespace

TEST_CASE("integrations: create, get, update, delete, filters, first/skip paging", "[catalog]") {
  CatalogFixture f;
  fs::path r = f.remote("r");
  for (int n = 0; n < 25; ++n) f.add(fmt::format("Bucket {:02}", n), r, n % 2 == 0);
  IntegrationSpec s3;
  s3.name = "Hex's S3";
  s3.url = "s3://bucket/prefix";
  s3.options["region"] = "eu-west-1";
  REQUIRE_OK(f.catalog->create_integration(s3));

  auto count = f.catalog->count_integrations();
  REQUIRE_OK(count);
  CHECK(*count == 26);
  // Kili's first/skip: pages in creation order, no overlap, nothing missed.
  std::vector<std::string> seen;
  for (uint64_t skip = 0; skip < 30; skip += 7) {
    auto page = f.catalog->integrations({}, PageRequest{7, skip});
    REQUIRE_OK(page);
    for (auto& n : names_of(*page)) seen.push_back(n);
  }
  REQUIRE(seen.size() == 26);
  CHECK(seen.front() == "Bucket 00");
  CHECK(seen[24] == "Bucket 24");
  CHECK(seen.back() == "Hex's S3");

  IntegrationFilter aws;
  aws.platform = Platform::AWS;
  auto only_aws = f.catalog->integrations(aws);
  REQUIRE_OK(only_aws);
  CHECK(names_of(*only_aws) == std::vector<std::string>{"Hex's S3"});
  CHECK(only_aws->front().platform == "AWS");
  IntegrationFilter writeback;
  writeback.writeback = true;
  CHECK(*f.catalog->count_integrations(writeback) == 13);
  IntegrationFilter by_name;
  by_name.name = "bucket 07";  // names match case-insensitively
  auto named = f.catalog->integrations(by_name);
  REQUIRE_OK(named);
  CHECK(names_of(*named) == std::vector<std::string>{"Bucket 07"});
  IntegrationFilter unchecked;
  unchecked.status = IntegrationStatus::Unchecked;
  CHECK(*f.catalog->count_integrations(unchecked) == 26);
  IntegrationFilter connected;
  connected.status = IntegrationStatus::Connected;
  CHECK(*f.catalog->count_integrations(connected) == 0);

  // The iterator visits every match a page at a time and can stop early.
  size_t visited = 0;
  REQUIRE_OK(f.catalog->for_each_integration(
      {}, [&](const Integration&) { return ++visited < 20; }, 3));
  CHECK(visited == 20);

  // A taken name (in any case) and a shared folder are refused.
  IntegrationSpec again;
  again.name = "BUCKET 03";
  again.url = "file://" + r.string();
  REQUIRE_CODE(f.catalog->create_integration(again), ErrorCode::AlreadyExists);
  again.name = "Bucket 03!";  // sanitises to the same folder name
  REQUIRE_CODE(f.catalog->create_integration(again), ErrorCode::Conflict);

  auto got = f.catalog->integration("Bucket 05");
  REQUIRE_OK(got);
  auto by_id = f.catalog->integration(got->id);
  REQUIRE_OK(by_id);
  CHECK(by_id->spec.name == "Bucket 05");
  CHECK(by_id->folder == "external-files/local/bucket_05");

  IntegrationUpdate update;
  update.writeback = true;
  update.allowed_paths = std::vector<std::string>{"data/"};
  auto updated = f.catalog->update_integration("Bucket 05", update);
  REQUIRE_OK(updated);
  CHECK(updated->spec.writeback);
  CHECK(updated->spec.allowed_paths == std::vector<std::string>{"data"});
  CHECK(updated->updated_at >= updated->created_at);

  REQUIRE_OK(f.catalog->delete_integration("Bucket 05"));
  REQUIRE_CODE(f.catalog->integration("Bucket 05"), ErrorCode::NotFound);
  CHECK(*f.catalog->count_integrations() == 25);
  REQUIRE_CODE(f.catalog->delete_integration("no such"), ErrorCode::NotFound);
}

TEST_CASE("names are one name whatever their case or composition, in any script", "[catalog][unicode]") {
  CatalogFixture f;
  fs::path r = f.remote("r");
  f.add(
      "Stra\xc3\x9f"
      "e",
      r);                                                                     // Straße
  f.add("Data \xce\xa3\xce\x9f\xce\xa6\xce\x99\xce\x91", f.remote("greek"));  // Data ΣΟΦΙΑ
  for (const char* same : {"STRASSE", "strasse", "data \xcf\x83\xce\xbf\xcf\x86\xce\xb9\xce\xb1"}) {
    IntegrationSpec again;
    again.name = same;
    again.url = "file://" + f.remote("other").string();
    REQUIRE_CODE(f.catalog->create_integration(again), ErrorCode::AlreadyExists);
  }
}

#ifndef CLOUDSYNC_TEST_CATALOG_ON_POSTGRES  // SQLite's own schema history
TEST_CASE("name keys written by an older folding are recomputed on open (schema 2)", "[catalog][migration]") {
  TempDir dir;
  fs::path state = dir / "state";
  CatalogOptions options;
  options.state_dir = state;
  {
    auto c = Catalog::open(options);
    REQUIRE_OK(c);
    IntegrationSpec spec;
    spec.name = "Data \xce\xa3\xce\x9f\xce\xa6\xce\x99\xce\x91";  // Data ΣΟΦΙΑ
    fs::create_directories(dir / "r");
    spec.url = "file://" + (dir / "r").string();
    REQUIRE_OK((*c)->create_integration(spec));
  }
  // What schema 1 stored: its folding left Greek capitals alone.
  {
    auto db = sqlite::Database::open(state / "catalog.db", std::chrono::milliseconds(1000));
    REQUIRE_OK(db);
    REQUIRE_OK(
        db->exec("UPDATE integrations SET name_key = name; DROP TABLE export_runs; DROP TABLE export_watermarks; "
                 "DROP TABLE export_jobs; DROP TABLE export_queue; DROP TABLE endpoint_facts; ALTER TABLE connections "
                 "DROP COLUMN export_queue_tail; PRAGMA user_version = 1;"));
  }
  auto c = Catalog::open(options);
  REQUIRE_OK(c);
  IntegrationSpec lower;
  lower.name = "data \xcf\x83\xce\xbf\xcf\x86\xce\xb9\xce\xb1";  // data σοφια
  lower.url = "file://" + (dir / "r").string();
  REQUIRE_CODE((*c)->create_integration(lower), ErrorCode::AlreadyExists);
  auto db = sqlite::Database::open(state / "catalog.db", std::chrono::milliseconds(1000));
  REQUIRE_OK(db);
  auto version = db->prepare("PRAGMA user_version");
  REQUIRE_OK(version);
  REQUIRE_OK(version->step());
  CHECK(version->integer(0) == catalog_schema_version());
  auto key = db->prepare("SELECT name_key FROM integrations");
  REQUIRE_OK(key);
  REQUIRE_OK(key->step());
  CHECK(key->text(0) == "data \xcf\x83\xce\xbf\xcf\x86\xce\xb9\xce\xb1");
}
#endif

TEST_CASE("secrets live in a 0600 file, never in the database or any output", "[catalog][secrets]") {
  CatalogFixture f;
  const std::string secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY-catalog";
  IntegrationSpec spec;
  spec.name = "Secret bucket";
  spec.url = "s3://bucket";
  spec.options["endpoint"] = "http://127.0.0.1:9";
  SecretOptions secrets{{"access_key_id", "AKIACATALOGTEST01"}, {"secret_access_key", secret}};
  auto created = f.catalog->create_integration(spec, secrets);
  REQUIRE_OK(created);

  // A secret among the ordinary options is refused, not stored.
  IntegrationSpec leaky = spec;
  leaky.name = "Leaky";
  leaky.options["secret_access_key"] = secret;
  REQUIRE_CODE(f.catalog->create_integration(leaky), ErrorCode::InvalidArgument);

  struct ::stat st {};
  REQUIRE(::stat((f.state / "secrets.json").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(read_file(f.state / "secrets.json").find(secret) != std::string::npos);
  CHECK(f.database_bytes().find(secret) == std::string::npos);
  auto names = f.catalog->secret_names("Secret bucket");
  REQUIRE_OK(names);
  CHECK(*names == std::vector<std::string>{"access_key_id", "secret_access_key"});

  auto listed = f.catalog->integrations();
  REQUIRE_OK(listed);
  for (const Integration& i : *listed) CHECK(integration_to_json(i).find(secret) == std::string::npos);
  // A status check against a closed port fails; its message carries no secret.
  auto check = f.catalog->check_integration("Secret bucket");
  REQUIRE_OK(check);
  CHECK(check->status == IntegrationStatus::Disconnected);
  CHECK(check->reason == DisconnectReason::Unreachable);
  CHECK(status_check_to_json(*check).find(secret) == std::string::npos);
  CHECK(f.database_bytes().find(secret) == std::string::npos);

  // An env: reference stays a reference; an unset variable is named, never a value.
  IntegrationUpdate update;
  update.secrets =
      SecretOptions{{"access_key_id", "AKIACATALOGTEST01"}, {"secret_access_key", "env:CLOUDSYNC_TEST_UNSET_SECRET"}};
  REQUIRE_OK(f.catalog->update_integration("Secret bucket", update));
  CHECK(read_file(f.state / "secrets.json").find(secret) == std::string::npos);
  ::unsetenv("CLOUDSYNC_TEST_UNSET_SECRET");
  auto missing = f.catalog->check_integration("Secret bucket");
  REQUIRE_OK(missing);
  CHECK(missing->status == IntegrationStatus::Disconnected);
  CHECK_THAT(missing->message, Catch::Contains("CLOUDSYNC_TEST_UNSET_SECRET"));

  // Deleting the integration deletes its secrets.
  REQUIRE_OK(f.catalog->delete_integration("Secret bucket"));
  CHECK(read_file(f.state / "secrets.json").find("AKIACATALOGTEST01") == std::string::npos);
}

TEST_CASE("a status check of a local integration: connected, probe gone, or not found", "[catalog][status]") {
  CatalogFixture f;
  fs::path r = f.remote("r");
  write_file(r / "data/a.txt", "a");
  f.add("Local", r, /*writeback=*/true);
  auto check = f.catalog->check_integration("Local");
  REQUIRE_OK(check);
  CHECK(check->status == IntegrationStatus::Connected);
  CHECK(list_tree(r) == std::vector<std::string>{"data/a.txt"});  // the probe object is gone
  auto stored = f.catalog->integration("Local");
  REQUIRE_OK(stored);
  CHECK(stored->status == "CONNECTED");
  CHECK(stored->last_checked.has_value());

  f.add("Gone", f.dir / "remotes/never-created");
  auto gone = f.catalog->check_integration("Gone");
  REQUIRE_OK(gone);
  CHECK(gone->status == IntegrationStatus::Disconnected);
  CHECK(gone->reason == DisconnectReason::NotFound);

  // A check whose process died leaves CHECKING behind; the next reader sees
  // the status it had before.
  f.database.run("UPDATE integrations SET status_before_check = status, status = 'CHECKING' WHERE name = 'Local'");
  auto recovered = f.catalog->integration("Local");
  REQUIRE_OK(recovered);
  CHECK(recovered->status == "CONNECTED");

  // Many at once, on one folder: each check's listing may meet the others'
  // probe objects, which vanish under it; that is no reason to fail.
  for (int n = 0; n < 40; ++n) f.add(fmt::format("Many {}", n), r, /*writeback=*/true);
  for (int round = 0; round < 3; ++round) {
    auto all = f.catalog->check_integrations({}, 8);
    REQUIRE_OK(all);
    CHECK(all->size() == 42);
    size_t connected = 0;
    for (auto& [id, c] : *all) {
      if (c.status != IntegrationStatus::Connected) UNSCOPED_INFO(c.message);
      connected += c.status == IntegrationStatus::Connected;
    }
    CHECK(connected == 41);
  }
  CHECK(list_tree(r) == std::vector<std::string>{"data/a.txt"});
}

TEST_CASE("a probe a killed check left behind is removed by the next check", "[catalog][status]") {
  CatalogFixture f;
  fs::path r = f.remote("r");
  write_file(r / "keep.txt", "k");
  Integration integ = f.add("Local", r, /*writeback=*/true);
  // What a check killed between its write and its delete leaves: the object,
  // and the catalog's record of it.
  write_file(r / ".cloudsync-probe-00112233445566778899aabbccddeeff", "");
  f.database.run("INSERT INTO probes (integration_id, key, started_at) VALUES ('" + integ.id +
                 "', '.cloudsync-probe-00112233445566778899aabbccddeeff', 0)");
  auto check = f.catalog->check_integration("Local");
  REQUIRE_OK(check);
  CHECK(check->status == IntegrationStatus::Connected);
  CHECK(list_tree(r) == std::vector<std::string>{"keep.txt"});
  CHECK(f.database.query("SELECT COUNT(*) FROM probes") == "0");
}

TEST_CASE("a probe object of a check running elsewhere is neither imported nor synced", "[catalog][status]") {
  CatalogFixture f;
  fs::path r = f.remote("r");
  write_file(r / "data/a.txt", "a");
  write_file(r / "data/.cloudsync-probe-0123456789abcdef", "");
  f.project("p");
  f.add("R", r);
  auto ws = f.workspace("p", f.dir / "projects/p");
  REQUIRE_OK(ws->import_files("R", ImportRequest{{"data/"}, false}));
  const fs::path folder = f.dir / "projects/p/external-files/local/r";
  CHECK(list_tree(folder) == std::vector<std::string>{"data/a.txt"});
  auto conn = f.catalog->connection_for("p", "R");
  REQUIRE_OK(conn);
  auto plan = f.catalog->compute_differences(conn->id);
  REQUIRE_OK(plan);
  for (const PlanAction& a : plan->actions) CHECK(a.path.find("cloudsync-probe") == std::string::npos);
}

TEST_CASE("allowed projects and paths are enforced and touch nothing", "[catalog][scope]") {
  CatalogFixture f;
  fs::path r = f.remote("r");
  write_file(r / "data/a.txt", "a");
  write_file(r / "data2/b.txt", "b");
  write_file(r / "secret/c.txt", "c");
  Project alpha = f.project("alpha");
  Project beta = f.project("beta");
  f.add("Scoped", r, /*writeback=*/true, {"data"}, {"alpha"});

  ConnectionSpec to_beta{"beta", "Scoped", {}, {}, {}};
  REQUIRE_CODE(f.catalog->add_connection(to_beta), ErrorCode::PermissionDenied);
  ConnectionSpec outside{"alpha", "Scoped", {"secret"}, {}, {}};
  REQUIRE_CODE(f.catalog->add_connection(outside), ErrorCode::PermissionDenied);
  ConnectionSpec prefix_trap{"alpha", "Scoped", {"data2"}, {}, {}};  // "data" does not allow "data2"
  REQUIRE_CODE(f.catalog->add_connection(prefix_trap), ErrorCode::PermissionDenied);
  CHECK(*f.catalog->count_connections() == 0);

  IntegrationFilter for_beta;
  for_beta.project = "beta";
  CHECK(*f.catalog->count_integrations(for_beta) == 0);
  IntegrationFilter for_alpha;
  for_alpha.project = alpha.id;
  CHECK(*f.catalog->count_integrations(for_alpha) == 1);

  auto beta_ws = f.workspace("beta", beta.root);
  REQUIRE_CODE(beta_ws->import_files("Scoped", ImportRequest{{"data/a.txt"}, false}), ErrorCode::PermissionDenied);
  auto ws = f.workspace("alpha", alpha.root);
  for (std::vector<std::string> selectors : {std::vector<std::string>{"secret/c.txt"}, {"data2/"}, {"**/*.txt"}}) {
    REQUIRE_CODE(ws->import_files("Scoped", ImportRequest{selectors, false}), ErrorCode::PermissionDenied);
  }
  SyncRequest sync_outside;
  sync_outside.folders = {"secret"};
  REQUIRE_CODE(ws->sync("Scoped", sync_outside), ErrorCode::PermissionDenied);
  CHECK_FALSE(fs::exists(alpha.root / "external-files"));

  auto imported = ws->import_files("Scoped", ImportRequest{{"data/"}, false});
  REQUIRE_OK(imported);
  CHECK(list_tree(alpha.root / "external-files/local/scoped") == std::vector<std::string>{"data/a.txt"});
  // A file written outside the allowed paths is not exported; nothing is.
  write_file(alpha.root / "external-files/local/scoped/data/new.txt", "n");
  write_file(alpha.root / "external-files/local/scoped/secret/x.txt", "x");
  REQUIRE_CODE(ws->export_files("Scoped", {}), ErrorCode::PermissionDenied);
  CHECK_FALSE(fs::exists(r / "data/new.txt"));
  CHECK_FALSE(fs::exists(r / "secret/x.txt"));
  // A sync without folders covers the allowed paths only.
  SyncRequest pull;
  auto synced = ws->sync("Scoped", pull);
  REQUIRE_OK(synced);
  for (const PlanAction& a : synced->plan.actions) CHECK(a.path.rfind("data/", 0) == 0);
}

TEST_CASE("connections: Kili's folder prefix, globs, pure dry run, exact plan, stale plan refused",
          "[catalog][connections]") {
  CatalogFixture f;
  fs::path r = f.remote("r");
  write_file(r / "data/a.jpg", "a");
  write_file(r / "data/sub/b.jpg", "b");
  write_file(r / "data/sub/notes.txt", "n");
  write_file(r / "data2/c.jpg", "c");
  write_file(r / "database.csv", "d");
  Project p = f.project("labels");
  f.add("Images", r);
  ConnectionSpec spec{"labels", "Images", {"data"}, {"**/*.jpg"}, {"data/sub/skip*"}};
  write_file(r / "data/sub/skip-me.jpg", "s");
  auto conn = f.catalog->add_connection(spec);
  REQUIRE_OK(conn);
  REQUIRE_CODE(f.catalog->add_connection(spec), ErrorCode::AlreadyExists);
  REQUIRE_CODE(f.catalog->add_connection(ConnectionSpec{"nobody", "Images", {}, {}, {}}), ErrorCode::NotFound);
  REQUIRE_CODE(f.catalog->add_connection(ConnectionSpec{"labels", "nothing", {}, {}, {}}), ErrorCode::NotFound);

  const std::string before = f.database_bytes();
  auto plan = f.catalog->compute_differences(conn->id);
  REQUIRE_OK(plan);
  std::set<std::string> planned;
  for (const PlanAction& a : plan->actions) {
    CHECK(a.kind == ActionKind::Add);
    planned.insert(a.path);
  }
  // "data" never selects data2/ or database.csv; the globs keep .jpg files
  // and drop the excluded one.
  CHECK(planned == std::set<std::string>{"data/a.jpg", "data/sub/b.jpg"});
  // Pure: nothing on disk, nothing in the catalog, not even lastChecked.
  CHECK_FALSE(fs::exists(p.root / "external-files"));
  SynchronizeOptions dry;
  dry.dry_run = true;
  auto dry_run = f.catalog->synchronize(conn->id, dry);
  REQUIRE_OK(dry_run);
  CHECK_FALSE(fs::exists(p.root / "external-files"));
  auto unchanged = f.catalog->connection(conn->id);
  REQUIRE_OK(unchanged);
  CHECK_FALSE(unchanged->last_checked.has_value());
  CHECK(unchanged->number_of_assets == 0);
  CHECK(f.database.query("SELECT COUNT(*) FROM manifest_entries") == "0");
  (void)before;

  // The remote changes after the plan: synchronize refuses it.
  write_file(r / "data/late.jpg", "late");
  SynchronizeOptions exact;
  exact.expected_plan = &*plan;
  REQUIRE_CODE(f.catalog->synchronize(conn->id, exact), ErrorCode::Conflict);
  CHECK_FALSE(fs::exists(p.root / "external-files"));

  auto fresh = f.catalog->compute_differences(conn->id);
  REQUIRE_OK(fresh);
  exact.expected_plan = &*fresh;
  auto done = f.catalog->synchronize(conn->id, exact);
  REQUIRE_OK(done);
  CHECK(done->report.count(OutcomeKind::Done) == fresh->actions.size());
  CHECK(list_tree(p.root / "external-files/local/images") ==
        std::vector<std::string>{"data/a.jpg", "data/late.jpg", "data/sub/b.jpg"});
  auto after = f.catalog->connection(conn->id);
  REQUIRE_OK(after);
  CHECK(after->last_checked.has_value());
  CHECK(after->number_of_assets == 3);
  CHECK_FALSE(after->is_checking);

  // Extraneous files go only when asked, and never after an incomplete listing.
  fs::remove(r / "data/a.jpg");
  auto keep = f.catalog->synchronize(conn->id);
  REQUIRE_OK(keep);
  CHECK(fs::exists(p.root / "external-files/local/images/data/a.jpg"));
  SynchronizeOptions remove;
  remove.delete_extraneous_files = true;
  auto removed = f.catalog->synchronize(conn->id, remove);
  REQUIRE_OK(removed);
  CHECK_FALSE(fs::exists(p.root / "external-files/local/images/data/a.jpg"));
  CHECK(f.catalog->connection(conn->id)->number_of_assets == 2);
}

TEST_CASE("a dry-run plan is exactly what synchronize then does (randomised trees)", "[catalog][connections][random]") {
  std::mt19937 rng(20261206);
  // Fewer on PostgreSQL: each round's fresh database costs a CREATE DATABASE,
  // and what is checked here is the engine, not the store.
  const int rounds = kCatalogOnPostgres ? 10 : 200;
  for (int round = 0; round < rounds; ++round) {
    CAPTURE(round);
    CatalogFixture f;
    fs::path r = f.remote("r");
    Project p = f.project("p");
    f.add("R", r);
    auto conn = f.catalog->add_connection(ConnectionSpec{"p", "R", {}, {}, {}});
    REQUIRE_OK(conn);
    const fs::path local = p.root / "external-files/local/r";
    auto rand = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
    auto name = [&]() { return fmt::format("{}/f{}.txt", "abc"[rand(3)], rand(6)); };
    for (int n = rand(8); n > 0; --n) write_file(r / name(), random_bytes(static_cast<size_t>(rand(64)), rng()));
    if (rand(2) == 0) REQUIRE_OK(f.catalog->synchronize(conn->id));
    // Changes on both sides since the last sync.
    for (int n = rand(6); n > 0; --n) {
      switch (rand(4)) {
        case 0: write_file(r / name(), random_bytes(static_cast<size_t>(rand(64)), rng())); break;
        case 1: fs::remove(r / name()); break;
        case 2: write_file(local / name(), random_bytes(static_cast<size_t>(rand(64)), rng())); break;
        default: fs::remove(local / name()); break;
      }
    }
    DifferenceOptions d;
    d.delete_extraneous_files = rand(2) == 0;
    auto tree_before = list_tree(local);
    auto plan = f.catalog->compute_differences(conn->id, d);
    REQUIRE_OK(plan);
    CHECK(list_tree(local) == tree_before);
    SynchronizeOptions s;
    s.delete_extraneous_files = d.delete_extraneous_files;
    s.expected_plan = &*plan;
    auto result = f.catalog->synchronize(conn->id, s);
    REQUIRE_OK(result);
    // Every planned transfer or deletion happened, and nothing else.
    check_applied_exactly(*plan, result->report, local, [&](const std::string& path) { return read_file(r / path); });
  }
}

TEST_CASE("an interrupted synchronisation keeps what it finished", "[catalog][connections]") {
  CatalogFixture f;
  fs::path r = f.remote("r");
  for (int n = 0; n < 40; ++n)
    write_file(r / fmt::format("f{:02}.bin", n), random_bytes(1000, static_cast<uint32_t>(n)));
  f.project("p");
  f.add("R", r);
  auto conn = f.catalog->add_connection(ConnectionSpec{"p", "R", {}, {}, {}});
  REQUIRE_OK(conn);
  CancelToken cancel;
  std::atomic<int> files_done{0};
  ProgressCallback progress = [&](const ProgressEvent& e) {
    if (e.phase == ProgressEvent::Phase::FileDone && ++files_done == 10) cancel.cancel();
    return true;
  };
  auto result = f.catalog->synchronize(conn->id, {}, progress, &cancel);
  (void)result;  // cancelled part-way, or finished before noticing: both fine
  auto tracked = f.catalog->tracked_files(conn->id);
  REQUIRE_OK(tracked);
  CHECK(tracked->size() >= 10);
  // The next run transfers only what is missing.
  auto rest = f.catalog->synchronize(conn->id);
  REQUIRE_OK(rest);
  CHECK(rest->report.count(OutcomeKind::Done) == 40 - tracked->size());
}

#ifndef CLOUDSYNC_TEST_CATALOG_ON_POSTGRES  // v1 state migrates into a project's own catalog: SQLite
TEST_CASE("a project's v1 JSON state is migrated on first open", "[catalog][migration]") {
  TempDir dir;
  fs::path remote = dir / "remote";
  write_file(remote / "data/a.csv", "a,b\n");
  const fs::path project = dir / "project";
  write_file(project / "external-files/local/old_bucket/data/a.csv", "a,b\n");
  const std::string id = "0123456789abcdef";
  write_file(
      project / ".cloudsync/workspace.json",
      fmt::format(R"({{"version":1,"integrations":[{{"id":"{}","name":"Old Bucket","type":"local","url":"file://{}",)"
                  R"("folder":"external-files/local/old_bucket","writeback":true,"selected_folders":["data"],)"
                  R"("options":{{}}}}]}})",
                  id, remote.string()));
  write_file(project / ".cloudsync/manifests" / (id + ".json"),
             R"({"version":1,"entries":[{"path":"data/a.csv","origin":"import","remote":{"size":4},"local":{"size":4},)"
             R"("synced_at":"2026-01-01T00:00:00.000Z"}]})");
  auto ws = Workspace::open(project);
  REQUIRE_OK(ws);
  auto integ = (*ws)->integration("Old Bucket");
  REQUIRE_OK(integ);
  CHECK(integ->id == id);
  CHECK(integ->spec.writeback);
  CHECK(integ->spec.selected_folders == std::vector<std::string>{"data"});
  auto tracked = (*ws)->tracked_files("Old Bucket");
  REQUIRE_OK(tracked);
  REQUIRE(tracked->size() == 1);
  CHECK(tracked->front().path == "data/a.csv");
  CHECK_FALSE(fs::exists(project / ".cloudsync/workspace.json"));
  CHECK_FALSE(fs::exists(project / ".cloudsync/manifests"));
  // Restore works from the migrated manifest: a deleted file comes back.
  fs::remove(project / "external-files/local/old_bucket/data/a.csv");
  auto restored = (*ws)->restore("", {});
  REQUIRE_OK(restored);
  REQUIRE(restored->size() == 1);
  CHECK(read_file(project / "external-files/local/old_bucket/data/a.csv") == "a,b\n");
  // A second open migrates nothing again.
  ws->reset();
  auto again = Workspace::open(project);
  REQUIRE_OK(again);
  CHECK((*again)->integrations().size() == 1);
}

TEST_CASE("v1 state that points outside the project is refused, not migrated", "[catalog][migration][safety]") {
  TempDir dir;
  const fs::path project = dir / "project";
  for (std::string folder : {"../victim", "/tmp", "external-files/../../victim", "external-files/local/other"}) {
    CAPTURE(folder);
    write_file(
        project / ".cloudsync/workspace.json",
        fmt::format(R"({{"version":1,"integrations":[{{"id":"00ff","name":"X","type":"local","url":"file:///tmp",)"
                    R"("folder":"{}","writeback":false}}]}})",
                    folder));
    REQUIRE_CODE(Workspace::open(project), ErrorCode::InvalidArgument);
    CHECK(fs::exists(project / ".cloudsync/workspace.json"));
  }
}
#endif

TEST_CASE("two processes write one catalog at once and corrupt nothing", "[catalog][processes]") {
  TempDir dir;
  const fs::path state = dir / "state";
  const TestCatalogDatabase database(state);
  REQUIRE_OK(Catalog::open(database.options()));
  constexpr int kProcesses = 4, kEach = 25;
  std::vector<pid_t> children;
  for (int p = 0; p < kProcesses; ++p) {
    pid_t child = ::fork();
    if (child == 0) {
      auto c = Catalog::open(database.options());
      if (!c.ok()) ::_exit(2);
      auto project = (*c)->add_project(fmt::format("p{}", p), dir / fmt::format("p{}", p));
      if (!project.ok()) ::_exit(3);
      for (int n = 0; n < kEach; ++n) {
        IntegrationSpec spec;
        spec.name = fmt::format("proc {} integ {}", p, n);
        spec.url = "file:///tmp";
        if (!(*c)->create_integration(spec).ok()) ::_exit(4);
        if (!(*c)->count_integrations().ok()) ::_exit(5);
        if (!(*c)->add_connection(ConnectionSpec{project->id, spec.name, {}, {}, {}}).ok()) ::_exit(6);
      }
      ::_exit(0);
    }
    children.push_back(child);
  }
  for (pid_t child : children) {
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  auto c = Catalog::open(database.options());
  REQUIRE_OK(c);
  CHECK(*(*c)->count_integrations() == kProcesses * kEach);
  CHECK(*(*c)->count_connections() == kProcesses * kEach);
  if (!kCatalogOnPostgres) {
    CHECK(database.query("PRAGMA integrity_check") == "ok");
    CHECK(database.query("PRAGMA journal_mode") == "wal");
  }
}

TEST_CASE("restoring every integration goes on past one that fails", "[catalog][workspace]") {
  // "Bad" is reached through a wrapper that can make its store unreachable.
  std::shared_ptr<FaultBackend> bad_store;
  CatalogOptions o;
  o.backend_factory = [&](const Integration& i,
                          const BackendOptions& options) -> Result<std::shared_ptr<StorageBackend>> {
    auto backend = open_backend(i.spec.url, options);
    if (!backend.ok() || i.spec.name != "Bad") return backend;
    bad_store = std::make_shared<FaultBackend>(*backend);
    return std::shared_ptr<StorageBackend>(bad_store);
  };
  CatalogFixture f(o);
  fs::path good = f.remote("good");
  fs::path bad = f.remote("bad");
  write_file(good / "g.txt", "g");
  write_file(bad / "b.txt", "b");
  f.add("Bad", bad);
  f.add("Good", good);
  auto ws = f.workspace("p", f.dir / "project");
  REQUIRE_OK(ws->import_files("Bad", ImportRequest{{"b.txt"}, false}));
  REQUIRE_OK(ws->import_files("Good", ImportRequest{{"g.txt"}, false}));
  fs::remove_all(f.dir / "project/external-files");
  REQUIRE(bad_store);
  bad_store->fail_head(ErrorCode::Network, 1000);
  // The first integration fails; the second is still restored.
  auto restored = ws->restore("", {});
  REQUIRE_OK(restored);
  REQUIRE(restored->size() == 2);
  CHECK(restored->at(0).integration == "Bad");
  CHECK(restored->at(0).error.code() == ErrorCode::Network);
  CHECK(restored->at(1).integration == "Good");
  CHECK(restored->at(1).error.ok());
  CHECK(read_file(f.dir / "project/external-files/local/good/g.txt") == "g");
  CHECK_THAT(operation_result_to_json(restored->at(0)), Catch::Contains("\"error\""));
}

TEST_CASE("a credential change reaches the next operation", "[catalog][workspace]") {
  std::vector<BackendOptions> opened;
  CatalogOptions o;
  auto memory = std::make_shared<MemoryBackend>("m");
  memory->insert_raw("a.txt", "a");
  o.backend_factory = [&](const Integration&,
                          const BackendOptions& options) -> Result<std::shared_ptr<StorageBackend>> {
    opened.push_back(options);
    return std::shared_ptr<StorageBackend>(memory);
  };
  CatalogFixture f(o);
  IntegrationSpec spec;
  spec.name = "M";
  spec.url = "mem://m";
  REQUIRE_OK(f.catalog->create_integration(spec, SecretOptions{{"token", "first-token-value"}}));
  auto ws = f.workspace("default", f.dir / "project");
  REQUIRE_OK(ws->import_files("M", ImportRequest{{"a.txt"}, false}));
  REQUIRE_OK(ws->restore("M", {}));
  REQUIRE(opened.size() == 1);  // the same settings reuse the backend
  IntegrationUpdate update;
  update.secrets = SecretOptions{{"token", "second-token-value"}};
  REQUIRE_OK(f.catalog->update_integration("M", update));
  REQUIRE_OK(ws->restore("M", {}));
  REQUIRE(opened.size() == 2);
  CHECK(opened.back().at("token") == "second-token-value");
}

TEST_CASE("queries do not wait behind a running operation", "[catalog][workspace]") {
  CatalogFixture f;
  fs::path r = f.remote("r");
  write_file(r / "a.txt", "a");
  f.add("R", r);
  auto ws = f.workspace("default", f.dir / "project");
  std::atomic<bool> inside{false}, release{false};
  std::thread op([&] {
    ProgressCallback hold = [&](const ProgressEvent&) {
      inside = true;
      while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      return true;
    };
    (void)ws->import_files("R", ImportRequest{{"a.txt"}, false}, hold);
  });
  while (!inside) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  // Mid-operation: the catalog answers, and the connection says it is busy.
  CHECK(ws->integrations().size() == 1);
  CHECK(*f.catalog->count_integrations() == 1);
  auto conns = f.catalog->connections();
  REQUIRE_OK(conns);
  REQUIRE(conns->size() == 1);
  CHECK(conns->front().is_checking);
  REQUIRE_CODE(ws->import_files("R", ImportRequest{{"a.txt"}, false}), ErrorCode::Conflict);
  release = true;
  op.join();
  CHECK_FALSE(f.catalog->connections()->front().is_checking);
}

TEST_CASE("a connection lock held by a killed process is free again", "[catalog][connections]") {
  CatalogFixture f;
  fs::path r = f.remote("r");
  write_file(r / "a.txt", "a");
  f.project("p");
  f.add("R", r);
  auto conn = f.catalog->add_connection(ConnectionSpec{"p", "R", {}, {}, {}});
  REQUIRE_OK(conn);
  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  pid_t child = ::fork();
  if (child == 0) {
    auto c = Catalog::open(f.database.options());
    ProgressCallback stall = [&](const ProgressEvent&) {
      char one = 1;
      (void)!::write(ready[1], &one, 1);
      ::pause();
      return true;
    };
    if (c.ok()) (void)(*c)->synchronize(conn->id, {}, stall);
    ::_exit(0);
  }
  char c;
  REQUIRE(::read(ready[0], &c, 1) == 1);
  CHECK(f.catalog->connection(conn->id)->is_checking);
  REQUIRE_CODE(f.catalog->synchronize(conn->id), ErrorCode::Conflict);
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  CHECK_FALSE(f.catalog->connection(conn->id)->is_checking);
  REQUIRE_OK(f.catalog->synchronize(conn->id));
}

}  // namespace cloudsync::test

namespace cloudsync::test {

TEST_CASE("endpoint facts are kept per endpoint and fact, replaced, and found by the next open",
          "[catalog][endpoint_facts]") {
  TempDir dir;
  TestCatalogDatabase database{dir / "state"};
  fs::create_directories(dir / "state");
  {
    auto store = database.open_store();
    CatalogEndpointFacts facts(store.get());
    auto unknown = facts.get("http://127.0.0.1:9000", "s3.checksum");
    REQUIRE_OK(unknown);
    CHECK_FALSE(unknown->has_value());
    REQUIRE_OK(facts.put("http://127.0.0.1:9000", "s3.checksum", "md5"));
    REQUIRE_OK(facts.put("http://127.0.0.1:9000", "s3.checksum", "crc32c"));  // replaced, not a second row
    REQUIRE_OK(facts.put("https://store.example", "s3.checksum", "md5"));
    facts.detach();  // the store is going away: nothing more is read or written
    auto detached = facts.get("http://127.0.0.1:9000", "s3.checksum");
    REQUIRE_OK(detached);
    CHECK_FALSE(detached->has_value());
  }
  auto store = database.open_store();
  auto kept = store->endpoint_fact("http://127.0.0.1:9000", "s3.checksum");
  REQUIRE_OK(kept);
  CHECK(kept->value_or("") == "crc32c");
  auto other = store->endpoint_fact("https://store.example", "s3.checksum");
  REQUIRE_OK(other);
  CHECK(other->value_or("") == "md5");
  auto other_fact = store->endpoint_fact("http://127.0.0.1:9000", "something.else");
  REQUIRE_OK(other_fact);
  CHECK_FALSE(other_fact->has_value());
  CHECK(database.query("SELECT COUNT(*) FROM endpoint_facts") == "2");
  CHECK(database.query("SELECT learned_at > 0 FROM endpoint_facts WHERE endpoint = 'https://store.example'") != "0");
}

}  // namespace cloudsync::test
