// The shared backend conformance suite, every section, on S3 (moto with SigV4
// enforced): once as AWS (CRC32C checksums, conditional writes, bucket
// root), once as an unknown S3-compatible store (MD5, no conditional writes)
// seen through a key prefix.
#include "conformance/backend_conformance.hpp"
#include "s3/s3_fixture.hpp"

namespace cloudsync::test {

TEST_CASE("S3 conformance: AWS-like store at the bucket root", "[s3][conformance]") {
  ConformanceTarget target;
  target.name = "s3 (aws, crc32c)";
  target.part_size = kTestMinPart;
  target.make_empty = [] {
    std::shared_ptr<StorageBackend> b = bucket_backend(moto_options(create_bucket("conf")));
    return b;
  };
  run_backend_conformance(target);
}

TEST_CASE("S3 conformance: other provider under a prefix", "[s3][conformance]") {
  ConformanceTarget target;
  target.name = "s3 (other, md5, prefix)";
  target.part_size = kTestMinPart;
  target.make_empty = [] {
    S3Options o = moto_options(create_bucket("confp"));
    o.provider = S3Provider::Other;
    o.prefix = "some/prefix";
    auto b = make_s3_backend(o);
    REQUIRE_OK(b);
    CHECK_FALSE((*b)->capabilities().conditional_create);
    CHECK((*b)->capabilities().max_key_bytes == 1024 - std::string("some/prefix/").size());
    return *b;
  };
  run_backend_conformance(target);
}

}  // namespace cloudsync::test
