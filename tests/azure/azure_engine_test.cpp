// Every engine operation through the Azure backend: a Workspace whose
// integration is az://container/prefix, with the endpoint and block settings
// stored with the integration and the account key supplied as a credential
// (never stored): import, export, restore, pull and push sync with dry runs
// and delete_extraneous, block uploads of large files, and hostile names.
#include <sys/stat.h>

#include <pugixml.hpp>

#include "azure/azurite.hpp"
#include "cloudsync/workspace.hpp"
#include "core/file_io.hpp"
#include "core/hash.hpp"
#include "core/time.hpp"

namespace cloudsync::test {

namespace fs = std::filesystem;

namespace {

TimePoint local_mtime(const fs::path& file) {
  struct ::stat st {};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  return file_info_from_stat(st).mtime;
}

struct AzureProject {
  Azurite& az = azurite();
  std::string container = az.new_container();
  std::string url = "az://" + container + "/proj";
  TempDir dir;
  std::unique_ptr<Workspace> ws;
  std::string name = "Azure Research Data";
  fs::path folder;
  std::shared_ptr<StorageBackend> remote;  // the same prefix, opened by the test

  explicit AzureProject(BackendOptions stored = {}) {
    WorkspaceOptions o;
    o.credentials = [](const Integration&) {
      return BackendOptions{{"account", std::string(auth::kAzuriteAccount)},
                            {"account_key", std::string(auth::kAzuriteAccountKey)}};
    };
    auto w = Workspace::open(dir / "project", o);
    REQUIRE_OK(w);
    ws = std::move(*w);
    IntegrationSpec spec;
    spec.name = name;
    spec.url = url;
    spec.writeback = true;
    spec.options = std::move(stored);
    spec.options["endpoint"] = az.endpoint();
    auto integ = ws->add_integration(spec);
    REQUIRE_OK(integ);
    folder = dir / "project" / integ->folder;
    auto r = open_backend(url, {{"endpoint", az.endpoint()},
                                {"account", std::string(auth::kAzuriteAccount)},
                                {"account_key", std::string(auth::kAzuriteAccountKey)}});
    REQUIRE_OK(r);
    remote = *r;
  }
  ObjectMeta put_remote(const std::string& key, const std::string& data, std::optional<TimePoint> mtime = {}) {
    PutOptions o;
    o.mtime = mtime;
    auto r = remote->write_all(P(key), data, o, kCtx);
    REQUIRE_OK(r);
    return *r;
  }
  std::string remote_text(const std::string& key) {
    auto r = remote->read_all(P(key), kCtx);
    REQUIRE_OK(r);
    return *r;
  }
  OperationResult check(Result<OperationResult> r) {
    REQUIRE_OK(r);
    INFO(operation_result_to_json(*r));
    CHECK(r->report.count(OutcomeKind::Failed) == 0);
    return *r;
  }
};

size_t done(const OperationResult& r) { return r.report.count(OutcomeKind::Done); }

}  // namespace

TEST_CASE("azure engine: import, export, restore and sync through az://container/prefix", "[azure][engine]") {
  AzureProject p({{"upload_cutoff", "1M"}, {"block_size", "256K"}});
  TimePoint old_mtime = from_unix_nanos(1'600'000'000'987'654'321);
  std::string big = random_bytes(3 * 1024 * 1024 + 7, 21);
  p.put_remote("data/a.csv", "a,1\n");
  p.put_remote("data/sub/b.csv", "b,2\n", old_mtime);
  p.put_remote("top.json", "{}");
  p.put_remote("big.bin", big);

  // Import: files byte-identical, the stored mtime applied.
  auto imported = p.check(p.ws->import_files(p.name, ImportRequest{{"data", "big.bin"}, false}));
  CHECK(done(imported) == 3);
  CHECK(list_tree(p.folder) == std::vector<std::string>{"big.bin", "data/a.csv", "data/sub/b.csv"});
  CHECK(read_file(p.folder / "big.bin") == big);
  CHECK(read_file(p.folder / "data/sub/b.csv") == "b,2\n");
  CHECK(local_mtime(p.folder / "data/sub/b.csv") == old_mtime);
  // The key never reaches the project's state.
  for (const auto& entry : fs::recursive_directory_iterator(p.dir / "project/.cloudsync")) {
    if (entry.is_regular_file()) CHECK(read_file(entry.path()).find(auth::kAzuriteAccountKey) == std::string::npos);
  }

  // Export: a dry run changes nothing; then new and changed files go up, the
  // large one in blocks, each with its mtime and MD5.
  write_file(p.folder / "data/a.csv", "a,1\na,2\n");
  std::string big2 = random_bytes(2 * 1024 * 1024 + 100, 22);
  write_file(p.folder / "new/big2.bin", big2);
  write_file(p.folder / "new/c.txt", "c");
  ExportRequest dry_export;
  dry_export.dry_run = true;
  auto dry = p.check(p.ws->export_files(p.name, dry_export));
  CHECK(dry.plan.count(ActionKind::Add) == 2);
  CHECK(dry.plan.count(ActionKind::Update) == 1);
  CHECK(p.remote_text("data/a.csv") == "a,1\n");
  REQUIRE_CODE(p.remote->head(P("new/c.txt"), kCtx), ErrorCode::NotFound);

  auto exported = p.check(p.ws->export_files(p.name, {}));
  CHECK(done(exported) == 3);
  CHECK(p.remote_text("data/a.csv") == "a,1\na,2\n");
  CHECK(p.remote_text("new/big2.bin") == big2);
  auto big2_meta = p.remote->head(P("new/big2.bin"), kCtx);
  REQUIRE_OK(big2_meta);
  CHECK(big2_meta->mtime == local_mtime(p.folder / "new/big2.bin"));
  CHECK(big2_meta->hashes.md5 == to_hex(md5_digest(big2)));
  http::Response blocks = p.az.raw("GET", "/" + p.container + "/proj/new/big2.bin?comp=blocklist");
  REQUIRE(blocks.status == 200);
  pugi::xml_document doc;
  REQUIRE(doc.load_buffer(blocks.body.data(), blocks.body.size()));
  size_t count = 0;
  size_t id_length = 0;
  for (pugi::xml_node b : doc.child("BlockList").child("CommittedBlocks").children("Block")) {
    std::string id = b.child_value("Name");
    if (count++ == 0) id_length = id.size();
    CHECK(id.size() == id_length);
  }
  CHECK(count == 9);  // 2 MiB + 100 bytes in 256 KiB blocks

  // Nothing changed since: sizes and nanosecond mtimes agree, nothing is sent.
  auto again = p.check(p.ws->export_files(p.name, {}));
  CHECK(again.plan.actions.empty());

  // Restore after a fresh kernel start: everything tracked comes back.
  fs::remove_all(p.dir / "project/external-files");
  auto restored = p.check(p.ws->restore(p.name, {}).value().front());
  CHECK(done(restored) == 5);  // three imported, two exported
  CHECK(read_file(p.folder / "new/c.txt") == "c");
  CHECK(read_file(p.folder / "big.bin") == big);
  CHECK(read_file(p.folder / "new/big2.bin") == big2);
  CHECK(read_file(p.folder / "data/a.csv") == "a,1\na,2\n");

  // Pull sync of "data" with delete_extraneous: a dry run first, then for real.
  REQUIRE_OK(p.remote->remove(P("data/a.csv"), kCtx));
  p.put_remote("data/new.csv", "n");
  write_file(p.folder / "data/local-only.csv", "mine");
  SyncRequest pull;
  pull.folders = {"data"};
  pull.delete_extraneous = true;
  pull.dry_run = true;
  auto dry_sync = p.check(p.ws->sync(p.name, pull));
  CHECK(dry_sync.plan.count(ActionKind::Add) == 1);
  CHECK(dry_sync.plan.count(ActionKind::Delete) == 1);
  CHECK(dry_sync.report.count(OutcomeKind::DryRun) == 2);
  CHECK(fs::exists(p.folder / "data/a.csv"));
  CHECK_FALSE(fs::exists(p.folder / "data/new.csv"));
  pull.dry_run = false;
  auto pulled = p.check(p.ws->sync(p.name, pull));
  CHECK(done(pulled) == 2);
  CHECK_FALSE(fs::exists(p.folder / "data/a.csv"));
  CHECK(read_file(p.folder / "data/new.csv") == "n");
  CHECK(read_file(p.folder / "data/local-only.csv") == "mine");

  // Push sync of "new" with delete_extraneous: a local deletion and a new file.
  fs::remove(p.folder / "new/c.txt");
  write_file(p.folder / "new/d.txt", "d");
  SyncRequest push;
  push.direction = SyncDirection::Push;
  push.folders = {"new"};
  push.delete_extraneous = true;
  auto pushed = p.check(p.ws->sync(p.name, push));
  CHECK(done(pushed) == 2);
  REQUIRE_CODE(p.remote->head(P("new/c.txt"), kCtx), ErrorCode::NotFound);
  CHECK(p.remote_text("new/d.txt") == "d");
  CHECK(p.remote_text("new/big2.bin") == big2);
  // Nothing escaped the prefix.
  for (const std::string& name : p.az.blob_names(p.container)) CHECK(name.rfind("proj/", 0) == 0);
}

TEST_CASE("azure engine: names that are not paths are skipped, never written", "[azure][engine][security]") {
  AzureProject p;
  http::Headers block;
  block.set("x-ms-blob-type", "BlockBlob");
  REQUIRE(p.az.raw("PUT", "/" + p.container + "/proj/a//b.txt", block, "x").status == 201);
  REQUIRE(p.az.raw("PUT", "/" + p.container + "/proj/marker/", block).status == 201);
  http::Headers folder = block;
  folder.set("x-ms-meta-hdi_isfolder", "true");
  REQUIRE(p.az.raw("PUT", "/" + p.container + "/proj/folder", folder).status == 201);
  p.put_remote("folder/ok.txt", "ok");

  auto r = p.ws->sync(p.name, {});
  REQUIRE_OK(r);
  CHECK(r->report.count(OutcomeKind::Done) == 1);
  CHECK(r->plan.count(ActionKind::Skip) == 1);  // "a//b.txt"; the two markers are not files
  bool skipped = false;
  for (const PlanAction& a : r->plan.actions) skipped = skipped || (a.kind == ActionKind::Skip && a.path == "a//b.txt");
  CHECK(skipped);
  CHECK(list_tree(p.folder) == std::vector<std::string>{"folder/ok.txt"});
}

TEST_CASE("azure engine: a non-empty blob named with a trailing '/' is reported as skipped, as on S3",
          "[azure][engine][security]") {
  AzureProject p;
  http::Headers block;
  block.set("x-ms-blob-type", "BlockBlob");
  REQUIRE(p.az.raw("PUT", "/" + p.container + "/proj/notes/", block, "real data").status == 201);
  REQUIRE(p.az.raw("PUT", "/" + p.container + "/proj/empty/", block).status == 201);  // a placeholder
  p.put_remote("ok.txt", "ok");

  auto listed = p.remote->list_all({}, kCtx);
  REQUIRE_OK(listed);
  std::map<std::string, ObjectKind> kinds;
  for (const ObjectMeta& m : *listed) kinds[m.key] = m.kind;
  CHECK(kinds == std::map<std::string, ObjectKind>{{"empty/", ObjectKind::DirectoryMarker},
                                                   {"notes/", ObjectKind::File},
                                                   {"ok.txt", ObjectKind::File}});

  auto r = p.ws->sync(p.name, {});
  REQUIRE_OK(r);
  INFO(operation_result_to_json(*r));
  CHECK(r->report.count(OutcomeKind::Done) == 1);
  const PlanAction* skipped = nullptr;
  for (const PlanAction& a : r->plan.actions) {
    if (a.kind == ActionKind::Skip && a.path == "notes/") skipped = &a;
  }
  REQUIRE(skipped != nullptr);  // reported, not silently dropped
  CHECK_THAT(skipped->reason, Catch::Contains("unusable name at the source"));
  CHECK(r->plan.count(ActionKind::Skip) == 1);  // the empty placeholder is no file
  CHECK(list_tree(p.folder) == std::vector<std::string>{"ok.txt"});
}

}  // namespace cloudsync::test
