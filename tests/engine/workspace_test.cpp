// The project workspace with Hex's and Kili's semantics, on the embedded
// backends: import, export (writeback), restore (kernel start) and sync.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "cloudsync/backends/local.hpp"
#include "cloudsync/backends/memory.hpp"
#include "cloudsync/workspace.hpp"
#include "core/hash.hpp"
#include "support/fault_backend.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {

namespace fs = std::filesystem;

namespace {

// A project with one memory-backed integration ("Hex's Testing Bucket").
struct Project {
  TempDir dir;
  std::shared_ptr<MemoryBackend> memory = std::make_shared<MemoryBackend>("bucket");
  std::shared_ptr<FaultBackend> remote = std::make_shared<FaultBackend>(memory);
  std::unique_ptr<Workspace> ws;
  std::string name = "Hex's Testing Bucket";
  fs::path folder;

  explicit Project(bool writeback = true, WorkspaceLimits limits = {}) {
    WorkspaceOptions o;
    o.limits = limits;
    o.backend_factory = [this](const Integration&, const BackendOptions&) -> Result<std::shared_ptr<StorageBackend>> {
      return std::shared_ptr<StorageBackend>(remote);
    };
    auto w = Workspace::open(dir / "project", o);
    REQUIRE_OK(w);
    ws = std::move(*w);
    IntegrationSpec spec;
    spec.name = name;
    spec.url = "s3://bucket/prefix";
    spec.writeback = writeback;
    auto integ = ws->add_integration(spec);
    REQUIRE_OK(integ);
    folder = dir / "project" / integ->folder;
  }
  void put_remote(const std::string& key, const std::string& data) { memory->insert_raw(key, data); }
  std::string remote_text(const std::string& key) {
    auto r = memory->read_all(P(key), {});
    REQUIRE_OK(r);
    return *r;
  }
  OperationResult import(std::vector<std::string> selectors, bool dry_run = false) {
    auto r = ws->import_files(name, ImportRequest{std::move(selectors), dry_run});
    REQUIRE_OK(r);
    return *r;
  }
  OperationResult export_all(bool dry_run = false) {
    ExportRequest req;
    req.dry_run = dry_run;
    auto r = ws->export_files(name, req);
    REQUIRE_OK(r);
    return *r;
  }
  OperationResult restore() {
    auto r = ws->restore(name, {});
    REQUIRE_OK(r);
    REQUIRE(r->size() == 1);
    return r->front();
  }
  OperationResult sync(SyncRequest req) {
    auto r = ws->sync(name, req);
    REQUIRE_OK(r);
    return *r;
  }
};

size_t done(const OperationResult& r) { return r.report.count(OutcomeKind::Done); }

}  // namespace

TEST_CASE("integration folders follow Hex's naming rule", "[workspace]") {
  CHECK(sanitize_integration_name("Hex's Testing Bucket") == "hexs_testing_bucket");
  CHECK(sanitize_integration_name("Hex's Test Drive") == "hexs_test_drive");
  CHECK(sanitize_integration_name("Sales-2024 (EU)!") == "sales2024_eu");
  CHECK(sanitize_integration_name("Ünïcode näme") == "ncode_nme");
  CHECK(integration_type_for_url("s3://b/p") == "s3");
  CHECK(integration_type_for_url("gdrive://folder") == "googledrive");
  CHECK(integration_type_for_url("az://container") == "azure");
  CHECK(integration_type_for_url("/data/dir") == "local");

  Project p;
  CHECK(p.folder == p.dir / "project/external-files/s3/hexs_testing_bucket");
}

TEST_CASE("integrations: clear errors for clashing names and secrets in stored options", "[workspace]") {
  Project p;
  IntegrationSpec clash;
  clash.name = "HEX'S TESTING BUCKET";  // the same name but for case
  clash.url = "s3://other";
  REQUIRE_CODE(p.ws->add_integration(clash), ErrorCode::AlreadyExists);
  clash.name = "Hexs Testing Bucket!";  // another name, the same folder
  auto r = p.ws->add_integration(clash);
  REQUIRE_CODE(r, ErrorCode::Conflict);
  CHECK(r.status().message().find("external-files/s3/hexs_testing_bucket") != std::string::npos);
  // Same sanitized name under another type is fine.
  clash.url = "gdrive://folder-id";
  REQUIRE_OK(p.ws->add_integration(clash));

  IntegrationSpec secret;
  secret.name = "With Secret";
  secret.url = "s3://b";
  secret.options["secret_access_key"] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  auto s = p.ws->add_integration(secret);
  REQUIRE_CODE(s, ErrorCode::InvalidArgument);
  CHECK(s.status().message().find("EXAMPLEKEY") == std::string::npos);
  IntegrationSpec blank;
  blank.name = "!!!";
  blank.url = "s3://b";
  REQUIRE_CODE(p.ws->add_integration(blank), ErrorCode::InvalidArgument);

  // Integrations persist; state lives outside external-files and holds no secrets.
  auto reopened = Workspace::open(p.dir / "project");
  REQUIRE_OK(reopened);
  CHECK((*reopened)->integrations().size() == 2);
  CHECK(fs::exists(p.dir / "project/.cloudsync/catalog.db"));
  REQUIRE_OK((*reopened)->remove_integration("Hexs Testing Bucket!"));
  CHECK((*reopened)->integrations().size() == 1);
}

TEST_CASE("import selected keys, folders and globs", "[workspace][import]") {
  Project p;
  p.put_remote("data/2024/jan.csv", "j");
  p.put_remote("data/2024/feb.csv", "f");
  p.put_remote("data/notes.txt", "n");
  p.put_remote("data2/other.csv", "o");
  p.put_remote("top.json", "{}");
  p.put_remote("deep/a/b/c.json", "[]");

  SECTION("a folder respects folder boundaries") {
    auto r = p.import({"data"});
    CHECK(done(r) == 3);
    CHECK(list_tree(p.folder) == std::vector<std::string>{"data/2024/feb.csv", "data/2024/jan.csv", "data/notes.txt"});
  }
  SECTION("keys and globs") {
    auto r = p.import({"top.json", "**/*.json", "data/2024/*.csv"});
    CHECK(done(r) == 4);
    CHECK(list_tree(p.folder) ==
          std::vector<std::string>{"data/2024/feb.csv", "data/2024/jan.csv", "deep/a/b/c.json", "top.json"});
    auto tracked = p.ws->tracked_files(p.name);
    REQUIRE_OK(tracked);
    CHECK(tracked->size() == 4);
    CHECK(tracked->front().sha256.size() == 64);
  }
  SECTION("a selection that matches nothing or escapes is an error") {
    REQUIRE_CODE(p.ws->import_files(p.name, {{"nope/"}}), ErrorCode::NotFound);
    REQUIRE_CODE(p.ws->import_files(p.name, {{"../data"}}), ErrorCode::InvalidArgument);
    REQUIRE_CODE(p.ws->import_files(p.name, {{}}), ErrorCode::InvalidArgument);
    REQUIRE_CODE(p.ws->import_files("No Such Integration", {{"data"}}), ErrorCode::NotFound);
    CHECK(list_tree(p.dir / "project").empty() == false);  // only state files
    CHECK(list_tree(p.folder).empty());
  }
  SECTION("a dry run reports and downloads nothing") {
    auto r = p.import({"data/"}, true);
    CHECK(r.plan.count(ActionKind::Add) == 3);
    CHECK(r.report.count(OutcomeKind::DryRun) == 3);
    CHECK(p.remote->gets == 0);
    CHECK(list_tree(p.folder).empty());
    CHECK(p.ws->tracked_files(p.name)->empty());
  }
  SECTION("importing again transfers nothing") {
    p.import({"data"});
    int gets = p.remote->gets;
    auto r = p.import({"data"});
    CHECK(done(r) == 0);
    CHECK(r.report.unchanged == 3);
    CHECK(p.remote->gets == gets);
  }
}

TEST_CASE("import limits are checked before any transfer", "[workspace][limits]") {
  WorkspaceLimits limits;
  limits.max_files = 3;
  limits.max_file_size = 1000;
  Project p(true, limits);
  for (int i = 0; i < 4; ++i) p.put_remote("f" + std::to_string(i) + ".txt", "x");
  p.put_remote("huge.bin", std::string(1001, 'h'));

  auto many = p.ws->import_files(p.name, {{"f0.txt", "f1.txt", "f2.txt", "f3.txt"}});
  REQUIRE_CODE(many, ErrorCode::LimitExceeded);
  CHECK(many.status().message().find("limit is 3") != std::string::npos);
  auto big = p.ws->import_files(p.name, {{"huge.bin"}});
  REQUIRE_CODE(big, ErrorCode::LimitExceeded);
  CHECK(big.status().message().find("huge.bin") != std::string::npos);
  CHECK(p.remote->gets == 0);
  CHECK(list_tree(p.folder).empty());
  // The limit counts the whole project, across imports.
  p.import({"f0.txt", "f1.txt"});
  REQUIRE_CODE(p.ws->import_files(p.name, {{"f2.txt", "f3.txt"}}), ErrorCode::LimitExceeded);
  p.import({"f2.txt"});
  CHECK(p.ws->tracked_files(p.name)->size() == 3);
}

TEST_CASE("hostile remote keys never escape the project", "[workspace][security]") {
  Project p;
  p.put_remote("data/../../../escaped.txt", "x");
  p.put_remote("data/a//b.txt", "x");
  p.put_remote("data/ctl\x01.txt", "x");
  p.put_remote(std::string("data/nul\0.txt", 13), "x");
  p.put_remote("data/./dot.txt", "x");
  p.put_remote("data/good.txt", "good");
  auto r = p.import({"data/"});
  CHECK(done(r) == 1);
  CHECK(r.plan.count(ActionKind::Skip) == 5);
  CHECK(list_tree(p.folder) == std::vector<std::string>{"data/good.txt"});
  CHECK_FALSE(fs::exists(p.dir / "escaped.txt"));
  CHECK_FALSE(fs::exists(p.dir / "project/escaped.txt"));
  CHECK_FALSE(fs::exists(p.dir / "project/external-files/escaped.txt"));
  // Selecting one directly is refused outright.
  REQUIRE_CODE(p.ws->import_files(p.name, {{"/abs/key"}}), ErrorCode::InvalidArgument);
}

TEST_CASE("a symlink planted in the project cannot redirect an import", "[workspace][security]") {
  Project p;
  p.put_remote("data/x.txt", "payload");
  fs::create_directories(p.folder);
  fs::create_directories(p.dir / "elsewhere");
  fs::create_directory_symlink(p.dir / "elsewhere", p.folder / "data");
  auto r = p.ws->import_files(p.name, {{"data/x.txt"}});
  REQUIRE_OK(r);
  CHECK(r->report.count(OutcomeKind::Failed) == 1);
  CHECK_FALSE(fs::exists(p.dir / "elsewhere/x.txt"));
}

TEST_CASE("a remote file and a remote folder of the same name", "[workspace]") {
  Project p;
  p.put_remote("report", "a file");
  p.put_remote("report/2024.csv", "a file in a folder");
  auto r = p.import({"report", "report/"});
  CHECK(done(r) == 1);
  CHECK(r.plan.count(ActionKind::Skip) == 1);
  CHECK(read_file(p.folder / "report/2024.csv") == "a file in a folder");
}

TEST_CASE("NFC and NFD spellings of one remote name", "[workspace][unicode]") {
  Project p;
  p.put_remote("caf\xc3\xa9.csv", "nfc");
  p.put_remote("cafe\xcc\x81.csv", "nfd");
  p.put_remote("menu.csv", "m");
  auto r = p.import({"**"});
  CHECK(done(r) == 1);
  CHECK(r.plan.count(ActionKind::Skip) == 2);
  CHECK(list_tree(p.folder) == std::vector<std::string>{"menu.csv"});
}

TEST_CASE("export writes new and changed files back", "[workspace][export]") {
  Project p;
  p.put_remote("data/a.csv", "a1");
  p.import({"data/a.csv"});
  write_file(p.folder / "data/a.csv", "a2, edited");
  write_file(p.folder / "my_new_data.csv", "fresh");
  write_file(p.folder / ".my_new_data.csv.swp", "editor junk");

  auto dry = p.export_all(true);
  CHECK(dry.plan.count(ActionKind::Add) == 1);
  CHECK(dry.plan.count(ActionKind::Update) == 1);
  CHECK(p.remote_text("data/a.csv") == "a1");

  auto r = p.export_all();
  CHECK(done(r) == 2);
  CHECK(p.remote_text("data/a.csv") == "a2, edited");
  CHECK(p.remote_text("my_new_data.csv") == "fresh");
  CHECK(p.memory->object_count() == 2);
  // Nothing changed since: the next export asks nothing of the remote.
  int heads = p.remote->heads, puts = p.remote->puts;
  auto again = p.export_all();
  CHECK(again.plan.actions.empty());
  CHECK(p.remote->heads == heads);
  CHECK(p.remote->puts == puts);
  // A touched but identical file is not sent again.
  write_file(p.folder / "my_new_data.csv", "fresh");
  CHECK(p.export_all().plan.actions.empty());
  CHECK(p.remote->puts == puts);
}

TEST_CASE("export never overwrites a remote change", "[workspace][export][conflict]") {
  Project p;
  p.put_remote("shared.csv", "v1");
  p.import({"shared.csv"});
  write_file(p.folder / "shared.csv", "local edit");
  p.put_remote("shared.csv", "someone else's edit");
  auto r = p.export_all();
  CHECK(r.plan.count(ActionKind::Conflict) == 1);
  CHECK(p.remote_text("shared.csv") == "someone else's edit");
  // A file created remotely after the local one also stays.
  write_file(p.folder / "race.csv", "mine");
  p.put_remote("race.csv", "theirs");
  auto r2 = p.export_all();
  CHECK(r2.plan.count(ActionKind::Conflict) == 2);
  CHECK(p.remote_text("race.csv") == "theirs");
}

TEST_CASE("export is refused on a read-only integration", "[workspace][export]") {
  Project p(false);
  write_file(p.folder / "x.csv", "x");
  auto r = p.ws->export_files(p.name, {});
  REQUIRE_CODE(r, ErrorCode::PermissionDenied);
  CHECK(r.status().message().find("read-only") != std::string::npos);
  CHECK(p.memory->object_count() == 0);
  SyncRequest push;
  push.direction = SyncDirection::Push;
  REQUIRE_CODE(p.ws->sync(p.name, push), ErrorCode::PermissionDenied);
}

TEST_CASE("restore downloads only what is missing or changed", "[workspace][restore]") {
  Project p;
  p.put_remote("a.csv", "a");
  p.put_remote("b.csv", "b");
  p.put_remote("c.csv", "c");
  p.import({"a.csv", "b.csv", "c.csv"});
  write_file(p.folder / "exported.csv", "e");
  p.export_all();

  SECTION("a kernel start with everything in place downloads nothing") {
    int gets = p.remote->gets;
    auto r = p.restore();
    CHECK(r.plan.actions.empty());
    CHECK(r.report.unchanged == 4);
    CHECK(p.remote->gets == gets);
  }
  SECTION("a fresh kernel (files gone) gets every tracked file back, exported ones too") {
    fs::remove_all(p.dir / "project/external-files");
    int gets = p.remote->gets;
    auto r = p.restore();
    CHECK(done(r) == 4);
    CHECK(p.remote->gets == gets + 4);
    CHECK(read_file(p.folder / "exported.csv") == "e");
  }
  SECTION("one missing file, one changed remotely, one edited locally") {
    fs::remove(p.folder / "a.csv");
    p.put_remote("b.csv", "b, newer");
    write_file(p.folder / "c.csv", "local work");
    int gets = p.remote->gets;
    auto r = p.restore();
    CHECK(done(r) == 2);
    CHECK(p.remote->gets == gets + 2);
    CHECK(read_file(p.folder / "a.csv") == "a");
    CHECK(read_file(p.folder / "b.csv") == "b, newer");
    CHECK(read_file(p.folder / "c.csv") == "local work");  // pending export, kept
    CHECK(r.plan.count(ActionKind::Skip) == 1);
  }
  SECTION("an object deleted remotely is reported and the local copy kept") {
    REQUIRE_OK(p.memory->remove(P("a.csv"), {}));
    auto r = p.restore();
    CHECK(read_file(p.folder / "a.csv") == "a");
    CHECK(r.plan.count(ActionKind::Skip) == 1);
  }
  SECTION("restore of all integrations at once") {
    fs::remove_all(p.folder);
    auto all = p.ws->restore("", {});
    REQUIRE_OK(all);
    REQUIRE(all->size() == 1);
    CHECK(all->front().report.count(OutcomeKind::Done) == 4);
  }
}

TEST_CASE("sync selected folders with a computed plan (Kili)", "[workspace][sync]") {
  Project p;
  p.put_remote("images/1.png", "1");
  p.put_remote("images/2.png", "2");
  p.put_remote("images2/x.png", "x");
  p.put_remote("other/y.txt", "y");
  SyncRequest req;
  req.folders = {"images"};

  auto first = p.sync(req);
  CHECK(done(first) == 2);
  CHECK(list_tree(p.folder) == std::vector<std::string>{"images/1.png", "images/2.png"});

  REQUIRE_OK(p.memory->remove(P("images/1.png"), {}));
  p.put_remote("images/3.png", "3");
  p.put_remote("images/2.png", "2 changed");
  write_file(p.folder / "images/local-only.png", "mine");

  SECTION("without delete_extraneous the removed file stays, with a note") {
    auto r = p.sync(req);
    CHECK(r.plan.count(ActionKind::Add) == 1);
    CHECK(r.plan.count(ActionKind::Update) == 1);
    CHECK(r.plan.count(ActionKind::Skip) == 1);
    CHECK(fs::exists(p.folder / "images/1.png"));
  }
  SECTION("dry run first, then the real thing with delete_extraneous") {
    req.delete_extraneous = true;
    req.dry_run = true;
    auto dry = p.sync(req);
    CHECK(dry.plan.count(ActionKind::Delete) == 1);
    CHECK(dry.report.count(OutcomeKind::DryRun) == 3);
    CHECK(fs::exists(p.folder / "images/1.png"));
    req.dry_run = false;
    auto real = p.sync(req);
    CHECK(done(real) == 3);
    CHECK(list_tree(p.folder) == std::vector<std::string>{"images/2.png", "images/3.png", "images/local-only.png"});
    CHECK(read_file(p.folder / "images/2.png") == "2 changed");
  }
  SECTION("a file changed on both sides is a conflict and both versions survive") {
    write_file(p.folder / "images/2.png", "local edit");
    auto r = p.sync(req);
    CHECK(r.plan.count(ActionKind::Conflict) == 1);
    CHECK(read_file(p.folder / "images/2.png") == "local edit");
    CHECK(p.remote_text("images/2.png") == "2 changed");
  }
  SECTION("max_delete refuses an oversized deletion") {
    req.delete_extraneous = true;
    req.max_delete = 0;
    REQUIRE_CODE(p.ws->sync(p.name, req), ErrorCode::LimitExceeded);
    CHECK(fs::exists(p.folder / "images/1.png"));
  }
  SECTION("a failed remote listing deletes nothing") {
    req.delete_extraneous = true;
    p.remote->fail_list(ErrorCode::Network);
    REQUIRE_CODE(p.ws->sync(p.name, req), ErrorCode::Network);
    CHECK(fs::exists(p.folder / "images/1.png"));
  }
}

TEST_CASE("push sync exports local changes and deletions", "[workspace][sync]") {
  Project p;
  p.put_remote("out/a.txt", "a");
  p.put_remote("out/b.txt", "b");
  p.import({"out/"});
  fs::remove(p.folder / "out/a.txt");
  write_file(p.folder / "out/c.txt", "c");
  SyncRequest req;
  req.direction = SyncDirection::Push;
  req.delete_extraneous = true;
  auto r = p.sync(req);
  CHECK(done(r) == 2);
  CHECK(p.memory->object_count() == 2);
  REQUIRE_CODE(p.memory->head(P("out/a.txt"), {}), ErrorCode::NotFound);
  CHECK(p.remote_text("out/c.txt") == "c");
}

TEST_CASE("an interrupted import leaves no partial file and resumes next time", "[workspace][download]") {
  Project p;
  std::string big = random_bytes(2 << 20, 5);
  p.put_remote("big.bin", big);
  // Every attempt, resumptions included, drops after 1000 bytes.
  p.remote->inject_get({"big.bin", 1000, ErrorCode::Network, -1});
  auto r = p.ws->import_files(p.name, {{"big.bin"}});
  REQUIRE_OK(r);
  CHECK(r->report.count(OutcomeKind::Failed) == 1);
  CHECK(list_tree(p.folder).empty());
  CHECK(p.ws->tracked_files(p.name)->empty());
  // The network is back: a new session over a healthy connection.
  p.remote = std::make_shared<FaultBackend>(p.memory);
  auto again = Workspace::open(p.dir / "project", [&] {
    WorkspaceOptions o;
    o.backend_factory = [&](const Integration&, const BackendOptions&) -> Result<std::shared_ptr<StorageBackend>> {
      return std::shared_ptr<StorageBackend>(p.remote);
    };
    return o;
  }());
  REQUIRE_OK(again);
  auto r2 = (*again)->import_files(p.name, {{"big.bin"}});
  REQUIRE_OK(r2);
  CHECK(r2->report.count(OutcomeKind::Done) == 1);
  CHECK(sha256_hex(read_file(p.folder / "big.bin")) == sha256_hex(big));
}

TEST_CASE("temporaries left by a killed run are cleaned up by the next operation", "[workspace][download]") {
  Project p;
  p.put_remote("data/a.csv", "a");
  p.import({"data/"});
  write_file(p.folder / "data/.a.csv.cloudsync-0badc0ffee00.partial", "half of a download");
  write_file(p.folder / "data/keep.partial", "not ours");
  p.restore();
  CHECK(list_tree(p.folder) == std::vector<std::string>{"data/a.csv", "data/keep.partial"});
}

TEST_CASE("the manifest survives a reopen and stays outside external-files", "[workspace]") {
  Project p;
  p.put_remote("k.txt", "k");
  p.import({"k.txt"});
  for (const auto& f : list_tree(p.dir / "project/external-files")) CHECK(f.find("cloudsync") == std::string::npos);
  auto reopened = Workspace::open(p.dir / "project");
  REQUIRE_OK(reopened);
  auto tracked = (*reopened)->tracked_files(p.name);
  REQUIRE_OK(tracked);
  REQUIRE(tracked->size() == 1);
  CHECK(tracked->front().path == "k.txt");
  CHECK(tracked->front().origin == "import");
  // A corrupt manifest is a clear error, not an empty baseline.
  run_catalog_sql(p.dir / "project/.cloudsync/catalog.db", "UPDATE manifest_entries SET remote = '{ not json'");
  auto broken = p.ws->restore(p.name, {});
  REQUIRE_CODE(broken, ErrorCode::InvalidArgument);
}

TEST_CASE("two processes cannot work on one project at once", "[workspace]") {
  Project p;
  p.put_remote("k.txt", "k");
  int ready[2], release[2];
  REQUIRE(::pipe(ready) == 0);
  REQUIRE(::pipe(release) == 0);
  // The first import makes the project's connection to the integration,
  // whose lock file an operation holds.
  REQUIRE_OK(p.ws->import_files(p.name, {{"k.txt"}}));
  fs::path lock;
  for (const auto& entry : fs::directory_iterator(p.dir / "project/.cloudsync/locks")) {
    if (entry.path().filename().string().starts_with("connection-")) lock = entry.path();
  }
  REQUIRE_FALSE(lock.empty());
  pid_t child = ::fork();
  if (child == 0) {
    // Hold the workspace lock from another process.
    auto held = fs::path(lock);
    int fd = ::open(held.c_str(), O_RDWR | O_CREAT, 0666);
    ::flock(fd, LOCK_EX);
    char c = 1;
    (void)!::write(ready[1], &c, 1);
    (void)!::read(release[0], &c, 1);
    ::_exit(0);
  }
  char c;
  REQUIRE(::read(ready[0], &c, 1) == 1);
  REQUIRE_CODE(p.ws->import_files(p.name, {{"k.txt"}}), ErrorCode::Conflict);
  (void)!::write(release[1], &c, 1);
  int status = 0;
  ::waitpid(child, &status, 0);
  REQUIRE_OK(p.ws->import_files(p.name, {{"k.txt"}}));
}

}  // namespace cloudsync::test
