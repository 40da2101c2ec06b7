// Server-side copies on moto: CopyObject between buckets of one endpoint and
// UploadPartCopy above the multipart threshold, through the adapters
// open_backend puts in front (prefix, refused-action labels), with the bytes
// each client sent and received counted: none of the object's pass through.
#include "backends/refused_action.hpp"
#include "core/hash.hpp"
#include "s3/s3_fixture.hpp"
#include "support/byte_counting_transport.hpp"
#include "support/copy_checks.hpp"
#include "transfer/transfer.hpp"

namespace cloudsync::test {
namespace {

struct CountedBucket {
  std::shared_ptr<ByteCountingTransport> wire;
  std::shared_ptr<s3::S3Backend> bucket;
  std::shared_ptr<StorageBackend> view;  ///< below `prefix`, labelled as open_backend() labels
};

CountedBucket counted_bucket(const std::string& name, const std::string& prefix, uint64_t multipart_threshold = 0) {
  S3Options options = moto_options(name);
  options.part_size = kTestMinPart;
  options.multipart_threshold = multipart_threshold;
  CountedBucket out;
  out.wire = std::make_shared<ByteCountingTransport>(http::make_curl_transport(fast_options()));
  out.bucket = bucket_backend_in(options, s3::process_environment(), {}, {}, out.wire);
  out.view = backends::label_refused_actions(make_prefixed_backend(out.bucket, P(prefix)));
  return out;
}

}  // namespace

TEST_CASE("S3 copies within one endpoint are server-side: no byte through the client", "[s3][copy]") {
  const std::string data = random_bytes(200 * 1024 + 11, 21);
  CountedBucket src = counted_bucket(create_bucket("copysrc"), "in");
  CountedBucket dst = counted_bucket(create_bucket("copydst"), "out", 256 * 1024);
  REQUIRE(dst.view->capabilities().server_side_copy);
  REQUIRE(dst.view->can_copy_from(*src.view));

  SECTION("CopyObject: content, mtime and checksums kept") {
    put_source(*src.view, "dir/a b+c.bin", data);
    ObjectMeta meta = listed(*src.view, "dir/a b+c.bin");
    src.wire->sent = 0;
    src.wire->received = 0;
    DestinationExpectation expect;
    expect.kind = DestinationExpectation::Kind::Absent;
    auto t = transfer_object(*src.view, P("dir/a b+c.bin"), meta, *dst.view, P("copy/x.bin"), expect, {}, nullptr, {});
    REQUIRE_OK(t);
    // One HEAD of the source, one CopyObject: headers and a small XML answer.
    CHECK(src.wire->sent + dst.wire->sent == 0);
    CHECK(src.wire->received + dst.wire->received < 2048);
    CHECK(t->destination.hashes.md5 == to_hex(md5_digest(data)));
    auto copied = dst.bucket->head(P("out/copy/x.bin"), {});
    REQUIRE_OK(copied);
    CHECK(copied->size == data.size());
    CHECK(copied->mtime == kept_mtime());
    CHECK(copied->hashes.crc32c == t->content_hashes.crc32c);
    CHECK(!copied->hashes.crc32c.empty());
    CHECK(*dst.bucket->read_all(P("out/copy/x.bin"), {}) == data);
  }
  SECTION("UploadPartCopy above the multipart threshold") {
    const std::string large = random_bytes(600 * 1024 + 5, 22);
    put_source(*src.view, "large.bin", large);
    ObjectMeta meta = listed(*src.view, "large.bin");
    uint64_t before = src.wire->received + dst.wire->received + src.wire->sent + dst.wire->sent;
    auto t = transfer_object(*src.view, P("large.bin"), meta, *dst.view, P("large.bin"), {}, {}, nullptr, {});
    REQUIRE_OK(t);
    uint64_t moved = src.wire->received + dst.wire->received + src.wire->sent + dst.wire->sent - before;
    CHECK(moved < 8 * 1024);                      // XML only: ten UploadPartCopy answers, the completion
    CHECK(t->destination.etag.ends_with("-10"));  // 600 KiB in 64 KiB parts
    auto copied = dst.bucket->head(P("out/large.bin"), {});
    REQUIRE_OK(copied);
    CHECK(copied->mtime == kept_mtime());
    CHECK(*dst.bucket->read_all(P("out/large.bin"), {}) == large);
    CHECK(pending_uploads(*dst.bucket) == 0);
  }
  SECTION("a source changed after it was listed is PreconditionFailed, not a copy of the new version") {
    put_source(*src.view, "v.txt", random_bytes(300 * 1024, 23));
    ObjectMeta meta = listed(*src.view, "v.txt");
    put_source(*src.view, "v.txt", random_bytes(300 * 1024, 24));
    auto t = transfer_object(*src.view, P("v.txt"), meta, *dst.view, P("v.txt"), {}, {}, nullptr, {});
    REQUIRE_FALSE(t.ok());
    CHECK(t.status().code() == ErrorCode::PreconditionFailed);
    // The store's own check (x-amz-copy-source-if-match), without the HEAD before it.
    for (uint64_t size : {uint64_t{100}, uint64_t{300 * 1024}}) {
      CopyOptions copy;
      copy.source_if_match = meta.etag;
      copy.source_size = size;
      auto direct = dst.view->copy_from(*src.view, P("v.txt"), P("v.txt"), copy, {});
      REQUIRE_FALSE(direct.ok());
      CHECK(direct.status().code() == ErrorCode::PreconditionFailed);
    }
    CHECK(dst.bucket->head(P("out/v.txt"), {}).status().code() == ErrorCode::NotFound);
    CHECK(pending_uploads(*dst.bucket) == 0);
  }
  SECTION("other credentials: no server-side copy") {
    S3Options other = moto_options(create_bucket("copyoth"));
    other.access_key_id = "AKIAOTHERKEYFORTEST1";
    auto stranger = bucket_backend(other);
    CHECK_FALSE(dst.view->can_copy_from(*stranger));
  }
}

}  // namespace cloudsync::test
