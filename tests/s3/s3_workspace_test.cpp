// Every engine operation through S3: a Workspace whose integration is
// s3://bucket/prefix, opened by open_backend() from stored (non-secret)
// options plus the secret from WorkspaceOptions::credentials.
#include "cloudsync/backends/local.hpp"
#include "cloudsync/sync.hpp"
#include "cloudsync/workspace.hpp"
#include "core/file_io.hpp"
#include "core/hash.hpp"
#include "core/time.hpp"
#include "s3/s3_fixture.hpp"
#include "transfer/transfer.hpp"

namespace cloudsync::test {

namespace fs = std::filesystem;

namespace {

size_t done(const OperationResult& r) { return r.report.count(OutcomeKind::Done); }

}  // namespace

TEST_CASE("S3 workspace: import, export, restore and sync through s3://bucket/prefix", "[s3][workspace]") {
  S3Project p;
  const TimePoint a_mtime = from_unix_nanos(1'600'000'000'987'654'321);
  p.put_remote("data/a.csv", "a,b\n1,2\n", a_mtime);
  p.put_remote("data/sub/b.txt", "bee");
  p.put_remote("other.txt", "other");
  const std::string multi = random_bytes(300 * 1024 + 7, 9);
  {
    // An object uploaded in parts by someone else (its ETag is not an MD5).
    auto upload = p.remote->start_multipart(P("data/multi.bin"), {}, kCtx);
    REQUIRE_OK(upload);
    std::vector<PartInfo> parts;
    for (uint32_t n = 1; (n - 1) * kTestMinPart < multi.size(); ++n) {
      MemorySource src(std::string_view(multi).substr((n - 1) * kTestMinPart, kTestMinPart));
      auto part = (*upload)->upload_part(n, src, kCtx);
      REQUIRE_OK(part);
      parts.push_back(*part);
    }
    REQUIRE_OK((*upload)->complete(parts, kCtx));
  }
  // Keys that must never become local paths.
  boto3_put(p.bucket, {"prefix/../escape.txt", "prefix/data//double.txt"});

  // Import: folders and globs; hostile keys are skipped; bytes and mtimes arrive.
  auto imported = p.import({"data", "*.txt"});
  CHECK(done(imported) == 4);
  CHECK(list_tree(p.folder) == std::vector<std::string>{"data/a.csv", "data/multi.bin", "data/sub/b.txt", "other.txt"});
  CHECK(read_file(p.folder / "data/a.csv") == "a,b\n1,2\n");
  CHECK(read_file(p.folder / "data/multi.bin") == multi);
  CHECK(file_mtime(p.folder / "data/a.csv") == a_mtime);
  CHECK_FALSE(fs::exists(p.dir / "project/external-files/s3/escape.txt"));
  bool double_skipped = false;
  for (const PlanAction& a : imported.plan.actions) {
    if (a.path == "data//double.txt" && a.kind == ActionKind::Skip) double_skipped = true;
  }
  CHECK(double_skipped);
  CHECK(done(p.import({"data", "*.txt"})) == 0);  // nothing changed, nothing moves

  // Export: a small file in one PUT, a large one in equal parts, both with
  // the local mtime and an MD5 that rclone and the planner can compare.
  const std::string big = random_bytes(700 * 1024, 3);
  write_file(p.folder / "exports/new.csv", "x,y\n");
  write_file(p.folder / "exports/big.bin", big);
  auto exported = p.export_all();
  CHECK(done(exported) == 2);
  auto small_head = p.remote->head(P("exports/new.csv"), kCtx);
  REQUIRE_OK(small_head);
  CHECK(small_head->mtime == file_mtime(p.folder / "exports/new.csv"));
  CHECK(small_head->etag == hashes_of("x,y\n").md5);
  auto big_head = p.remote->head(P("exports/big.bin"), kCtx);
  REQUIRE_OK(big_head);
  CHECK(big_head->etag.ends_with("-11"));  // 700 KiB in 64 KiB parts
  CHECK(big_head->hashes.crc32c == hashes_of(big).crc32c);  // recorded: a multipart ETag is no MD5
  CHECK(big_head->mtime == file_mtime(p.folder / "exports/big.bin"));
  CHECK(p.remote_text("exports/big.bin") == big);
  CHECK(pending_uploads(*p.raw) == 0);
  CHECK(done(p.export_all()) == 0);

  // Export never overwrites a remote change (If-Match on the PUT).
  p.put_remote("exports/new.csv", "changed remotely");
  write_file(p.folder / "exports/new.csv", "changed locally");
  auto refused = p.export_all();
  CHECK(done(refused) == 0);
  CHECK(p.remote_text("exports/new.csv") == "changed remotely");

  // Restore: what is missing or changed remotely comes back.
  fs::remove(p.folder / "data/a.csv");
  fs::remove(p.folder / "data/multi.bin");
  p.put_remote("other.txt", "other, newer");
  auto restored = p.ws->restore(p.name, {});
  REQUIRE_OK(restored);
  REQUIRE(restored->size() == 1);
  CHECK(done(restored->front()) == 3);
  CHECK(read_file(p.folder / "data/a.csv") == "a,b\n1,2\n");
  CHECK(read_file(p.folder / "data/multi.bin") == multi);
  CHECK(read_file(p.folder / "other.txt") == "other, newer");

  // Pull sync of one folder: dry run first, then with delete_extraneous.
  REQUIRE_OK(p.remote->remove(P("data/sub/b.txt"), kCtx));
  p.put_remote("data/new.csv", "fresh");
  SyncRequest pull;
  pull.folders = {"data"};
  pull.delete_extraneous = true;
  pull.dry_run = true;
  auto dry = p.sync(pull);
  CHECK(dry.plan.count(ActionKind::Add) == 1);
  CHECK(dry.plan.count(ActionKind::Delete) == 1);
  CHECK(dry.report.count(OutcomeKind::DryRun) == 2);
  CHECK(fs::exists(p.folder / "data/sub/b.txt"));
  CHECK_FALSE(fs::exists(p.folder / "data/new.csv"));
  pull.dry_run = false;
  auto real = p.sync(pull);
  CHECK(done(real) == 2);
  CHECK_FALSE(fs::exists(p.folder / "data/sub/b.txt"));
  CHECK(read_file(p.folder / "data/new.csv") == "fresh");

  // Push sync with delete_extraneous: local deletions reach the bucket
  // (DeleteObjects), local additions are uploaded.
  fs::remove(p.folder / "exports/big.bin");
  write_file(p.folder / "exports/added.txt", "added");
  SyncRequest push;
  push.direction = SyncDirection::Push;
  push.folders = {"exports"};
  push.delete_extraneous = true;
  auto pushed = p.sync(push);
  INFO(operation_result_to_json(pushed));
  CHECK(pushed.report.count(ActionKind::Delete, OutcomeKind::Done) == 1);
  CHECK(pushed.report.count(ActionKind::Add, OutcomeKind::Done) == 1);
  REQUIRE_CODE(p.remote->head(P("exports/big.bin"), kCtx), ErrorCode::NotFound);
  CHECK(p.remote_text("exports/added.txt") == "added");
  check_nothing_partial(p);
}

TEST_CASE("S3 workspace: a wrong secret fails the operation clearly", "[s3][workspace][auth]") {
  S3Project p;
  p.put_remote("a.txt", "a");
  WorkspaceOptions o;
  o.credentials = [](const Integration&) { return BackendOptions{{"secret_access_key", "NotTheSecret0123456789"}}; };
  auto w = Workspace::open(p.dir / "project", o);
  REQUIRE_OK(w);
  auto r = (*w)->import_files(p.name, {{"a.txt"}});
  REQUIRE_CODE(r, ErrorCode::Unauthenticated);
  CHECK(r.status().to_string().find("NotTheSecret0123456789") == std::string::npos);
  CHECK(list_tree(p.folder).empty());
}

}  // namespace cloudsync::test

namespace cloudsync::test {

TEST_CASE("S3 mirror: a change that keeps a multipart object's size is still seen", "[s3][sync]") {
  // ListObjectsV2 tells neither the mtime nor a hash of a multipart object:
  // the planner reads them from the object before calling it unchanged.
  S3Project p;
  S3Options options = moto_options(p.bucket);
  options.part_size = kTestMinPart;
  options.multipart_threshold = 256 * 1024;
  auto remote = make_prefixed_backend(bucket_backend(options), P("prefix"));
  TempDir here;
  const std::string v1 = random_bytes(300 * 1024 + 3, 31);
  std::string v2 = v1;
  v2[1000] = static_cast<char>(v2[1000] ^ 0x01);
  write_file(here / "src/big.bin", v1);
  auto local = make_local_backend(here / "src");
  REQUIRE_OK(local);
  auto sync_once = [&] {
    auto plan = plan_sync(**local, *remote, {});
    REQUIRE_OK(plan);
    Plan copy = *plan;
    auto report = apply_plan(*plan, **local, *remote, {});
    REQUIRE_OK(report);
    CHECK(report->count(OutcomeKind::Failed) == 0);
    return copy;
  };
  CHECK(sync_once().count(ActionKind::Add) == 1);
  auto head = remote->head(P("big.bin"), kCtx);
  REQUIRE_OK(head);
  REQUIRE(head->etag.find('-') != std::string::npos);  // multipart: the ETag is no MD5

  CHECK(sync_once().actions.empty());  // unchanged: same mtime

  write_file(here / "src/big.bin", v2);  // same size, one bit and the mtime differ
  Plan changed = sync_once();
  REQUIRE(changed.count(ActionKind::Update) == 1);
  CHECK(changed.actions[0].reason.find("checksum") != std::string::npos);
  CHECK(p.remote_text("big.bin") == v2);
}

}  // namespace cloudsync::test
