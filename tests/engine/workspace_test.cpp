// The project workspace on the in-process memory store: what no provider
// changes (naming, clashing names, limits, planted symlinks, odd remote
// names, read-only integrations, leftovers of killed runs, the manifest, the
// lock between processes). The import, export, restore and sync scenarios
// every provider shares are in tests/conformance/workspace_conformance.cpp.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include "cloudsync/backends/local.hpp"
#include "cloudsync/backends/memory.hpp"
#include "cloudsync/workspace.hpp"
#include "support/fault_backend.hpp"
#include "support/memory_project.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {

namespace fs = std::filesystem;

namespace {

// A project with one memory-backed integration ("Hex's Testing Bucket").
struct HexProject : MemoryProject {
  explicit HexProject(bool writeback = true, WorkspaceLimits limits = {})
      : MemoryProject(MemoryProjectOptions{writeback, limits}) {}
};

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

  HexProject p;
  CHECK(p.folder == p.dir / "project/external-files/s3/hexs_testing_bucket");
}

TEST_CASE("integrations: clear errors for clashing names and secrets in stored options", "[workspace]") {
  HexProject p;
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

TEST_CASE("import limits are checked before any transfer", "[workspace][limits]") {
  WorkspaceLimits limits;
  limits.max_files = 3;
  limits.max_file_size = 1000;
  HexProject p(true, limits);
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

TEST_CASE("restore checks the limits before any transfer", "[workspace][limits][restore]") {
  WorkspaceLimits limits;
  limits.max_file_size = 10;
  HexProject p(true, limits);
  p.put_remote("a.txt", "small");
  p.import({"a.txt"});
  fs::remove(p.folder / "a.txt");
  p.put_remote("a.txt", "now far too large");
  p.remote->gets = 0;
  auto r = p.ws->restore(p.name, {});
  REQUIRE_CODE(r, ErrorCode::LimitExceeded);
  CHECK(r.status().message().find("a.txt") != std::string::npos);
  CHECK(p.remote->gets == 0);
  CHECK_FALSE(fs::exists(p.folder / "a.txt"));
}

TEST_CASE("a project over a lowered file limit still restores and re-imports what it tracks", "[workspace][limits]") {
  WorkspaceLimits limits;
  limits.max_files = 3;
  HexProject p(true, limits);
  for (const char* key : {"a.txt", "b.txt", "c.txt", "d.txt"}) p.put_remote(key, key);
  p.import({"a.txt", "b.txt", "c.txt"});
  WorkspaceOptions lowered;
  lowered.limits.max_files = 2;
  lowered.backend_factory = [&p](const Integration&, const BackendOptions&) -> Result<std::shared_ptr<StorageBackend>> {
    return std::shared_ptr<StorageBackend>(p.remote);
  };
  p.ws.reset();
  auto reopened = Workspace::open(p.dir / "project", lowered);
  REQUIRE_OK(reopened);
  Workspace& ws = **reopened;
  fs::remove(p.folder / "b.txt");
  // Nothing new comes in: the limit bounds what a project takes, not what it holds.
  REQUIRE_OK(ws.restore(p.name, {}));
  CHECK(read_file(p.folder / "b.txt") == "b.txt");
  REQUIRE_OK(ws.import_files(p.name, {{"a.txt", "c.txt"}}));
  auto more = ws.import_files(p.name, {{"d.txt"}});
  REQUIRE_CODE(more, ErrorCode::LimitExceeded);
  CHECK(more.status().message().find("4 files (3 already, 1 new); the limit is 2") != std::string::npos);
}

TEST_CASE("a no-op restore of a folder costs a listing, not a request per file", "[workspace][restore]") {
  WorkspaceLimits limits;
  limits.max_files = 200;
  HexProject p(true, limits);
  for (int i = 0; i < 100; ++i) p.put_remote(fmt::format("data/f{:03}.csv", i), fmt::format("row {}", i));
  for (const char* key : {"top1.txt", "top2.txt"}) p.put_remote(key, key);
  p.import({"data/", "top1.txt", "top2.txt"});
  p.put_remote("data/untracked.csv", "not imported");
  REQUIRE(p.ws->tracked_files(p.name)->size() == 102);
  p.remote->gets = p.remote->heads = p.remote->lists = 0;
  OperationResult r = p.restore();
  CHECK(done_count(r) == 0);
  CHECK(p.remote->lists == 1);  // data/: 100 tracked files, one page
  CHECK(p.remote->heads == 2);  // the top folder holds too few to list
  CHECK(p.remote->gets == 0);

  // A missing file is still found and downloaded.
  fs::remove(p.folder / "data/f042.csv");
  r = p.restore();
  CHECK(done_count(r) == 1);
  CHECK(read_file(p.folder / "data/f042.csv") == "row 42");
}

TEST_CASE("a symlink planted in the project cannot redirect an import", "[workspace][security]") {
  HexProject p;
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
  HexProject p;
  p.put_remote("report", "a file");
  p.put_remote("report/2024.csv", "a file in a folder");
  auto r = p.import({"report", "report/"});
  CHECK(done_count(r) == 1);
  CHECK(r.plan.count(ActionKind::Skip) == 1);
  CHECK(read_file(p.folder / "report/2024.csv") == "a file in a folder");
}

TEST_CASE("NFC and NFD spellings of one remote name", "[workspace][unicode]") {
  HexProject p;
  p.put_remote("caf\xc3\xa9.csv", "nfc");
  p.put_remote("cafe\xcc\x81.csv", "nfd");
  p.put_remote("menu.csv", "m");
  auto r = p.import({"**"});
  CHECK(done_count(r) == 1);
  CHECK(r.plan.count(ActionKind::Skip) == 2);
  CHECK(list_tree(p.folder) == std::vector<std::string>{"menu.csv"});
}

TEST_CASE("export is refused on a read-only integration", "[workspace][export]") {
  HexProject p(false);
  write_file(p.folder / "x.csv", "x");
  auto r = p.ws->export_files(p.name, {});
  REQUIRE_CODE(r, ErrorCode::PermissionDenied);
  CHECK(r.status().message().find("read-only") != std::string::npos);
  CHECK(p.memory->object_count() == 0);
  SyncRequest push;
  push.direction = SyncDirection::Push;
  REQUIRE_CODE(p.ws->sync(p.name, push), ErrorCode::PermissionDenied);
}

TEST_CASE("temporaries left by a killed run are cleaned up by the next operation", "[workspace][download]") {
  HexProject p;
  p.put_remote("data/a.csv", "a");
  p.import({"data/"});
  write_file(p.folder / "data/.a.csv.cloudsync-0badc0ffee00.partial", "half of a download");
  write_file(p.folder / "data/keep.partial", "not ours");
  p.restore();
  CHECK(list_tree(p.folder) == std::vector<std::string>{"data/a.csv", "data/keep.partial"});
}

TEST_CASE("the manifest survives a reopen and stays outside external-files", "[workspace]") {
  HexProject p;
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
  HexProject p;
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

TEST_CASE("export leaves out what the watcher ignores: editor, tool and OS droppings", "[workspace][export]") {
  HexProject p;
  fs::create_directories(p.folder / ".ipynb_checkpoints");
  for (std::string name : {"4913", ".goutputstream-X1Y2", ".~notes.ipynb", "report.csv.part", ".DS_Store",
                           ".ipynb_checkpoints/notes-checkpoint.ipynb", "cache.db-journal"}) {
    write_file(p.folder / name, "dropping");
  }
  write_file(p.folder / "report.csv", "a,b\n");
  auto r = p.ws->export_files(p.name, {});
  REQUIRE_OK(r);
  CHECK(done_count(*r) == 1);
  CHECK(p.memory->object_count() == 1);
  CHECK(p.memory->head(P("report.csv"), kCtx).ok());
}

}  // namespace cloudsync::test
