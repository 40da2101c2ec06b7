// Tree sync between real backends: the executor's promises (dry run, deletes
// after a clean run, max-delete, atomic and verified downloads, resumption).
#include "cloudsync/backends/local.hpp"
#include "cloudsync/backends/memory.hpp"
#include "cloudsync/sync.hpp"
#include "core/hash.hpp"
#include "support/fault_backend.hpp"
#include "transfer/transfer.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {

namespace fs = std::filesystem;

namespace {

struct Fixture {
  TempDir dir;
  std::shared_ptr<MemoryBackend> memory = std::make_shared<MemoryBackend>("remote");
  std::shared_ptr<FaultBackend> remote = std::make_shared<FaultBackend>(memory);
  std::shared_ptr<StorageBackend> local;
  Fixture() {
    auto l = make_local_backend(dir / "local");
    REQUIRE_OK(l);
    local = *l;
  }
  void put_remote(const std::string& key, const std::string& data) { memory->insert_raw(key, data); }
  Plan plan(SyncOptions o = {}) {
    auto p = plan_sync(*remote, *local, o);
    REQUIRE_OK(p);
    return *p;
  }
  SyncReport apply(const Plan& p, ApplyOptions o = {}) {
    auto r = apply_plan(p, *remote, *local, o);
    REQUIRE_OK(r);
    return *r;
  }
};

}  // namespace

TEST_CASE("copy a tree from a remote into a local folder and back again", "[sync]") {
  Fixture f;
  f.put_remote("a.txt", "alpha");
  f.put_remote("dir/b.bin", random_bytes(300000, 4));
  f.put_remote("dir/sub/c.txt", "");
  Plan p = f.plan();
  CHECK(p.count(ActionKind::Add) == 3);
  SyncReport r = f.apply(p);
  CHECK(r.count(OutcomeKind::Done) == 3);
  CHECK(read_file(f.dir / "local/a.txt") == "alpha");
  CHECK(read_file(f.dir / "local/dir/b.bin") == random_bytes(300000, 4));
  CHECK(fs::exists(f.dir / "local/dir/sub/c.txt"));
  // Nothing left behind but the files.
  CHECK(list_tree(f.dir / "local") == std::vector<std::string>{"a.txt", "dir/b.bin", "dir/sub/c.txt"});
  // The remote mtime travelled to the local file, so a second plan is empty
  // without hashing a single byte.
  Plan again = f.plan();
  CHECK(again.actions.empty());
  CHECK(again.unchanged_count == 3);
  CHECK(again.unchanged.empty());  // plan_sync counts the pairs in sync, it does not keep them

  SECTION("and the other way round") {
    auto back = std::make_shared<MemoryBackend>("back");
    auto p2 = plan_sync(*f.local, *back, {});
    REQUIRE_OK(p2);
    CHECK(p2->count(ActionKind::Add) == 3);
    auto r2 = apply_plan(*p2, *f.local, *back, {});
    REQUIRE_OK(r2);
    CHECK(*back->read_all(P("dir/b.bin"), {}) == random_bytes(300000, 4));
  }
}

TEST_CASE("a dry run goes through the same path and changes nothing", "[sync][dry-run]") {
  Fixture f;
  f.put_remote("new.txt", "n");
  write_file(f.dir / "local/extra.txt", "e");
  SyncOptions o;
  o.delete_extraneous = true;
  Plan p = f.plan(o);
  CHECK(p.count(ActionKind::Add) == 1);
  CHECK(p.count(ActionKind::Delete) == 1);
  ApplyOptions dry;
  dry.dry_run = true;
  SyncReport r = f.apply(p, dry);
  CHECK(r.dry_run);
  CHECK(r.count(OutcomeKind::DryRun) == 2);
  CHECK(r.count(OutcomeKind::Done) == 0);
  CHECK(f.remote->gets == 0);
  CHECK(list_tree(f.dir / "local") == std::vector<std::string>{"extra.txt"});
  // The real run does what the dry run announced.
  SyncReport real = f.apply(p);
  CHECK(real.count(OutcomeKind::Done) == 2);
  CHECK(list_tree(f.dir / "local") == std::vector<std::string>{"new.txt"});
}

TEST_CASE("deletions wait for every transfer and never follow a failure", "[sync][safety]") {
  Fixture f;
  f.put_remote("ok.txt", "fine");
  f.put_remote("broken.txt", "will fail");
  write_file(f.dir / "local/extraneous.txt", "keep me");
  f.remote->inject_get({"broken.txt", 0, ErrorCode::PermissionDenied, -1});
  SyncOptions o;
  o.delete_extraneous = true;
  SyncReport r = f.apply(f.plan(o));
  CHECK(r.count(ActionKind::Add, OutcomeKind::Done) == 1);
  CHECK(r.count(ActionKind::Add, OutcomeKind::Failed) == 1);
  CHECK(r.count(ActionKind::Delete, OutcomeKind::Done) == 0);
  CHECK_FALSE(r.deletes_skipped_reason.empty());
  CHECK(read_file(f.dir / "local/extraneous.txt") == "keep me");
  REQUIRE_CODE(r.first_error(), ErrorCode::PermissionDenied);
}

TEST_CASE("a failed source listing plans nothing", "[sync][safety]") {
  Fixture f;
  write_file(f.dir / "local/precious.txt", "p");
  f.remote->fail_list(ErrorCode::Network);
  SyncOptions o;
  o.delete_extraneous = true;
  REQUIRE_CODE(plan_sync(*f.remote, *f.local, o), ErrorCode::Network);
  CHECK(read_file(f.dir / "local/precious.txt") == "p");
}

TEST_CASE("the max-delete guard refuses the whole plan", "[sync][safety]") {
  Fixture f;
  f.put_remote("keep.txt", "k");
  for (int i = 0; i < 5; ++i) write_file(f.dir / ("local/old" + std::to_string(i)), "o");
  SyncOptions o;
  o.delete_extraneous = true;
  Plan p = f.plan(o);
  CHECK(p.count(ActionKind::Delete) == 5);
  ApplyOptions a;
  a.max_delete = 3;
  REQUIRE_CODE(apply_plan(p, *f.remote, *f.local, a), ErrorCode::LimitExceeded);
  CHECK(list_tree(f.dir / "local").size() == 5);
  CHECK_FALSE(fs::exists(f.dir / "local/keep.txt"));
}

TEST_CASE("an interrupted download resumes where it stopped and is verified", "[sync][download]") {
  Fixture f;
  std::string data = random_bytes(3 << 20, 8);
  f.put_remote("big.bin", data);
  // The connection drops once, after 1 MiB.
  f.remote->inject_get({"big.bin", 1 << 20, ErrorCode::Network, 1});
  Plan p = f.plan();
  SyncReport r = f.apply(p);
  CHECK(r.count(OutcomeKind::Done) == 1);
  CHECK(f.remote->gets == 2);  // the first attempt and one ranged resumption
  CHECK(sha256_hex(read_file(f.dir / "local/big.bin")) == sha256_hex(data));
  CHECK(list_tree(f.dir / "local") == std::vector<std::string>{"big.bin"});
}

TEST_CASE("an interrupted download that cannot finish leaves nothing under the real name", "[sync][download]") {
  Fixture f;
  f.put_remote("big.bin", random_bytes(2 << 20, 3));
  write_file(f.dir / "local/other.txt", "untouched");
  f.remote->inject_get({"big.bin", 1000, ErrorCode::Network, -1});
  SyncReport r = f.apply(f.plan());
  CHECK(r.count(OutcomeKind::Failed) == 1);
  CHECK_FALSE(fs::exists(f.dir / "local/big.bin"));
  // No temporary left behind either.
  CHECK(list_tree(f.dir / "local") == std::vector<std::string>{"other.txt"});
}

TEST_CASE("a corrupted download is refused and the old file kept", "[sync][download]") {
  Fixture f;
  f.put_remote("data.csv", "new,content\n");
  write_file(f.dir / "local/data.csv", "old");
  f.remote->inject_get({"data.csv", 3, ErrorCode::Network, 1, true});
  SyncReport r = f.apply(f.plan());
  REQUIRE(r.count(OutcomeKind::Failed) == 1);
  CHECK(r.outcomes[0].error == ErrorCode::Integrity);
  CHECK(read_file(f.dir / "local/data.csv") == "old");
  CHECK(list_tree(f.dir / "local") == std::vector<std::string>{"data.csv"});
}

TEST_CASE("a download the listing vouches nothing for is verified by what the answer vouches for", "[sync][download]") {
  Fixture f;
  std::string data = random_bytes(300 * 1024, 21);
  f.put_remote("part.bin", data);
  // Like a multipart object rclone wrote to S3: no MD5 ETag in the listing,
  // and only md5chksum (no CRC32C of ours) in the GET answer.
  f.remote->vouch_only_on_get(hash_kinds(HashKind::Md5));
  SECTION("intact content is accepted") {
    SyncReport r = f.apply(f.plan());
    CHECK(r.count(OutcomeKind::Done) == 1);
    CHECK(read_file(f.dir / "local/part.bin") == data);
  }
  SECTION("corrupted content is refused") {
    f.remote->inject_get({"part.bin", 200 * 1024, ErrorCode::Network, 1, true});
    SyncReport r = f.apply(f.plan());
    REQUIRE(r.count(OutcomeKind::Failed) == 1);
    CHECK(r.outcomes[0].error == ErrorCode::Integrity);
    CHECK(list_tree(f.dir / "local").empty());
  }
}

TEST_CASE("a store whose GET answers carry its hashes is not second-guessed by its listing", "[sync][download]") {
  Fixture f;
  std::string data = random_bytes(100 * 1024, 5);
  f.put_remote("kms.bin", data);
  // An S3 listing cannot tell that an SSE-KMS object's ETag is no MD5.
  f.remote->misreport_listed_md5();
  Capabilities caps = f.memory->capabilities();
  SECTION("answers that vouch (S3): the answer decides") {
    caps.get_reports_hashes = true;
    f.remote->override_capabilities(caps);
    // The answer knows the ETag is no MD5 and offers the CRC32C cloudsync recorded.
    f.remote->vouch_only_on_get(hash_kinds(HashKind::Crc32c));
    SyncReport r = f.apply(f.plan());
    CHECK(r.count(OutcomeKind::Done) == 1);
    CHECK(read_file(f.dir / "local/kms.bin") == data);
  }
  SECTION("answers that do not (Drive): the listing is all there is, and is believed") {
    caps.get_reports_hashes = false;
    f.remote->override_capabilities(caps);
    f.remote->vouch_only_on_get(0);
    SyncReport r = f.apply(f.plan());
    REQUIRE(r.count(OutcomeKind::Failed) == 1);
    CHECK(r.outcomes[0].error == ErrorCode::Integrity);
    CHECK(list_tree(f.dir / "local").empty());
  }
}

TEST_CASE("ignore_checksum trusts the size alone", "[sync][download]") {
  Fixture f;
  f.put_remote("data.csv", "new,content\n");
  f.remote->inject_get({"data.csv", 3, ErrorCode::Network, 1, true});
  ApplyOptions options;
  options.ignore_checksum = true;
  SyncReport r = f.apply(f.plan(), options);
  CHECK(r.count(OutcomeKind::Done) == 1);
  // The flipped byte got through: that is the price of the option.
  std::string got = read_file(f.dir / "local/data.csv");
  CHECK(got.size() == 12);
  CHECK(got != "new,content\n");
}

TEST_CASE("a destination changed after planning is not overwritten", "[sync][conflict]") {
  Fixture f;
  f.put_remote("a.txt", "remote version");
  write_file(f.dir / "local/a.txt", "local");
  Plan p = f.plan();
  REQUIRE(p.count(ActionKind::Update) == 1);
  write_file(f.dir / "local/a.txt", "edited after planning");
  SyncReport r = f.apply(p);
  CHECK(r.count(OutcomeKind::Conflict) == 1);
  CHECK(read_file(f.dir / "local/a.txt") == "edited after planning");
}

TEST_CASE("a store without conditional writes: a mirror writes blind, a checked write reads first",
          "[sync][conflict]") {
  TempDir dir;
  Capabilities caps = MemoryBackend::default_capabilities();
  caps.conditional_create = false;
  caps.conditional_update = false;
  auto memory = std::make_shared<MemoryBackend>("plain", caps);
  auto remote = std::make_shared<FaultBackend>(memory);
  write_file(dir / "src/a.txt", "ours a");
  write_file(dir / "src/b.txt", "ours b");
  auto local = make_local_backend(dir / "src");
  REQUIRE_OK(local);

  SECTION("a mirror (no baseline) overwrites what appears after planning, as if it had been seen") {
    auto p = plan_sync(**local, *remote, {});
    REQUIRE_OK(p);
    CHECK(p->mirror);
    REQUIRE(p->count(ActionKind::Add) == 2);
    memory->insert_raw("b.txt", "theirs");
    auto r = apply_plan(*p, **local, *remote, {});
    REQUIRE_OK(r);
    CHECK(r->count(OutcomeKind::Done) == 2);
    CHECK(remote->heads == 0);  // one request per file
    CHECK(*memory->read_all(P("b.txt"), {}) == "ours b");
  }
  SECTION("a checked write (a workspace's) finds the newcomer and leaves it alone") {
    memory->insert_raw("b.txt", "theirs");
    auto meta = (*local)->head(P("b.txt"), {});
    REQUIRE_OK(meta);
    DestinationExpectation expect;
    expect.kind = DestinationExpectation::Kind::Absent;
    auto t = transfer_object(**local, P("b.txt"), *meta, *remote, P("b.txt"), expect, {}, nullptr, {});
    REQUIRE_FALSE(t.ok());
    CHECK(t.status().code() == ErrorCode::Conflict);
    CHECK(remote->heads == 1);
    CHECK(*memory->read_all(P("b.txt"), {}) == "theirs");
  }
}

TEST_CASE("uploads above the multipart threshold go in parallel parts", "[sync][multipart]") {
  TempDir dir;
  Capabilities caps = MemoryBackend::default_capabilities();
  caps.multipart.threshold = 256 * 1024;
  caps.multipart.default_part_size = 100 * 1024;
  caps.multipart.min_part_size = 100 * 1024;
  auto memory = std::make_shared<MemoryBackend>("mp", caps);
  auto remote = std::make_shared<FaultBackend>(memory);
  std::string data = random_bytes(1000 * 1024 + 7, 2);
  write_file(dir / "src/large.bin", data);
  write_file(dir / "src/small.bin", "s");
  auto local = make_local_backend(dir / "src");
  REQUIRE_OK(local);
  auto p = plan_sync(**local, *remote, {});
  REQUIRE_OK(p);
  auto r = apply_plan(*p, **local, *remote, {});
  REQUIRE_OK(r);
  CHECK(r->count(OutcomeKind::Done) == 2);
  CHECK(remote->multiparts == 1);
  CHECK(sha256_hex(*memory->read_all(P("large.bin"), {})) == sha256_hex(data));
  // The local mtime is kept by the remote, so a second plan is empty.
  auto again = plan_sync(**local, *remote, {});
  REQUIRE_OK(again);
  CHECK(again->actions.empty());
}

TEST_CASE("progress reports every file and a callback can cancel", "[sync][progress]") {
  Fixture f;
  for (int i = 0; i < 20; ++i) f.put_remote("f" + std::to_string(i), random_bytes(10000, i));
  Plan p = f.plan();
  SECTION("events") {
    std::mutex m;
    uint64_t last_files = 0, total = 0;
    bool finished = false;
    auto r = apply_plan(p, *f.remote, *f.local, {}, [&](const ProgressEvent& e) {
      std::lock_guard lock(m);
      CHECK(e.files_done >= last_files);  // monotonic
      last_files = e.files_done;
      total = e.files_total;
      finished = finished || e.phase == ProgressEvent::Phase::Finished;
      return true;
    });
    REQUIRE_OK(r);
    CHECK(last_files == 20);
    CHECK(total == 20);
    CHECK(finished);
  }
  SECTION("cancel") {
    ApplyOptions o;
    o.transfers = 1;
    o.max_delete = 0;
    auto r = apply_plan(p, *f.remote, *f.local, o, [&](const ProgressEvent& e) { return e.files_done < 3; });
    REQUIRE_OK(r);
    CHECK(r->count(OutcomeKind::Done) < 20);
    CHECK(r->count(OutcomeKind::Failed) > 0);
    CHECK(r->first_error().code() == ErrorCode::Cancelled);
  }
}

TEST_CASE("a plan only applies to the backends it was made for", "[sync]") {
  Fixture f;
  Plan p = f.plan();
  MemoryBackend other("other");
  REQUIRE_CODE(apply_plan(p, other, *f.local, {}), ErrorCode::InvalidArgument);
}

}  // namespace cloudsync::test
