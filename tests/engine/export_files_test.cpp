// The engine's exact-file export (the writeback queue's): which files go out
// and what each costs, the conflict copy, the window between an upload and
// its manifest record (a kill -9 there), and a file changed while it is
// uploaded in parts.
#include <functional>
#include <utility>

#include "cloudsync/backends/memory.hpp"
#include "core/time.hpp"
#include "engine/operations.hpp"
#include "support/fault_backend.hpp"
#include "support/test_util.hpp"
#include "transfer/transfer.hpp"

namespace cloudsync::test {

namespace {

namespace fs = std::filesystem;

// One connection of a project to a memory store, as the engine sees it.
struct ExportTarget {
  TempDir dir;
  std::unique_ptr<CatalogStore> store;
  std::shared_ptr<MemoryBackend> memory;
  std::shared_ptr<FaultBackend> remote;
  OperationTarget t;
  fs::path folder;

  explicit ExportTarget(Capabilities caps = MemoryBackend::default_capabilities())
      : memory(std::make_shared<MemoryBackend>("bucket", caps)), remote(std::make_shared<FaultBackend>(memory)) {
    auto s = open_sqlite_catalog_store(dir / "catalog.db", std::chrono::seconds(10));
    REQUIRE_OK(s);
    store = std::move(s).value();
    t.store = store.get();
    t.project = Project{"a1", "project", dir / "project", now_utc()};
    REQUIRE_OK(store->insert_project(t.project));
    t.integration.id = "b1";
    t.integration.spec.name = "bucket";
    t.integration.spec.url = "mem://bucket";
    t.integration.spec.writeback = true;
    t.integration.folder = "external-files/memory/bucket";
    t.integration.platform = "Memory";
    REQUIRE_OK(store->insert_integration(t.integration));
    t.connection.id = "c1";
    t.connection.project_id = "a1";
    t.connection.integration_id = "b1";
    REQUIRE_OK(store->insert_connection(t.connection));
    folder = t.project.root / t.integration.folder;
    fs::create_directories(folder);
    auto local = open_connection_folder(t.project, t.integration, false);
    REQUIRE_OK(local);
    t.local = *local;
    t.remote = remote;
  }

  OperationResult export_files(const std::vector<std::string>& paths) {
    auto r = run_export_files(t, paths, {}, nullptr);
    REQUIRE_OK(r);
    return *r;
  }

  std::string remote_content(const std::string& key) {
    StringSink sink;
    auto got = memory->get(P(key), {}, sink, kCtx);
    REQUIRE_OK(got);
    return sink.out;
  }

  bool remote_has(const std::string& key) { return memory->head(P(key), kCtx).ok(); }

  /// The manifest as the catalog holds it (what a restarted process loads).
  Manifest stored_manifest() {
    auto m = store->load_manifest(t.connection.id);
    REQUIRE_OK(m);
    return *m;
  }

  void reset_counts() { remote->gets = remote->puts = remote->heads = remote->lists = remote->multiparts = 0; }
};

// A store whose parts upload runs `during_part` (once, on part 1), as if
// the file were written to while it is being sent.
class EditedDuringUpload : public FaultBackend {
 public:
  EditedDuringUpload(std::shared_ptr<StorageBackend> inner, std::function<void()> during_part)
      : FaultBackend(std::move(inner)), during_part_(std::move(during_part)) {}

  Result<std::unique_ptr<MultipartUpload>> start_multipart(const Path& path, const PutOptions& options,
                                                           const OpContext& ctx) override {
    CLOUDSYNC_ASSIGN_OR_RETURN(auto inner, FaultBackend::start_multipart(path, options, ctx));
    return std::unique_ptr<MultipartUpload>(new Upload(std::move(inner), during_part_));
  }

 private:
  class Upload : public MultipartUpload {
   public:
    Upload(std::unique_ptr<MultipartUpload> inner, std::function<void()>& during_part)
        : inner_(std::move(inner)), during_part_(during_part) {}
    Result<PartInfo> upload_part(uint32_t number, ByteSource& data, const OpContext& ctx) override {
      auto part = inner_->upload_part(number, data, ctx);
      if (number == 1 && during_part_) std::exchange(during_part_, nullptr)();
      return part;
    }
    Result<ObjectMeta> complete(std::vector<PartInfo> parts, const OpContext& ctx) override {
      return inner_->complete(std::move(parts), ctx);
    }
    Status abort(const OpContext& ctx) override { return inner_->abort(ctx); }

   private:
    std::unique_ptr<MultipartUpload> inner_;
    std::function<void()>& during_part_;
  };

  std::function<void()> during_part_;
};

}  // namespace

TEST_CASE("exact-file export sends the given files and nothing else, without listing", "[export_files]") {
  ExportTarget x;
  write_file(x.folder / "a.csv", "a");
  write_file(x.folder / "b.csv", "b");
  fs::create_directories(x.folder / "sub");
  write_file(x.folder / "sub/c.csv", "c");
  write_file(x.folder / "notes.txt~", "editor backup");
  OperationResult r = x.export_files({"a.csv", "sub/c.csv", "missing.csv", "notes.txt~", "sub"});
  REQUIRE(done_count(r) == 2);
  REQUIRE(x.remote_content("a.csv") == "a");
  REQUIRE(x.remote_content("sub/c.csv") == "c");
  REQUIRE_FALSE(x.remote_has("b.csv"));
  REQUIRE_FALSE(x.remote_has("notes.txt~"));
  REQUIRE(x.remote->lists == 0);
  REQUIRE(x.remote->heads == 2);  // one per candidate
  REQUIRE(x.stored_manifest().size() == 2);

  // Unchanged since the export: left out before the remote is asked.
  x.reset_counts();
  r = x.export_files({"a.csv", "sub/c.csv"});
  REQUIRE(done_count(r) == 0);
  REQUIRE(x.remote->heads == 0);
  REQUIRE(x.remote->puts == 0);

  write_file(x.folder / "a.csv", "a, changed");
  r = x.export_files({"a.csv"});
  REQUIRE(done_count(r) == 1);
  REQUIRE(x.remote_content("a.csv") == "a, changed");
  REQUIRE_CODE(run_export_files(x.t, {"../outside"}, {}, nullptr), ErrorCode::InvalidArgument);
}

TEST_CASE("export with paths keeps files at or below them only", "[export_files]") {
  ExportTarget x;
  fs::create_directories(x.folder / "data/deep");
  fs::create_directories(x.folder / "database");
  write_file(x.folder / "data/deep/a.csv", "a");
  write_file(x.folder / "database/b.csv", "b");
  write_file(x.folder / "top.csv", "t");
  auto r = run_export(x.t, ExportRequest{false, {"data", "top.csv"}}, {}, nullptr);
  REQUIRE_OK(r);
  REQUIRE(done_count(*r) == 2);
  REQUIRE(x.remote_has("data/deep/a.csv"));
  REQUIRE(x.remote_has("top.csv"));
  REQUIRE_FALSE(x.remote_has("database/b.csv"));
}

TEST_CASE("a conflict copy is uploaded create-only and not tracked", "[export_files]") {
  ExportTarget x;
  write_file(x.folder / "a.csv", "mine");
  auto copy = upload_untracked_copy(x.t, "a.csv", "a.conflict-host-20260101T000000Z.csv", nullptr);
  REQUIRE_OK(copy);
  REQUIRE(x.remote_content("a.conflict-host-20260101T000000Z.csv") == "mine");
  REQUIRE(x.stored_manifest().size() == 0);
  REQUIRE(x.t.manifest.size() == 0);
  REQUIRE(x.remote->last_put_options().has_value());

  write_file(x.folder / "a.csv", "mine, again");
  REQUIRE_CODE(upload_untracked_copy(x.t, "a.csv", "a.conflict-host-20260101T000000Z.csv", nullptr),
               ErrorCode::AlreadyExists);
  REQUIRE(x.remote_content("a.conflict-host-20260101T000000Z.csv") == "mine");

  x.t.integration.spec.allowed_paths = {"allowed"};
  REQUIRE_CODE(upload_untracked_copy(x.t, "a.csv", "elsewhere/a.csv", nullptr), ErrorCode::PermissionDenied);
  REQUIRE_FALSE(x.remote_has("elsewhere/a.csv"));
}

TEST_CASE("an upload whose manifest record was lost is adopted, not sent again", "[export_files]") {
  ExportTarget x;
  SECTION("a new file") {
    write_file(x.folder / "a.csv", "first");
    REQUIRE(done_count(x.export_files({"a.csv"})) == 1);
    // Killed after the upload, before the record: the catalog never heard of it.
    REQUIRE_OK(x.store->write_manifest(x.t.connection.id, {}, {"a.csv"}));
    x.t.manifest = x.stored_manifest();
    REQUIRE_FALSE(x.t.manifest.contains("a.csv"));
  }
  SECTION("an update") {
    write_file(x.folder / "a.csv", "first");
    REQUIRE(done_count(x.export_files({"a.csv"})) == 1);
    ManifestEntry before = *x.t.manifest.find("a.csv");
    write_file(x.folder / "a.csv", "second, longer");
    REQUIRE(done_count(x.export_files({"a.csv"})) == 1);
    REQUIRE(x.remote_content("a.csv") == "second, longer");
    REQUIRE_OK(x.store->write_manifest(x.t.connection.id, {before}, {}));
    x.t.manifest = x.stored_manifest();
  }
  x.reset_counts();
  OperationResult r = x.export_files({"a.csv"});
  for (const PlanAction& a : r.plan.actions) REQUIRE(a.kind != ActionKind::Conflict);
  REQUIRE(r.report.count(OutcomeKind::Conflict) == 0);
  REQUIRE(x.remote->puts == 0);
  REQUIRE(x.remote->multiparts == 0);
  REQUIRE(done_count(r) == 0);
  const Manifest stored = x.stored_manifest();
  std::optional<ManifestEntry> adopted = stored.find("a.csv");
  REQUIRE(adopted.has_value());
  REQUIRE(adopted->remote_key == "a.csv");
  // Adopted for good: the next run asks nothing.
  x.t.manifest = x.stored_manifest();
  x.reset_counts();
  REQUIRE(done_count(x.export_files({"a.csv"})) == 0);
  REQUIRE(x.remote->heads == 0);
}

TEST_CASE("a file changed during a multipart upload never becomes an object", "[export_files]") {
  Capabilities caps = MemoryBackend::default_capabilities();
  caps.multipart.threshold = 1024;
  ExportTarget x(caps);
  std::string content = random_bytes(4096, 7);
  write_file(x.folder / "big.bin", content);
  std::string replacement = content;
  replacement[4000] ^= 1;
  auto edited = std::make_shared<EditedDuringUpload>(x.memory, [&] {
    // Same size, new content: only the mtime and inode tell.
    fs::path tmp = x.folder / "big.bin.new";
    write_file(tmp, replacement);
    fs::rename(tmp, x.folder / "big.bin");
  });
  auto meta = x.t.local->head(P("big.bin"), kCtx);
  REQUIRE_OK(meta);
  TransferOptions options;
  options.part_size = 1024;
  options.part_concurrency = 1;
  auto sent = transfer_object(*x.t.local, P("big.bin"), *meta, *edited, P("big.bin"), {}, options, nullptr, kCtx);
  REQUIRE_CODE(sent, ErrorCode::PreconditionFailed);
  REQUIRE(sent.status().message().find("changed while it was being uploaded") != std::string::npos);
  REQUIRE(edited->multiparts == 1);
  REQUIRE_FALSE(x.remote_has("big.bin"));
}

}  // namespace cloudsync::test
