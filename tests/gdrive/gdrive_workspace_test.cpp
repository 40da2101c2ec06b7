// The engine through a gdrive://<folder id> integration, with credentials
// supplied when the workspace opens (a user's refresh token, or a service
// account): the workspace conformance suite on the Drive stand-in, then what
// only Drive shows: Google Docs exported on import and never overwritten,
// updates that keep a file's ID, deletions that go to the trash, and
// same-name files reported as collisions.
#include "conformance/workspace_conformance.hpp"
#include "gdrive/drive_fixture.hpp"

namespace cloudsync::test {

namespace fs = std::filesystem;

namespace {

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

// Creates the file `name` below the folder `root` as another Drive client
// would: each segment a Drive name, folders reused where they exist.
void plant_drive_file(const std::string& root, const std::string& name) {
  DriveAdmin admin;
  std::string parent = root;
  size_t start = 0;
  for (size_t slash = name.find('/'); slash != std::string::npos; slash = name.find('/', start)) {
    const std::string segment = name.substr(start, slash - start);
    std::string found;
    for (const RawFile& f : admin.children(parent)) {
      if (f.name == segment && f.mime_type == kFolderMime && !f.trashed) found = f.id;
    }
    parent = found.empty() ? admin.create_folder(segment, parent) : found;
    start = slash + 1;
  }
  admin.create_file(name.substr(start), parent, "planted");
}

}  // namespace

TEST_CASE("Google Drive workspace conformance", "[gdrive][workspace][conformance]") {
  WorkspaceTarget target;
  target.name = "gdrive (stand-in)";
  // A Drive name may be ".." or hold control characters; a '/' in a name
  // shows as U+FF0F, so no name makes an empty segment.
  target.quirks = {.holds_dot_segments = true, .holds_control_chars = true};
  target.make_remote = [] {
    const std::string root = fresh_folder();
    WorkspaceRemote remote;
    remote.url = "gdrive://" + root;
    remote.stored_options = {{"endpoint", drive_server().url()}, {"pacer_min_sleep_ms", "0"}};
    remote.credentials = user_credentials();
    remote.direct = open_drive(drive_options(root));
    remote.plant_raw = [root](const std::vector<std::string>& names) {
      for (const std::string& name : names) plant_drive_file(root, name);
    };
    return remote;
  };
  run_workspace_conformance(target);
}

TEST_CASE("Drive workspace: Google Docs, file IDs, the trash and same-name files", "[gdrive][workspace]") {
  DriveProject p(user_credentials());
  p.put_remote("data/a.csv", "a,1");
  p.put_remote("data/sub/b.csv", "b,2");
  std::string data_id = p.admin.child(p.root, "data").id;
  std::string plan_id = p.admin.create_document("Plan", data_id, kDocMime, "the plan");
  const std::string plan_export = std::string(kDocxMime) + "\nthe plan";

  // Import: the Google Doc arrives exported, under its export extension.
  OperationResult imported = p.import({"data/"});
  CHECK(imported.report.count(OutcomeKind::Done) == 3);
  CHECK(list_tree(p.folder) == std::vector<std::string>{"data/Plan.docx", "data/a.csv", "data/sub/b.csv"});
  CHECK(read_file(p.folder / "data/Plan.docx") == plan_export);

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
  CHECK(p.remote_head("data/Plan.docx").version == plan_version);
  CHECK(p.remote_text("data/Plan.docx") == plan_export);
  CHECK(p.admin.children(data_id).size() == 4);  // Plan, a.csv, new.csv, sub: no twins

  // Push sync with delete_extraneous: local deletions reach Drive's trash,
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
