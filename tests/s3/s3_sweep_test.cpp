// Multipart uploads a killed process left behind are billed until aborted:
// the next operation's sweep aborts them, once they are old enough that no
// other process can still be running them.
#include "cloudsync/backends/local.hpp"
#include "cloudsync/sync.hpp"
#include "s3/s3_fixture.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {

namespace {
// What a process that was killed after CreateMultipartUpload leaves.
void begin_upload(s3::S3Backend& backend, const std::string& key) {
  auto started = raw_request(backend, "POST", key, {{"uploads", ""}});
  REQUIRE_OK(started);
  REQUIRE(started->body.find("<UploadId>") != std::string::npos);
}
}  // namespace

TEST_CASE("S3 sweep aborts stale multipart uploads under its prefix only", "[s3][sweep]") {
  auto b = bucket_backend(moto_options(create_bucket("sweep")));
  begin_upload(*b, "dir/left.bin");
  begin_upload(*b, "dir/sub/also left.bin");
  begin_upload(*b, "other/left.bin");
  REQUIRE(pending_uploads(*b) == 3);

  SECTION("uploads younger than the threshold may still be running: left alone") {
    // moto reports a fixed, years-old Initiated time for every upload: a
    // threshold of a century is what keeps these "young" here.
    SweepOptions options;
    options.older_than = std::chrono::hours(24 * 365 * 100);
    auto swept = b->sweep_interrupted_uploads(options, kCtx);
    REQUIRE_OK(swept);
    CHECK(*swept == 0);
    CHECK(pending_uploads(*b) == 3);
  }
  SECTION("through a prefixed backend: only that prefix") {
    auto scoped = make_prefixed_backend(b, P("dir"));
    SweepOptions options;
    options.older_than = std::chrono::seconds(0);
    auto swept = scoped->sweep_interrupted_uploads(options, kCtx);
    REQUIRE_OK(swept);
    CHECK(*swept == 2);
    CHECK(pending_uploads(*b) == 1);
  }
  SECTION("a sync to the bucket sweeps before it transfers") {
    TempDir src;
    write_file(src / "new.txt", "new");
    auto local = make_local_backend(src.path());
    REQUIRE_OK(local);
    auto scoped = make_prefixed_backend(b, P("dir"));
    auto plan = plan_sync(**local, *scoped, {});
    REQUIRE_OK(plan);
    ApplyOptions apply;
    apply.sweep_older_than = std::chrono::seconds(0);
    auto report = apply_plan(*plan, **local, *scoped, apply);
    REQUIRE_OK(report);
    CHECK(report->count(OutcomeKind::Done) == 1);
    CHECK(pending_uploads(*b) == 1);  // other/ is outside the destination
  }
}

}  // namespace cloudsync::test
