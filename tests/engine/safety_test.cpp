// Data safety in the engine and the local backend: an incomplete listing
// never feeds a deletion, nothing outside the project is reached whatever
// the state says, names the destination cannot hold never block a run, and
// state updates made at the same time are all kept.
#include <sys/stat.h>
#include <unistd.h>

#include <set>

#include "cloudsync/backends/local.hpp"
#include "cloudsync/backends/memory.hpp"
#include "cloudsync/workspace.hpp"
#include "core/file_io.hpp"
#include "sync/planner.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {

namespace fs = std::filesystem;

namespace {

std::set<std::string> keys_of(const std::vector<ObjectMeta>& objects) {
  std::set<std::string> keys;
  for (const ObjectMeta& m : objects) keys.insert(m.key);
  return keys;
}

ObjectMeta object(std::string key, uint64_t size = 1) {
  ObjectMeta m;
  m.key = std::move(key);
  m.size = size;
  m.etag = "e-" + m.key;
  return m;
}

const PlanAction* action_for(const Plan& plan, std::string_view path) {
  for (const PlanAction& a : plan.actions) {
    if (a.path == path) return &a;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("local listing: a folder that vanishes between pages is reported, not silently missing",
          "[safety][local][list]") {
  TempDir dir;
  for (const char* name : {"a/1", "a/2", "a/3", "b/1"}) write_file(dir / name, "x");
  auto b = make_local_backend(dir.path());
  REQUIRE_OK(b);
  ListOptions first;
  first.max_keys = 1;
  auto page = (*b)->list_page(first, kCtx);
  REQUIRE_OK(page);
  REQUIRE(page->objects.size() == 1);
  CHECK(page->objects[0].key == "a/1");
  REQUIRE(!page->next_page_token.empty());

  fs::rename(dir / "a", dir / "moved");  // mid-listing, as a user or another program might
  ListOptions next;
  next.page_token = page->next_page_token;
  auto rest = (*b)->list_page(next, kCtx);
  REQUIRE_OK(rest);
  REQUIRE(rest->unreadable.size() == 1);
  CHECK(rest->unreadable[0].key == "a/");

  // The convenience listing refuses to pass a partial listing for a whole one.
  std::vector<std::string> seen;
  ListOptions all;
  all.max_keys = 1;
  fs::rename(dir / "moved", dir / "a");
  // Vanishing between the pages of list() itself: from the visitor.
  Status listed = (*b)->list(
      all,
      [&](const ObjectMeta& m) {
        seen.push_back(m.key);
        if (m.key == "a/1") fs::rename(dir / "a", dir / "moved");
        return Status::OK();
      },
      kCtx);
  CHECK_FALSE(listed.ok());
  CHECK(listed.message().find("'a/'") != std::string::npos);
}

TEST_CASE("local listing: a folder that cannot be opened is reported", "[safety][local][list]") {
  if (::geteuid() == 0) {
    // Root opens a mode-000 folder anyway; tests/cli/test_safety.py covers it as an unprivileged user.
    TempDir dir;
    write_file(dir / "ok/1", "x");
    fs::create_directory_symlink(dir / "ok", dir / "link");
    auto b = make_local_backend(dir.path());
    REQUIRE_OK(b);
    auto all = (*b)->list_all({}, kCtx);
    REQUIRE_OK(all);  // a symlink is skipped, not followed and not an error
    CHECK(keys_of(*all) == std::set<std::string>{"ok/1"});
    return;
  }
  TempDir dir;
  write_file(dir / "locked/1", "x");
  write_file(dir / "open/1", "x");
  ::chmod((dir / "locked").c_str(), 0);
  auto b = make_local_backend(dir.path());
  REQUIRE_OK(b);
  auto page = (*b)->list_page({}, kCtx);
  ::chmod((dir / "locked").c_str(), 0755);
  REQUIRE_OK(page);
  REQUIRE(page->unreadable.size() == 1);
  CHECK(page->unreadable[0].key == "locked/");
}

TEST_CASE("planner: nothing at or below an unreadable source entry is deleted", "[safety][planner]") {
  PlanInput in;
  in.source = {object("keep.txt"), object("locked2/x")};
  in.destination = {object("keep.txt"), object("locked/a"), object("locked/sub/b"), object("locked2/x"),
                    object("extra.txt")};
  in.source_unreadable = {{"locked/", Status(ErrorCode::PermissionDenied, "Permission denied")}};
  in.delete_extraneous = true;
  auto plan = compute_plan(in);
  REQUIRE_OK(plan);
  for (const char* kept : {"locked/a", "locked/sub/b"}) {
    const PlanAction* a = action_for(*plan, kept);
    REQUIRE(a != nullptr);
    CHECK(a->kind == ActionKind::Skip);
    CHECK(a->reason.find("could not be read") != std::string::npos);
  }
  const PlanAction* extra = action_for(*plan, "extra.txt");
  REQUIRE(extra != nullptr);
  CHECK(extra->kind == ActionKind::Delete);  // planned, but applying withholds it (below)
  REQUIRE(plan->unreadable.size() == 1);

  // Applying the plan: the unreadable entry is a failure, so no deletion runs at all.
  auto src = std::make_shared<MemoryBackend>("src");
  auto dst = std::make_shared<MemoryBackend>("dst");
  dst->insert_raw("extra.txt", "x");
  plan->source = src->describe();
  plan->destination = dst->describe();
  plan->actions.erase(std::remove_if(plan->actions.begin(), plan->actions.end(),
                                     [](const PlanAction& a) { return a.path != "extra.txt"; }),
                      plan->actions.end());
  auto report = apply_plan(*plan, *src, *dst, {});
  REQUIRE_OK(report);
  CHECK(report->count(OutcomeKind::Failed) == 1);
  CHECK(report->first_error().code() == ErrorCode::PermissionDenied);
  CHECK(report->deletes_skipped_reason.find("could not read") != std::string::npos);
  CHECK(dst->head(P("extra.txt"), kCtx).ok());
}

TEST_CASE("local backend anchored at a project: nothing outside it is reached", "[safety][local][anchor]") {
  TempDir dir;
  write_file(dir / "victim/keep.txt", "precious");
  fs::create_directories(dir / "project");
  LocalBackendOptions anchored;
  anchored.anchor = dir / "project";

  SECTION("a root outside the anchor is refused") {
    for (const fs::path& root : {dir / "victim", dir / "project/../victim", fs::path("/etc")}) {
      auto b = make_local_backend(root, anchored);
      REQUIRE_CODE(b, ErrorCode::PermissionDenied);
    }
  }
  SECTION("a symlinked ancestor is refused at opening and at every operation") {
    fs::create_directory_symlink(dir / "victim", dir / "project/external-files");
    auto b = make_local_backend(dir / "project/external-files/s3/x", anchored);
    REQUIRE_CODE(b, ErrorCode::PermissionDenied);
    fs::remove(dir / "project/external-files");
    fs::create_directories(dir / "project/external-files/s3/x");
    auto late = make_local_backend(dir / "project/external-files/s3/x", anchored);
    REQUIRE_OK(late);
    // Swapped for a symlink after opening: still never followed.
    fs::remove_all(dir / "project/external-files");
    fs::create_directory_symlink(dir / "victim", dir / "project/external-files");
    fs::create_directories(dir / "victim/s3/x");
    CHECK_FALSE((*late)->write_all(P("new.txt"), "x", {}, kCtx).ok());
    CHECK_FALSE((*late)->list_all({}, kCtx).ok());
    CHECK_FALSE(fs::exists(dir / "victim/s3/x/new.txt"));
    write_file(dir / "victim/s3/x/bait.txt", "bait");
    CHECK_FALSE((*late)->head(P("bait.txt"), kCtx).ok());
    CHECK((*late)->remove(P("bait.txt"), kCtx).code() == ErrorCode::PermissionDenied);
    CHECK(fs::exists(dir / "victim/s3/x/bait.txt"));
    CHECK(read_file(dir / "victim/keep.txt") == "precious");
  }
}

TEST_CASE("remove_tree_below never follows a symlink", "[safety][local]") {
  TempDir dir;
  write_file(dir / "victim/keep.txt", "precious");
  write_file(dir / "project/external-files/s3/x/a/b.txt", "b");
  fs::create_directory_symlink(dir / "victim", dir / "project/external-files/s3/x/a/link");
  fs::create_symlink(dir / "victim/keep.txt", dir / "project/external-files/s3/x/file-link");
  REQUIRE_OK(remove_tree_below(dir / "project", P("external-files/s3/x")));
  CHECK_FALSE(fs::exists(dir / "project/external-files/s3/x"));
  CHECK(read_file(dir / "victim/keep.txt") == "precious");

  fs::remove_all(dir / "project/external-files");
  fs::create_directory_symlink(dir / "victim", dir / "project/external-files");
  CHECK_FALSE(remove_tree_below(dir / "project", P("external-files/keep.txt")).ok());
  CHECK(read_file(dir / "victim/keep.txt") == "precious");
}

TEST_CASE("names the destination cannot hold are skipped with a reason and block nothing", "[safety][workspace]") {
  TempDir dir;
  auto memory = std::make_shared<MemoryBackend>("bucket");
  WorkspaceOptions o;
  o.backend_factory = [&](const Integration&, const BackendOptions&) -> Result<std::shared_ptr<StorageBackend>> {
    return std::shared_ptr<StorageBackend>(memory);
  };
  auto ws = Workspace::open(dir / "project", o);
  REQUIRE_OK(ws);
  IntegrationSpec spec;
  spec.name = "Bucket";
  spec.url = "s3://bucket";
  REQUIRE_OK((*ws)->add_integration(spec));
  const std::string long_name = "data/" + std::string(300, 'n') + ".csv";
  const std::string temp_like = "data/.x.cloudsync-000000.partial";
  memory->insert_raw("data/ok.csv", "ok");
  memory->insert_raw("data/gone.csv", "gone");
  memory->insert_raw(long_name, "long");
  memory->insert_raw(temp_like, "looks like ours");

  auto imported = (*ws)->import_files("Bucket", ImportRequest{{"data/"}, false});
  REQUIRE_OK(imported);
  CHECK(imported->report.count(OutcomeKind::Failed) == 0);
  CHECK(imported->report.count(OutcomeKind::Done) == 2);
  const PlanAction* too_long = action_for(imported->plan, long_name);
  REQUIRE(too_long != nullptr);
  CHECK(too_long->kind == ActionKind::Skip);
  CHECK(too_long->reason.find("255") != std::string::npos);
  const PlanAction* reserved = action_for(imported->plan, temp_like);
  REQUIRE(reserved != nullptr);
  CHECK(reserved->kind == ActionKind::Skip);
  CHECK(reserved->reason.find("temporary") != std::string::npos);

  // The next runs neither fetch the reserved name again nor withhold deletions.
  REQUIRE_OK(memory->remove(P("data/gone.csv"), kCtx));
  SyncRequest pull;
  pull.folders = {"data"};
  pull.delete_extraneous = true;
  auto synced = (*ws)->sync("Bucket", pull);
  REQUIRE_OK(synced);
  CHECK(synced->report.count(OutcomeKind::Failed) == 0);
  CHECK(synced->report.deletes_skipped_reason.empty());
  CHECK(synced->report.count(ActionKind::Delete, OutcomeKind::Done) == 1);
  const fs::path folder = dir / "project/external-files/s3/bucket/data";
  CHECK_FALSE(fs::exists(folder / "gone.csv"));
  CHECK(fs::exists(folder / "ok.csv"));
  CHECK_FALSE(fs::exists(folder / ".x.cloudsync-000000.partial"));
}

TEST_CASE("two workspace objects on one project keep each other's integrations", "[safety][workspace]") {
  TempDir dir;
  auto first = Workspace::open(dir / "project");
  auto second = Workspace::open(dir / "project");
  REQUIRE_OK(first);
  REQUIRE_OK(second);
  IntegrationSpec a;
  a.name = "A";
  a.url = "s3://a";
  IntegrationSpec b;
  b.name = "B";
  b.url = "s3://b";
  REQUIRE_OK((*first)->add_integration(a));
  REQUIRE_OK((*second)->add_integration(b));  // opened before A existed
  for (auto* ws : {first->get(), second->get()}) {
    std::set<std::string> names;
    for (const Integration& i : ws->integrations()) names.insert(i.spec.name);
    CHECK(names == std::set<std::string>{"A", "B"});
  }
  REQUIRE_OK((*first)->remove_integration("B"));
  auto again = (*second)->add_integration(a);
  REQUIRE_CODE(again, ErrorCode::AlreadyExists);  // the second sees what the first did
  REQUIRE((*second)->integrations().size() == 1);
}

}  // namespace cloudsync::test
