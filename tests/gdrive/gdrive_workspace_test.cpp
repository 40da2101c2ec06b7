// Every engine operation through a gdrive://<folder id> integration, with
// credentials supplied when the workspace opens (a user's refresh token, or a
// service account): import, restore, export (writeback), sync with dry run
// and delete_extraneous, a Google Doc that writeback never overwrites, and
// duplicates reported as collisions.
#include "cloudsync/workspace.hpp"
#include "gdrive/drive_fixture.hpp"

namespace cloudsync::test {

namespace fs = std::filesystem;

namespace {

constexpr const char* kDocMime = "application/vnd.google-apps.document";
constexpr const char* kDocxMime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

struct DriveProject {
  TempDir dir;
  DriveAdmin admin;
  std::string root = fresh_folder();
  std::shared_ptr<StorageBackend> drive = open_drive(drive_options(root));  // Drive seen directly
  std::unique_ptr<Workspace> ws;
  std::string name = "Team Drive";
  fs::path folder;

  explicit DriveProject(BackendOptions credentials) {
    WorkspaceOptions o;
    o.credentials = [credentials](const Integration&) { return credentials; };
    auto w = Workspace::open(dir / "project", o);
    REQUIRE_OK(w);
    ws = std::move(*w);
    IntegrationSpec spec;
    spec.name = name;
    spec.url = "gdrive://" + root;
    spec.writeback = true;
    spec.options = {{"endpoint", drive_server().url()}, {"pacer_min_sleep_ms", "0"}};
    auto integ = ws->add_integration(spec);
    REQUIRE_OK(integ);
    CHECK(integ->folder == "external-files/googledrive/team_drive");
    folder = dir / "project" / integ->folder;
  }

  void put_remote(const std::string& key, const std::string& data) {
    REQUIRE_OK(drive->write_all(P(key), data, {}, {}));
  }
  std::string remote_text(const std::string& key) {
    auto r = drive->read_all(P(key), {});
    REQUIRE_OK(r);
    return *r;
  }
  ObjectMeta remote_head(const std::string& key) {
    auto r = drive->head(P(key), {});
    REQUIRE_OK(r);
    return *r;
  }
  OperationResult import(std::vector<std::string> selectors, bool dry_run = false) {
    auto r = ws->import_files(name, ImportRequest{std::move(selectors), dry_run});
    REQUIRE_OK(r);
    return *r;
  }
  OperationResult export_all() {
    auto r = ws->export_files(name, {});
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

BackendOptions user_credentials() {
  return {{"client_id", kClientId},
          {"client_secret", kClientSecret},
          {"refresh_token", kRefreshToken},
          {"token_uri", token_uri()}};
}

size_t count(const OperationResult& r, ActionKind action, OutcomeKind outcome) {
  return r.report.count(action, outcome);
}

const ActionOutcome* outcome_for(const OperationResult& r, const std::string& path) {
  for (const ActionOutcome& o : r.report.outcomes) {
    if (o.path == path) return &o;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("every engine operation through a gdrive:// integration", "[gdrive][workspace]") {
  DriveProject p(user_credentials());
  p.put_remote("data/a.csv", "a,1");
  p.put_remote("data/sub/b.csv", "b,2");
  p.put_remote("data/sub/deeper/c.csv", "c,3");
  p.put_remote("notes.txt", "not selected");
  std::string data_id = p.admin.child(p.root, "data").id;
  std::string plan_id = p.admin.create_document("Plan", data_id, kDocMime, "the plan");
  const std::string plan_export = std::string(kDocxMime) + "\nthe plan";

  // Import: a dry run first (nothing written), then the real thing.
  OperationResult dry = p.import({"data/"}, true);
  CHECK(dry.report.count(OutcomeKind::DryRun) == 4);
  CHECK(list_tree(p.folder).empty());
  OperationResult imported = p.import({"data/"});
  CHECK(imported.report.count(OutcomeKind::Done) == 4);
  CHECK(list_tree(p.folder) ==
        std::vector<std::string>{"data/Plan.docx", "data/a.csv", "data/sub/b.csv", "data/sub/deeper/c.csv"});
  CHECK(read_file(p.folder / "data/sub/deeper/c.csv") == "c,3");
  CHECK(read_file(p.folder / "data/Plan.docx") == plan_export);
  auto tracked = p.ws->tracked_files(p.name);
  REQUIRE_OK(tracked);
  CHECK(tracked->size() == 4);

  // Restore (a kernel start): nothing moves when nothing changed ...
  OperationResult idle = p.restore();
  CHECK(idle.plan.actions.empty());
  CHECK(idle.report.unchanged == 4);
  // ... and only what is missing or changed when something did.
  fs::remove(p.folder / "data/a.csv");
  p.put_remote("data/sub/b.csv", "b,2,changed on Drive");
  OperationResult restored = p.restore();
  CHECK(restored.report.count(OutcomeKind::Done) == 2);
  CHECK(read_file(p.folder / "data/a.csv") == "a,1");
  CHECK(read_file(p.folder / "data/sub/b.csv") == "b,2,changed on Drive");

  // Export (writeback): a changed file keeps its Drive ID, a new file is
  // created, and the Google Doc edited locally is never written over.
  const std::string a_id = p.remote_head("data/a.csv").id;
  const std::string plan_version = p.remote_head("data/Plan.docx").version;
  write_file(p.folder / "data/a.csv", "a,1,edited in the project");
  write_file(p.folder / "data/new.csv", "brand new");
  write_file(p.folder / "data/Plan.docx", "edited locally");
  OperationResult exported = p.export_all();
  CHECK(count(exported, ActionKind::Update, OutcomeKind::Done) == 1);
  CHECK(count(exported, ActionKind::Add, OutcomeKind::Done) == 1);
  const ActionOutcome* doc = outcome_for(exported, "data/Plan.docx");
  REQUIRE(doc != nullptr);
  CHECK(doc->outcome == OutcomeKind::Skipped);
  CHECK(doc->message.find("never overwritten") != std::string::npos);
  CHECK(p.remote_text("data/a.csv") == "a,1,edited in the project");
  CHECK(p.remote_head("data/a.csv").id == a_id);
  CHECK(p.remote_text("data/new.csv") == "brand new");
  CHECK(p.remote_head("data/Plan.docx").version == plan_version);
  CHECK(p.remote_text("data/Plan.docx") == plan_export);
  CHECK(p.admin.children(data_id).size() == 4);  // Plan, a.csv, new.csv, sub: no twins

  // Pull sync with a dry run, then delete_extraneous for real.
  p.put_remote("data/sub/remote-new.csv", "from Drive");
  REQUIRE_OK(p.drive->remove(P("data/sub/deeper/c.csv"), {}));
  SyncRequest pull;
  pull.folders = {"data"};
  pull.delete_extraneous = true;
  pull.dry_run = true;
  OperationResult planned = p.sync(pull);
  CHECK(planned.plan.count(ActionKind::Add) == 1);
  CHECK(planned.plan.count(ActionKind::Delete) == 1);
  CHECK(planned.report.count(OutcomeKind::DryRun) == 2);
  CHECK(fs::exists(p.folder / "data/sub/deeper/c.csv"));
  CHECK_FALSE(fs::exists(p.folder / "data/sub/remote-new.csv"));
  pull.dry_run = false;
  OperationResult pulled = p.sync(pull);
  CHECK(count(pulled, ActionKind::Add, OutcomeKind::Done) == 1);
  CHECK(count(pulled, ActionKind::Delete, OutcomeKind::Done) == 1);
  CHECK_FALSE(fs::exists(p.folder / "data/sub/deeper/c.csv"));
  CHECK(read_file(p.folder / "data/sub/remote-new.csv") == "from Drive");
  CHECK(read_file(p.folder / "data/Plan.docx") == "edited locally");  // changed here only: kept

  // Push sync with delete_extraneous: local deletions reach Drive (the trash),
  // except for the Google Doc.
  const std::string new_id = p.remote_head("data/new.csv").id;
  fs::remove(p.folder / "data/new.csv");
  fs::remove(p.folder / "data/Plan.docx");
  SyncRequest push;
  push.direction = SyncDirection::Push;
  push.folders = {"data"};
  push.delete_extraneous = true;
  OperationResult pushed = p.sync(push);
  CHECK(count(pushed, ActionKind::Delete, OutcomeKind::Done) == 1);
  REQUIRE_CODE(p.drive->head(P("data/new.csv"), {}), ErrorCode::NotFound);
  CHECK(p.admin.get(new_id)->trashed);
  CHECK_FALSE(p.admin.get(plan_id)->trashed);
  CHECK(p.remote_text("data/Plan.docx") == plan_export);

  // Same-name files on Drive are a collision: reported, neither downloaded.
  p.admin.create_file("dup.csv", data_id, "one");
  p.admin.create_file("dup.csv", data_id, "two");
  SyncRequest again;
  again.folders = {"data"};
  OperationResult collided = p.sync(again);
  size_t collisions = 0;
  for (const PlanAction& a : collided.plan.actions) {
    if (a.path == "data/dup.csv") {
      CHECK(a.kind == ActionKind::Skip);
      CHECK(a.reason.find("collide") != std::string::npos);
      ++collisions;
    }
  }
  CHECK(collisions == 2);
  CHECK_FALSE(fs::exists(p.folder / "data/dup.csv"));
}

TEST_CASE("a service account from GOOGLE_APPLICATION_CREDENTIALS, its key file's token_uri honoured",
          "[gdrive][workspace][auth]") {
  ScopedEnv adc("GOOGLE_APPLICATION_CREDENTIALS", service_account_key_file().c_str());
  const int64_t before = token_requests("urn:ietf:params:oauth:grant-type:jwt-bearer");
  DriveProject p(BackendOptions{{"scope", "drive.readonly"}});
  p.put_remote("shared/report.csv", "x,y");
  OperationResult imported = p.import({"shared/report.csv"});
  CHECK(imported.report.count(OutcomeKind::Done) == 1);
  CHECK(read_file(p.folder / "shared/report.csv") == "x,y");
  CHECK(token_requests("urn:ietf:params:oauth:grant-type:jwt-bearer") == before + 1);

  SECTION("or the key given by the integration") {
    ScopedEnv none("GOOGLE_APPLICATION_CREDENTIALS", nullptr);
    DriveProject q(BackendOptions{{"service_account_key", read_file(service_account_key_file())}});
    q.put_remote("k.txt", "key text");
    CHECK(q.import({"k.txt"}).report.count(OutcomeKind::Done) == 1);
    CHECK(token_requests("urn:ietf:params:oauth:grant-type:jwt-bearer") == before + 2);
  }
}

}  // namespace cloudsync::test
