// The engine through S3: the workspace conformance suite on moto (a Workspace
// whose integration is s3://bucket/prefix, opened from stored non-secret
// options plus the secret as a credential), then what only S3 shows: objects
// uploaded in parts (whose ETag is no MD5) both ways, exact mtimes in
// metadata, the CRC32C cloudsync records, and no upload left unfinished.
#include "cloudsync/backends/local.hpp"
#include "cloudsync/sync.hpp"
#include "cloudsync/workspace.hpp"
#include "conformance/workspace_conformance.hpp"
#include "core/file_io.hpp"
#include "core/hash.hpp"
#include "core/time.hpp"
#include "s3/s3_fixture.hpp"
#include "transfer/transfer.hpp"

namespace cloudsync::test {

namespace fs = std::filesystem;

namespace {}  // namespace

TEST_CASE("S3 workspace conformance", "[s3][workspace][conformance]") {
  WorkspaceTarget target;
  target.name = "s3 (moto, aws)";
  // Keys may hold anything; boto3 writes those curl would normalise.
  target.quirks = {.holds_dot_segments = true, .holds_empty_segments = true, .holds_control_chars = true};
  target.make_remote = [] {
    const std::string bucket = create_bucket("wsc");
    WorkspaceRemote remote;
    remote.url = "s3://" + bucket + "/prefix";
    remote.stored_options = moto_integration_options();
    remote.credentials = {{"secret_access_key", moto().secret_access_key}};
    remote.direct = make_prefixed_backend(bucket_backend(moto_options(bucket)), P("prefix"));
    remote.plant_raw = [bucket](const std::vector<std::string>& names) {
      std::vector<std::string> keys;
      for (const std::string& name : names) keys.push_back("prefix/" + name);
      boto3_put(bucket, keys);
    };
    return remote;
  };
  run_workspace_conformance(target);
}

TEST_CASE("S3 workspace: objects in parts both ways, exact mtimes, checksums S3 vouches for", "[s3][workspace]") {
  S3Project p;
  const TimePoint a_mtime = from_unix_nanos(1'600'000'000'987'654'321);
  p.put_remote("data/a.csv", "a,b\n1,2\n", a_mtime);
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

  // Import: bytes and the mtime from x-amz-meta-mtime arrive.
  CHECK(done_count(p.import({"data"})) == 2);
  CHECK(read_file(p.folder / "data/a.csv") == "a,b\n1,2\n");
  CHECK(read_file(p.folder / "data/multi.bin") == multi);
  CHECK(file_mtime(p.folder / "data/a.csv") == a_mtime);
  CHECK(done_count(p.import({"data"})) == 0);  // nothing changed, nothing moves

  // Export: a small file in one PUT, a large one in equal parts, both with
  // the local mtime and a hash that rclone and the planner can compare.
  const std::string big = random_bytes(700 * 1024, 3);
  write_file(p.folder / "exports/new.csv", "x,y\n");
  write_file(p.folder / "exports/big.bin", big);
  CHECK(done_count(p.export_all()) == 2);
  auto small_head = p.remote->head(P("exports/new.csv"), kCtx);
  REQUIRE_OK(small_head);
  CHECK(small_head->mtime == file_mtime(p.folder / "exports/new.csv"));
  CHECK(small_head->etag == hashes_of("x,y\n").md5);
  auto big_head = p.remote->head(P("exports/big.bin"), kCtx);
  REQUIRE_OK(big_head);
  CHECK(big_head->etag.ends_with("-11"));                   // 700 KiB in 64 KiB parts
  CHECK(big_head->hashes.crc32c == hashes_of(big).crc32c);  // recorded: a multipart ETag is no MD5
  CHECK(big_head->mtime == file_mtime(p.folder / "exports/big.bin"));
  CHECK(p.remote_text("exports/big.bin") == big);
  CHECK(done_count(p.export_all()) == 0);

  // Restore: the object in parts comes back verified by its recorded CRC32C.
  fs::remove(p.folder / "data/multi.bin");
  fs::remove(p.folder / "exports/big.bin");
  auto restored = p.ws->restore(p.name, {});
  REQUIRE_OK(restored);
  REQUIRE(restored->size() == 1);
  CHECK(done_count(restored->front()) == 2);
  CHECK(read_file(p.folder / "data/multi.bin") == multi);
  CHECK(read_file(p.folder / "exports/big.bin") == big);
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
