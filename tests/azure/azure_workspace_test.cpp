// The engine through Azure Blob Storage: the workspace conformance suite on
// Azurite (a Workspace whose integration is az://container/prefix, with the
// endpoint stored and the account key supplied as a credential, never
// stored), then what only Azure shows: block uploads of large files with
// their MD5 and mtime, directory markers and a trailing '/' in blob names.
#include <pugixml.hpp>

#include "azure/azurite.hpp"
#include "cloudsync/workspace.hpp"
#include "conformance/workspace_conformance.hpp"
#include "core/file_io.hpp"
#include "core/hash.hpp"
#include "core/time.hpp"
#include "core/url.hpp"

namespace cloudsync::test {

namespace fs = std::filesystem;

namespace {

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

// A blob name as a URL path, dots escaped too, so that curl sends ".."
// segments verbatim instead of resolving them.
std::string blob_path(const std::string& name) {
  std::string out;
  for (char c : percent_encode(name, "/")) out += c == '.' ? std::string("%2E") : std::string(1, c);
  return out;
}

}  // namespace

TEST_CASE("azure workspace conformance", "[azure][workspace][conformance]") {
  Azurite& az = azurite();
  WorkspaceTarget target;
  target.name = "azure (azurite)";
  // Blob names keep "." and ".." segments and empty ones. Azure takes
  // control characters too, but Azurite then fails the listing (HTTP 500).
  target.quirks = {.holds_dot_segments = true, .holds_empty_segments = true};
  target.make_remote = [&az] {
    const std::string container = az.new_container();
    WorkspaceRemote remote;
    remote.url = "az://" + container + "/proj";
    remote.stored_options = {{"endpoint", az.endpoint()}};
    remote.credentials = {{"account", std::string(auth::kAzuriteAccount)},
                          {"account_key", std::string(auth::kAzuriteAccountKey)}};
    BackendOptions all = remote.stored_options;
    all.insert(remote.credentials.begin(), remote.credentials.end());
    auto direct = open_backend(remote.url, all);
    REQUIRE_OK(direct);
    remote.direct = *direct;
    remote.plant_raw = [&az, container](const std::vector<std::string>& names) {
      http::Headers block;
      block.set("x-ms-blob-type", "BlockBlob");
      for (const std::string& name : names) {
        http::Response r = az.raw("PUT", "/" + container + "/proj/" + blob_path(name), block, "planted");
        INFO(name << ": " << r.body);
        REQUIRE(r.status == 201);
      }
    };
    return remote;
  };
  run_workspace_conformance(target);
}

TEST_CASE("azure workspace: large files go in blocks both ways with their MD5 and mtime", "[azure][workspace]") {
  AzureProject p({{"upload_cutoff", "1M"}, {"block_size", "256K"}});
  TimePoint old_mtime = from_unix_nanos(1'600'000'000'987'654'321);
  std::string big = random_bytes(3 * 1024 * 1024 + 7, 21);
  p.put_remote("data/sub/b.csv", "b,2\n", old_mtime);
  p.put_remote("big.bin", big);

  // Import: files byte-identical, the stored mtime applied.
  auto imported = p.check(p.ws->import_files(p.name, ImportRequest{{"data", "big.bin"}, false}));
  CHECK(done_count(imported) == 2);
  CHECK(read_file(p.folder / "big.bin") == big);
  CHECK(file_mtime(p.folder / "data/sub/b.csv") == old_mtime);
  // The key never reaches the project's state.
  for (const auto& entry : fs::recursive_directory_iterator(p.dir / "project/.cloudsync")) {
    if (entry.is_regular_file()) CHECK(read_file(entry.path()).find(auth::kAzuriteAccountKey) == std::string::npos);
  }

  // Export: the large file in equal-length blocks, with its mtime and MD5.
  std::string big2 = random_bytes(2 * 1024 * 1024 + 100, 22);
  write_file(p.folder / "new/big2.bin", big2);
  CHECK(done_count(p.check(p.ws->export_files(p.name, {}))) == 1);
  CHECK(p.remote_text("new/big2.bin") == big2);
  auto big2_meta = p.remote->head(P("new/big2.bin"), kCtx);
  REQUIRE_OK(big2_meta);
  CHECK(big2_meta->mtime == file_mtime(p.folder / "new/big2.bin"));
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
  CHECK(p.check(p.ws->export_files(p.name, {})).plan.actions.empty());
  // Nothing escaped the prefix.
  for (const std::string& name : p.az.blob_names(p.container)) CHECK(name.rfind("proj/", 0) == 0);
}

TEST_CASE("azure workspace: names that are not paths are skipped, never written", "[azure][workspace][security]") {
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

TEST_CASE("azure workspace: a non-empty blob named with a trailing '/' is reported as skipped, as on S3",
          "[azure][workspace][security]") {
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
