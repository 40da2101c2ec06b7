#include "conformance/workspace_conformance.hpp"

#include <algorithm>
#include <filesystem>
#include <vector>

#include "cloudsync/workspace.hpp"
#include "core/hash.hpp"
#include "support/fault_backend.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {
namespace {

namespace fs = std::filesystem;

// A project with one writeback integration on a fresh remote of the target.
// The workspace opens the remote through `faults`, a FaultBackend around a
// backend opened from the integration's URL, stored options and credentials.
class ConformanceProject {
 public:
  explicit ConformanceProject(const WorkspaceTarget& target) : remote(target.make_remote()) {
    REQUIRE(remote.direct);
    open();
    IntegrationSpec spec;
    spec.name = name;
    spec.url = remote.url;
    spec.writeback = true;
    spec.options = remote.stored_options;
    auto integ = ws->add_integration(spec);
    REQUIRE_OK(integ);
    CHECK(integ->folder ==
          "external-files/" + integration_type_for_url(remote.url) + "/" + sanitize_integration_name(name));
    folder = dir / "project" / integ->folder;
  }

  /// A new session, as after a restart: a fresh FaultBackend (no faults
  /// left) and the workspace opened again on the same project.
  void open() {
    ws.reset();
    BackendOptions merged = remote.stored_options;
    for (const auto& [k, v] : remote.credentials) merged[k] = v;
    auto backend = open_backend(remote.url, merged);
    REQUIRE_OK(backend);
    faults = std::make_shared<FaultBackend>(*backend);
    WorkspaceOptions o;
    o.credentials = [credentials = remote.credentials](const Integration&) { return credentials; };
    // The engine hands over the stored options with the credentials merged
    // in; the suite's own backend on them carries the faults.
    o.backend_factory = [this, merged](const Integration& integ,
                                       const BackendOptions& given) -> Result<std::shared_ptr<StorageBackend>> {
      if (integ.spec.url != remote.url || given != merged) {
        return Status(ErrorCode::InvalidArgument, "the workspace opened the integration with other settings");
      }
      return std::shared_ptr<StorageBackend>(faults);
    };
    auto w = Workspace::open(dir / "project", o);
    REQUIRE_OK(w);
    ws = std::move(*w);
  }

  void put_remote(const std::string& key, const std::string& data) {
    REQUIRE_OK(remote.direct->write_all(P(key), data, {}, kCtx));
  }
  std::string remote_text(const std::string& key) {
    auto r = remote.direct->read_all(P(key), kCtx);
    REQUIRE_OK(r);
    return *r;
  }
  bool remote_has(const std::string& key) {
    auto r = remote.direct->head(P(key), kCtx);
    if (r.ok()) return true;
    REQUIRE_CODE(r, ErrorCode::NotFound);
    return false;
  }
  void remove_remote(const std::string& key) { REQUIRE_OK(remote.direct->remove(P(key), kCtx)); }

  /// Operations that must run (a failed transfer is checked by the caller).
  OperationResult import(std::vector<std::string> selectors, bool dry_run = false) {
    return checked(ws->import_files(name, ImportRequest{std::move(selectors), dry_run}));
  }
  OperationResult export_all(bool dry_run = false) {
    ExportRequest request;
    request.dry_run = dry_run;
    return checked(ws->export_files(name, request));
  }
  OperationResult restore() {
    auto r = ws->restore(name, {});
    REQUIRE_OK(r);
    REQUIRE(r->size() == 1);
    return checked(r->front());
  }
  OperationResult sync(const SyncRequest& request) { return checked(ws->sync(name, request)); }

  std::vector<std::string> local_files() { return list_tree(folder); }

  WorkspaceRemote remote;
  TempDir dir;
  std::string name = "Conformance Remote";
  std::shared_ptr<FaultBackend> faults;
  std::unique_ptr<Workspace> ws;
  fs::path folder;

 private:
  static OperationResult checked(Result<OperationResult> r) {
    REQUIRE_OK(r);
    INFO(operation_result_to_json(*r));
    CHECK(r->report.count(OutcomeKind::Failed) == 0);
    return *r;
  }
};

const PlanAction* action_for(const Plan& plan, const std::string& path) {
  for (const PlanAction& a : plan.actions) {
    if (a.path == path) return &a;
  }
  return nullptr;
}

// The raw names a store with these quirks can hold, none of them a Path.
std::vector<std::string> hostile_names(const WorkspaceQuirks& quirks) {
  std::vector<std::string> names;
  if (quirks.holds_dot_segments) {
    names.push_back("data/../../escaped.txt");
    names.push_back("data/./dot.txt");
  }
  if (quirks.holds_empty_segments) {
    names.push_back("data//double.txt");
    names.push_back("/absolute.txt");
  }
  if (quirks.holds_control_chars) names.push_back("data/ctl\x01.txt");
  if (quirks.holds_nul_bytes) names.push_back(std::string("data/nul\0.txt", 13));
  return names;
}

}  // namespace

void run_workspace_conformance(const WorkspaceTarget& target) {
  INFO("workspace target: " << target.name);
  ConformanceProject p(target);

  SECTION("import: keys, folders on their boundaries and globs; a dry run; then nothing to do") {
    p.put_remote("data/2024/jan.csv", "j");
    p.put_remote("data/2024/feb.csv", "ff");
    p.put_remote("data/notes.txt", "notes");
    p.put_remote("data2/other.csv", "o");
    p.put_remote("top.json", "{}");
    p.put_remote("deep/a/b/c.json", "[]");

    OperationResult dry = p.import({"data"}, true);
    CHECK(dry.plan.count(ActionKind::Add) == 3);
    CHECK(dry.report.count(OutcomeKind::DryRun) == 3);
    CHECK(p.faults->gets == 0);
    CHECK(p.local_files().empty());
    CHECK(p.ws->tracked_files(p.name)->empty());

    CHECK(done_count(p.import({"data"})) == 3);
    CHECK(p.local_files() == std::vector<std::string>{"data/2024/feb.csv", "data/2024/jan.csv", "data/notes.txt"});
    CHECK(read_file(p.folder / "data/2024/feb.csv") == "ff");
    CHECK(read_file(p.folder / "data/notes.txt") == "notes");

    CHECK(done_count(p.import({"top.json", "**/*.json"})) == 2);
    CHECK(p.local_files() == std::vector<std::string>{"data/2024/feb.csv", "data/2024/jan.csv", "data/notes.txt",
                                                      "deep/a/b/c.json", "top.json"});
    auto tracked = p.ws->tracked_files(p.name);
    REQUIRE_OK(tracked);
    CHECK(tracked->size() == 5);
    for (const TrackedFile& f : *tracked) {
      CHECK(f.origin == "import");
      CHECK(f.sha256 == sha256_hex(read_file(p.folder / f.path)));
    }

    const int gets = p.faults->gets;
    OperationResult again = p.import({"data"});
    CHECK(done_count(again) == 0);
    CHECK(again.report.unchanged == 3);
    CHECK(p.faults->gets == gets);

    REQUIRE_CODE(p.ws->import_files(p.name, {{"nope/"}}), ErrorCode::NotFound);
    REQUIRE_CODE(p.ws->import_files(p.name, {{"../data"}}), ErrorCode::InvalidArgument);
    REQUIRE_CODE(p.ws->import_files(p.name, {{"/abs/key"}}), ErrorCode::InvalidArgument);
    REQUIRE_CODE(p.ws->import_files(p.name, {{}}), ErrorCode::InvalidArgument);
    REQUIRE_CODE(p.ws->import_files("No Such Integration", {{"data"}}), ErrorCode::NotFound);
  }

  SECTION("export: new and changed files go up after a dry run; then nothing is sent") {
    p.put_remote("data/a.csv", "a1");
    p.import({"data/a.csv"});
    write_file(p.folder / "data/a.csv", "a2, edited");
    write_file(p.folder / "my_new_data.csv", "fresh");
    write_file(p.folder / ".my_new_data.csv.swp", "editor junk");

    OperationResult dry = p.export_all(true);
    CHECK(dry.plan.count(ActionKind::Add) == 1);
    CHECK(dry.plan.count(ActionKind::Update) == 1);
    CHECK(dry.report.count(OutcomeKind::DryRun) == 2);
    CHECK(p.remote_text("data/a.csv") == "a1");
    CHECK_FALSE(p.remote_has("my_new_data.csv"));

    CHECK(done_count(p.export_all()) == 2);
    CHECK(p.remote_text("data/a.csv") == "a2, edited");
    CHECK(p.remote_text("my_new_data.csv") == "fresh");
    CHECK_FALSE(p.remote_has(".my_new_data.csv.swp"));

    // Nothing changed since: the next export asks nothing of the remote,
    // and a touched but identical file is not sent again.
    const int heads = p.faults->heads;
    const int puts = p.faults->puts;
    CHECK(p.export_all().plan.actions.empty());
    CHECK(p.faults->heads == heads);
    write_file(p.folder / "my_new_data.csv", "fresh");
    CHECK(p.export_all().plan.actions.empty());
    CHECK(p.faults->puts == puts);
  }

  SECTION("restore: only what is missing or changed comes back, local work is kept") {
    p.put_remote("a.csv", "a");
    p.put_remote("b.csv", "b");
    p.put_remote("c.csv", "c");
    p.import({"a.csv", "b.csv", "c.csv"});
    write_file(p.folder / "exported.csv", "e");
    CHECK(done_count(p.export_all()) == 1);

    int gets = p.faults->gets;
    OperationResult idle = p.restore();
    CHECK(idle.plan.actions.empty());
    CHECK(idle.report.unchanged == 4);
    CHECK(p.faults->gets == gets);

    fs::remove(p.folder / "a.csv");
    p.put_remote("b.csv", "b, newer");
    write_file(p.folder / "c.csv", "local work");
    OperationResult some = p.restore();
    CHECK(done_count(some) == 2);
    CHECK(p.faults->gets == gets + 2);
    CHECK(read_file(p.folder / "a.csv") == "a");
    CHECK(read_file(p.folder / "b.csv") == "b, newer");
    CHECK(read_file(p.folder / "c.csv") == "local work");  // a pending export, kept
    CHECK(some.plan.count(ActionKind::Skip) == 1);

    // A fresh kernel: every tracked file of every integration comes back,
    // exported ones too.
    fs::remove_all(p.dir / "project/external-files");
    auto all = p.ws->restore("", {});
    REQUIRE_OK(all);
    REQUIRE(all->size() == 1);
    CHECK(done_count(all->front()) == 4);
    CHECK(read_file(p.folder / "exported.csv") == "e");
    CHECK(read_file(p.folder / "c.csv") == "c");

    // An object deleted remotely is reported, and the local copy kept.
    p.remove_remote("a.csv");
    OperationResult gone = p.restore();
    CHECK(gone.plan.count(ActionKind::Skip) == 1);
    CHECK(read_file(p.folder / "a.csv") == "a");
  }

  SECTION("pull sync: selected folders only, a dry run, then delete_extraneous") {
    p.put_remote("images/1.png", "1");
    p.put_remote("images/2.png", "2");
    p.put_remote("images2/x.png", "x");
    p.put_remote("other/y.txt", "y");
    SyncRequest pull;
    pull.folders = {"images"};
    CHECK(done_count(p.sync(pull)) == 2);
    CHECK(p.local_files() == std::vector<std::string>{"images/1.png", "images/2.png"});

    p.remove_remote("images/1.png");
    p.put_remote("images/3.png", "3");
    p.put_remote("images/2.png", "2 changed");
    write_file(p.folder / "images/local-only.png", "mine");

    pull.delete_extraneous = true;
    pull.dry_run = true;
    OperationResult dry = p.sync(pull);
    CHECK(dry.plan.count(ActionKind::Delete) == 1);
    CHECK(dry.report.count(OutcomeKind::DryRun) == 3);
    CHECK(read_file(p.folder / "images/2.png") == "2");
    CHECK(fs::exists(p.folder / "images/1.png"));

    // Without delete_extraneous the file removed remotely stays, with a note.
    pull.delete_extraneous = false;
    pull.dry_run = false;
    OperationResult kept = p.sync(pull);
    CHECK(kept.plan.count(ActionKind::Add) == 1);
    CHECK(kept.plan.count(ActionKind::Update) == 1);
    CHECK(kept.plan.count(ActionKind::Skip) == 1);
    CHECK(fs::exists(p.folder / "images/1.png"));

    // The max-delete guard refuses the whole plan.
    pull.delete_extraneous = true;
    pull.max_delete = 0;
    REQUIRE_CODE(p.ws->sync(p.name, pull), ErrorCode::LimitExceeded);
    CHECK(fs::exists(p.folder / "images/1.png"));

    pull.max_delete.reset();
    OperationResult real = p.sync(pull);
    CHECK(real.report.count(ActionKind::Delete, OutcomeKind::Done) == 1);
    CHECK(p.local_files() == std::vector<std::string>{"images/2.png", "images/3.png", "images/local-only.png"});
    CHECK(read_file(p.folder / "images/2.png") == "2 changed");
    CHECK(read_file(p.folder / "images/3.png") == "3");
  }

  SECTION("push sync: local additions, changes and deletions reach the remote") {
    p.put_remote("out/a.txt", "a");
    p.put_remote("out/b.txt", "b");
    p.put_remote("keep/k.txt", "k");
    p.import({"out/", "keep/"});
    fs::remove(p.folder / "out/a.txt");
    write_file(p.folder / "out/b.txt", "b, edited");
    write_file(p.folder / "out/c.txt", "c");
    fs::remove(p.folder / "keep/k.txt");  // outside the pushed folder: stays remotely

    SyncRequest push;
    push.direction = SyncDirection::Push;
    push.folders = {"out"};
    push.delete_extraneous = true;
    push.dry_run = true;
    OperationResult dry = p.sync(push);
    CHECK(dry.report.count(OutcomeKind::DryRun) == 3);
    CHECK(p.remote_has("out/a.txt"));
    CHECK_FALSE(p.remote_has("out/c.txt"));

    push.dry_run = false;
    OperationResult pushed = p.sync(push);
    CHECK(pushed.report.count(ActionKind::Delete, OutcomeKind::Done) == 1);
    CHECK(pushed.report.count(ActionKind::Add, OutcomeKind::Done) == 1);
    CHECK(pushed.report.count(ActionKind::Update, OutcomeKind::Done) == 1);
    CHECK_FALSE(p.remote_has("out/a.txt"));
    CHECK(p.remote_text("out/b.txt") == "b, edited");
    CHECK(p.remote_text("out/c.txt") == "c");
    CHECK(p.remote_text("keep/k.txt") == "k");
    CHECK(p.sync(push).plan.actions.empty());
  }

  SECTION("conflicts: a file changed on both sides is never overwritten, either way") {
    p.put_remote("shared.csv", "v1");
    p.put_remote("images/2.png", "2");
    p.import({"shared.csv", "images/"});
    write_file(p.folder / "shared.csv", "local edit");
    p.put_remote("shared.csv", "someone else's edit");
    OperationResult exported = p.export_all();
    CHECK(exported.plan.count(ActionKind::Conflict) == 1);
    CHECK(p.remote_text("shared.csv") == "someone else's edit");
    CHECK(read_file(p.folder / "shared.csv") == "local edit");
    // A file created remotely after the local one also stays.
    write_file(p.folder / "race.csv", "mine");
    p.put_remote("race.csv", "theirs");
    CHECK(p.export_all().plan.count(ActionKind::Conflict) == 2);
    CHECK(p.remote_text("race.csv") == "theirs");

    write_file(p.folder / "images/2.png", "local edit");
    p.put_remote("images/2.png", "2 changed");
    SyncRequest sync;
    sync.folders = {"images"};
    sync.delete_extraneous = true;
    CHECK(p.sync(sync).plan.count(ActionKind::Conflict) == 1);
    sync.direction = SyncDirection::Push;
    CHECK(p.sync(sync).plan.count(ActionKind::Conflict) == 1);
    CHECK(read_file(p.folder / "images/2.png") == "local edit");
    CHECK(p.remote_text("images/2.png") == "2 changed");
  }

  SECTION("hostile remote names are skipped with a reason and never written outside the project") {
    const std::vector<std::string> names = hostile_names(target.quirks);
    if (!names.empty()) p.remote.plant_raw(names);
    p.put_remote("data/good.txt", "good");

    OperationResult imported = p.import({"data/"});
    CHECK(done_count(imported) == 1);
    OperationResult synced = p.sync({});  // the whole remote
    for (const std::string& n : names) {
      INFO("hostile name: " << n);
      const PlanAction* skipped = action_for(synced.plan, n);
      REQUIRE(skipped != nullptr);
      CHECK(skipped->kind == ActionKind::Skip);
      CHECK_FALSE(skipped->reason.empty());
      if (n.starts_with("data/")) {
        const PlanAction* at_import = action_for(imported.plan, n);
        REQUIRE(at_import != nullptr);
        CHECK(at_import->kind == ActionKind::Skip);
      }
    }
    CHECK(p.local_files() == std::vector<std::string>{"data/good.txt"});
    // Nothing at all beside the project's state and the integration's folder.
    const std::string folder = p.folder.lexically_relative(p.dir.path()).string() + "/";
    for (const std::string& f : list_tree(p.dir.path())) {
      INFO(f);
      CHECK((f.starts_with("project/.cloudsync/") || f.starts_with(folder)));
    }
  }

  SECTION("interrupted transfers: nothing partial under a real name, the next session finishes") {
    const std::string big = random_bytes(target.large_file_size, 5);
    p.put_remote("big.bin", big);
    p.put_remote("small.txt", "small");
    // Every attempt, resumptions included, drops after 1000 bytes.
    p.faults->inject_get({"big.bin", 1000, ErrorCode::Network, -1});
    auto cut = p.ws->import_files(p.name, {{"big.bin", "small.txt"}});
    REQUIRE_OK(cut);
    CHECK(cut->report.count(OutcomeKind::Failed) == 1);
    CHECK(cut->report.count(OutcomeKind::Done) == 1);
    CHECK(p.local_files() == std::vector<std::string>{"small.txt"});  // hidden temporaries included
    CHECK(p.ws->tracked_files(p.name)->size() == 1);

    write_file(p.folder / "out/new.csv", "new");
    p.faults->hide_local_root();  // a file:// store too takes the upload through put()
    p.faults->fail_put("out/new.csv", ErrorCode::Network, -1);
    auto refused = p.ws->export_files(p.name, {});
    REQUIRE_OK(refused);
    CHECK(refused->report.count(OutcomeKind::Failed) == 1);
    CHECK_FALSE(p.remote_has("out/new.csv"));

    p.open();  // the network is back
    CHECK(done_count(p.import({"big.bin"})) == 1);
    CHECK(sha256_hex(read_file(p.folder / "big.bin")) == sha256_hex(big));
    CHECK(done_count(p.export_all()) == 1);
    CHECK(p.remote_text("out/new.csv") == "new");
    CHECK(p.local_files() == std::vector<std::string>{"big.bin", "out/new.csv", "small.txt"});
  }

  SECTION("an empty source listing deletes nothing, pulled or pushed") {
    p.put_remote("images/1.png", "1");
    p.put_remote("images/2.png", "2");
    p.put_remote("out/a.txt", "a");
    p.import({"images/", "out/"});

    p.remove_remote("images/1.png");
    p.remove_remote("images/2.png");
    SyncRequest pull;
    pull.folders = {"images"};
    pull.delete_extraneous = true;
    OperationResult pulled = p.sync(pull);
    CHECK(pulled.plan.count(ActionKind::Delete) == 0);
    CHECK_FALSE(pulled.plan.warnings.empty());
    CHECK(read_file(p.folder / "images/1.png") == "1");
    CHECK(read_file(p.folder / "images/2.png") == "2");

    fs::remove_all(p.folder / "out");
    SyncRequest push;
    push.direction = SyncDirection::Push;
    push.folders = {"out"};
    push.delete_extraneous = true;
    OperationResult pushed = p.sync(push);
    CHECK(pushed.plan.count(ActionKind::Delete) == 0);
    CHECK_FALSE(pushed.plan.warnings.empty());
    CHECK(p.remote_text("out/a.txt") == "a");
  }

  SECTION("a failed listing fails the operation and deletes nothing") {
    p.put_remote("images/1.png", "1");
    p.put_remote("images/2.png", "2");
    p.import({"images/"});
    write_file(p.folder / "images/local-only.png", "mine");
    SyncRequest pull;
    pull.folders = {"images"};
    pull.delete_extraneous = true;
    p.faults->fail_list(ErrorCode::Network);
    REQUIRE_CODE(p.ws->sync(p.name, pull), ErrorCode::Network);
    CHECK(p.local_files() == std::vector<std::string>{"images/1.png", "images/2.png", "images/local-only.png"});

    fs::remove(p.folder / "images/1.png");
    SyncRequest push = pull;
    push.direction = SyncDirection::Push;
    p.faults->fail_list(ErrorCode::Network);
    REQUIRE_CODE(p.ws->sync(p.name, push), ErrorCode::Network);
    CHECK(p.remote_has("images/1.png"));
    CHECK_FALSE(p.remote_has("images/local-only.png"));
  }
}

}  // namespace cloudsync::test
