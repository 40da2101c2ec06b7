// The S3 backend's parts, without a server: configuration resolution (options,
// environment, shared config files), the metadata formats, the XML documents,
// the error mapping, the payload/checksum planning and the URL options.
#include <map>

#include "auth/aws/aws_shared_config.hpp"
#include "backends/s3/s3_config.hpp"
#include "backends/s3/s3_errors.hpp"
#include "backends/s3/s3_object_meta.hpp"
#include "backends/s3/s3_payload.hpp"
#include "backends/s3/s3_xml.hpp"
#include "cloudsync/backends/s3.hpp"
#include "core/hash.hpp"
#include "core/redact.hpp"
#include "core/time.hpp"
#include "support/aws_environment.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {

namespace {

using s3::Environment;
using s3::resolve_s3_config;

// A fake environment: variables from a map, $HOME a temporary folder.
using FakeEnv = FakeAwsEnvironment;

// The credentials a resolved configuration signs with now.
auth::AwsCredentials keys_of(const s3::S3Config& config) {
  REQUIRE(config.credentials);
  auto keys = config.credentials->credentials(OpContext{});
  REQUIRE_OK(keys);
  return *keys;
}

S3Options bucket(std::string name = "my-bucket") {
  S3Options o;
  o.bucket = std::move(name);
  return o;
}

// Counts the bytes read and the rewinds of a memory source.
class CountingSource final : public ByteSource {
 public:
  explicit CountingSource(std::string data, bool rewindable = true, bool knows_size = true)
      : data_(std::move(data)), rewindable_(rewindable), knows_size_(knows_size) {}
  Result<size_t> read(std::span<char> buf) override {
    size_t n = std::min(buf.size(), data_.size() - pos_);
    std::copy_n(data_.data() + pos_, n, buf.data());
    pos_ += n;
    bytes_read += n;
    return n;
  }
  std::optional<uint64_t> size() const override {
    return knows_size_ ? std::optional<uint64_t>(data_.size()) : std::nullopt;
  }
  Status rewind() override {
    if (!rewindable_) return Status(ErrorCode::Unsupported, "one-shot source");
    pos_ = 0;
    ++rewinds;
    return Status::OK();
  }
  uint64_t bytes_read = 0;
  int rewinds = 0;

 private:
  std::string data_;
  size_t pos_ = 0;
  bool rewindable_;
  bool knows_size_;
};

}  // namespace

TEST_CASE("S3 configuration: credentials follow the SDK order", "[s3][config]") {
  FakeEnv fake;
  fake.vars = {{"AWS_ACCESS_KEY_ID", "AKIAENVENVENV"}, {"AWS_SECRET_ACCESS_KEY", "env-secret-value-123"}};
  fake.file(".aws/credentials",
            "[default]\naws_access_key_id = AKIAFILEDEFAULT\naws_secret_access_key = file-default-secret\n"
            "# a comment\n[dev]\naws_access_key_id=AKIADEV\naws_secret_access_key=dev-secret-value\n"
            "aws_session_token = dev-session-token-xyz\n");
  fake.file(".aws/config",
            "[default]\nregion = eu-central-1\n[profile dev]\nregion = ap-south-1\n"
            "endpoint_url = http://127.0.0.1:9000\n");

  SECTION("explicit options win") {
    S3Options o = bucket();
    o.access_key_id = "AKIAOPTIONS";
    o.secret_access_key = "options-secret-value";
    auto c = resolve_s3_config(o, fake.env());
    REQUIRE_OK(c);
    CHECK(keys_of(*c).access_key_id == "AKIAOPTIONS");
    CHECK(c->credential_source == "options");
    CHECK(c->region == "eu-central-1");  // the default profile still gives the region
  }
  SECTION("one key without the other is an error") {
    S3Options o = bucket();
    o.access_key_id = "AKIAOPTIONS";
    REQUIRE_CODE(resolve_s3_config(o, fake.env()), ErrorCode::InvalidArgument);
  }
  SECTION("then the environment") {
    auto c = resolve_s3_config(bucket(), fake.env());
    REQUIRE_OK(c);
    CHECK(keys_of(*c).access_key_id == "AKIAENVENVENV");
    CHECK(keys_of(*c).secret_access_key == "env-secret-value-123");
  }
  SECTION("then the default profile") {
    fake.vars.clear();
    auto c = resolve_s3_config(bucket(), fake.env());
    REQUIRE_OK(c);
    CHECK(keys_of(*c).access_key_id == "AKIAFILEDEFAULT");
    CHECK(c->credential_source.find("profile 'default'") != std::string::npos);
  }
  SECTION("AWS_PROFILE picks a profile; its region and endpoint come along") {
    fake.vars = {{"AWS_PROFILE", "dev"}};
    auto c = resolve_s3_config(bucket(), fake.env());
    REQUIRE_OK(c);
    CHECK(keys_of(*c).access_key_id == "AKIADEV");
    CHECK(keys_of(*c).session_token == "dev-session-token-xyz");
    CHECK(c->region == "ap-south-1");
    CHECK(c->endpoint.to_string() == "http://127.0.0.1:9000/");
    CHECK(c->provider == S3Provider::Other);  // a custom endpoint is not AWS
    CHECK(c->path_style);
  }
  SECTION("an explicit profile beats the environment's keys") {
    S3Options o = bucket();
    o.profile = "dev";
    auto c = resolve_s3_config(o, fake.env());
    REQUIRE_OK(c);
    CHECK(keys_of(*c).access_key_id == "AKIADEV");
  }
  SECTION("an explicit profile that does not exist is an error") {
    S3Options o = bucket();
    o.profile = "nope";
    auto c = resolve_s3_config(o, fake.env());
    REQUIRE_CODE(c, ErrorCode::InvalidArgument);
    CHECK(c.status().message().find("nope") != std::string::npos);
  }
  SECTION("AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE move the files") {
    fake.vars = {{"AWS_SHARED_CREDENTIALS_FILE", (fake.home / "elsewhere/creds").string()},
                 {"AWS_CONFIG_FILE", (fake.home / "elsewhere/conf").string()}};
    fake.file("elsewhere/creds", "[default]\naws_access_key_id=AKIAMOVED\naws_secret_access_key=moved-secret-1\n");
    fake.file("elsewhere/conf", "[default]\nregion=sa-east-1\n");
    auto c = resolve_s3_config(bucket(), fake.env());
    REQUIRE_OK(c);
    CHECK(keys_of(*c).access_key_id == "AKIAMOVED");
    CHECK(c->region == "sa-east-1");
  }
  SECTION("no credentials anywhere: Unauthenticated, unless anonymous") {
    FakeEnv empty;
    // Instance metadata would be the last resort, asked at the first request.
    empty.vars["AWS_EC2_METADATA_DISABLED"] = "true";
    auto c = resolve_s3_config(bucket(), empty.env());
    REQUIRE_CODE(c, ErrorCode::Unauthenticated);
    CHECK(c.status().message().find("anonymous=true") != std::string::npos);
    S3Options o = bucket();
    o.anonymous = true;
    auto anon = resolve_s3_config(o, empty.env());
    REQUIRE_OK(anon);
    CHECK(anon->anonymous);
  }
  SECTION("use_environment=false ignores the environment and the files") {
    S3Options o = bucket();
    o.use_environment = false;
    REQUIRE_CODE(resolve_s3_config(o, fake.env()), ErrorCode::Unauthenticated);
  }
  SECTION("every secret is registered for redaction") {
    fake.vars = {{"AWS_PROFILE", "dev"}};
    REQUIRE_OK(resolve_s3_config(bucket(), fake.env()));
    CHECK(redact("x dev-secret-value y") == "x *** y");
    CHECK(redact("dev-session-token-xyz") == "***");
  }
}

TEST_CASE("S3 configuration: region, endpoint, provider and addressing", "[s3][config]") {
  FakeEnv fake;
  fake.vars = {{"AWS_ACCESS_KEY_ID", "AKIAX"}, {"AWS_SECRET_ACCESS_KEY", "secret-for-tests-1"}};

  SECTION("AWS by default: regional endpoint, virtual-host style for DNS-safe names") {
    fake.vars["AWS_DEFAULT_REGION"] = "eu-west-3";
    auto c = resolve_s3_config(bucket("my-bucket"), fake.env());
    REQUIRE_OK(c);
    CHECK(c->provider == S3Provider::Aws);
    CHECK(c->region == "eu-west-3");
    CHECK(c->endpoint.to_string() == "https://s3.eu-west-3.amazonaws.com/");
    CHECK(c->default_endpoint);
    CHECK_FALSE(c->path_style);
    CHECK(c->checksum == S3Checksum::Crc32c);
    CHECK(c->conditional_writes);
    // Dots in the name cannot sit under a wildcard certificate.
    auto dotted = resolve_s3_config(bucket("my.dotted.bucket"), fake.env());
    REQUIRE_OK(dotted);
    CHECK(dotted->path_style);
  }
  SECTION("AWS_REGION beats AWS_DEFAULT_REGION; the option beats both") {
    fake.vars["AWS_DEFAULT_REGION"] = "eu-west-3";
    fake.vars["AWS_REGION"] = "us-west-2";
    auto c = resolve_s3_config(bucket(), fake.env());
    REQUIRE_OK(c);
    CHECK(c->region == "us-west-2");
    S3Options o = bucket();
    o.region = "ca-central-1";
    auto explicit_region = resolve_s3_config(o, fake.env());
    REQUIRE_OK(explicit_region);
    CHECK(explicit_region->region == "ca-central-1");
  }
  SECTION("AWS_ENDPOINT_URL_S3 beats AWS_ENDPOINT_URL beats the profile") {
    fake.file(".aws/config", "[default]\nendpoint_url = http://profile:1\ns3 =\n  endpoint_url = http://nested:2\n");
    auto nested = resolve_s3_config(bucket(), fake.env());
    REQUIRE_OK(nested);
    CHECK(nested->endpoint.host == "nested");
    fake.vars["AWS_ENDPOINT_URL"] = "http://generic:3";
    auto generic = resolve_s3_config(bucket(), fake.env());
    REQUIRE_OK(generic);
    CHECK(generic->endpoint.host == "generic");
    fake.vars["AWS_ENDPOINT_URL_S3"] = "http://specific:4";
    auto specific = resolve_s3_config(bucket(), fake.env());
    REQUIRE_OK(specific);
    CHECK(specific->endpoint.host == "specific");
    CHECK(specific->endpoint.port == 4);
  }
  SECTION("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS and the profile's addressing style") {
    fake.file(".aws/config", "[default]\nendpoint_url = http://profile:1\ns3 =\n  addressing_style = virtual\n");
    fake.vars["AWS_ENDPOINT_URL"] = "http://generic:3";
    auto configured = resolve_s3_config(bucket(), fake.env());
    REQUIRE_OK(configured);
    CHECK(configured->endpoint.host == "generic");
    CHECK_FALSE(configured->path_style);  // as the profile says, custom endpoint or not
    fake.vars["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true";
    auto ignored = resolve_s3_config(bucket(), fake.env());
    REQUIRE_OK(ignored);
    CHECK(ignored->endpoint.to_string() == "https://s3.us-east-1.amazonaws.com/");
  }
  SECTION("a [services] section gives the endpoint") {
    fake.file(".aws/config", "[default]\nservices = local\n[services local]\ns3 =\n  endpoint_url = http://svc:9\n");
    auto c = resolve_s3_config(bucket(), fake.env());
    REQUIRE_OK(c);
    CHECK(c->endpoint.host == "svc");
  }
  SECTION("AWS_CA_BUNDLE and the profile's ca_bundle") {
    fake.file(".aws/config", "[default]\nca_bundle = /profile/ca.pem\n");
    auto from_profile = resolve_s3_config(bucket(), fake.env());
    REQUIRE_OK(from_profile);
    CHECK(from_profile->client.ca_bundle == "/profile/ca.pem");
    fake.vars["AWS_CA_BUNDLE"] = "/env/ca.pem";
    auto from_env = resolve_s3_config(bucket(), fake.env());
    REQUIRE_OK(from_env);
    CHECK(from_env->client.ca_bundle == "/env/ca.pem");
  }
  SECTION("R2: region auto, MD5 checksums, conditional writes, account endpoint required") {
    S3Options o = bucket();
    o.provider = S3Provider::R2;
    REQUIRE_CODE(resolve_s3_config(o, fake.env()), ErrorCode::InvalidArgument);
    o.endpoint = "https://0123456789abcdef.r2.cloudflarestorage.com";
    auto c = resolve_s3_config(o, fake.env());
    REQUIRE_OK(c);
    CHECK(c->region == "auto");
    CHECK(c->checksum == S3Checksum::Md5);
    CHECK(c->conditional_writes);
    // Found from the host alone too.
    o.provider = S3Provider::Auto;
    auto detected = resolve_s3_config(o, fake.env());
    REQUIRE_OK(detected);
    CHECK(detected->provider == S3Provider::R2);
  }
  SECTION("GCS interoperability: storage.googleapis.com with HMAC keys") {
    S3Options o = bucket();
    o.provider = S3Provider::Gcs;
    auto c = resolve_s3_config(o, fake.env());
    REQUIRE_OK(c);
    CHECK(c->endpoint.to_string() == "https://storage.googleapis.com/");
    CHECK(c->region == "auto");
    CHECK(c->checksum == S3Checksum::Md5);  // no x-amz-checksum-* at GCS
    CHECK_FALSE(c->conditional_writes);
    CHECK(c->path_style);
  }
  SECTION("MinIO and Ceph need an endpoint; MinIO takes CRC32C, Ceph MD5") {
    S3Options o = bucket();
    o.provider = S3Provider::Minio;
    REQUIRE_CODE(resolve_s3_config(o, fake.env()), ErrorCode::InvalidArgument);
    o.endpoint = "http://127.0.0.1:9000";
    auto minio = resolve_s3_config(o, fake.env());
    REQUIRE_OK(minio);
    CHECK(minio->checksum == S3Checksum::Crc32c);
    CHECK(minio->path_style);
    o.provider = S3Provider::Ceph;
    auto ceph = resolve_s3_config(o, fake.env());
    REQUIRE_OK(ceph);
    CHECK(ceph->checksum == S3Checksum::Md5);
    CHECK_FALSE(ceph->conditional_writes);
  }
  SECTION("explicit choices override the provider's defaults") {
    S3Options o = bucket();
    o.path_style = true;
    o.checksum = S3Checksum::None;
    o.conditional_writes = false;
    o.sign_payload = true;
    auto c = resolve_s3_config(o, fake.env());
    REQUIRE_OK(c);
    CHECK(c->path_style);
    CHECK(c->checksum == S3Checksum::None);
    CHECK_FALSE(c->conditional_writes);
    CHECK(c->sign_payload);
  }
  SECTION("unusable options are InvalidArgument") {
    S3Options o = bucket();
    o.endpoint = "http://host/with/path";
    REQUIRE_CODE(resolve_s3_config(o, fake.env()), ErrorCode::InvalidArgument);
    o = bucket("");
    REQUIRE_CODE(resolve_s3_config(o, fake.env()), ErrorCode::InvalidArgument);
    o = bucket();
    o.part_size = 1024;  // below the 5 MiB minimum
    REQUIRE_CODE(resolve_s3_config(o, fake.env()), ErrorCode::InvalidArgument);
    o = bucket();
    o.region = "us east";
    REQUIRE_CODE(resolve_s3_config(o, fake.env()), ErrorCode::InvalidArgument);
  }
}

TEST_CASE("S3 shared config files parse like the AWS CLI's", "[s3][config]") {
  auto parsed = auth::parse_shared_config(
      "; comment\n[profile  a]\nregion=x\nkey = value with # hash\ns3 =\n  endpoint_url = http://e\n"
      "  addressing_style = path\nafter = 1\n[default]\nregion = y\r\n",
      "test");
  REQUIRE_OK(parsed);
  auto a = auth::find_profile(*parsed, "a", false);
  REQUIRE(a.has_value());
  CHECK(a->at("region") == "x");
  CHECK(a->at("key") == "value with # hash");
  CHECK(a->at("s3.endpoint_url") == "http://e");
  CHECK(a->at("s3.addressing_style") == "path");
  CHECK(a->at("after") == "1");
  CHECK(auth::find_profile(*parsed, "default", false)->at("region") == "y");
  CHECK_FALSE(auth::find_profile(*parsed, "a", true).has_value());  // "[a]" is the credentials file's spelling
  REQUIRE_CODE(auth::parse_shared_config("no section = 1\n", "t"), ErrorCode::InvalidArgument);
  REQUIRE_CODE(auth::parse_shared_config("[x]\njust text\n", "t"), ErrorCode::InvalidArgument);
}

TEST_CASE("S3 mtime metadata uses rclone's format", "[s3][meta]") {
  TimePoint t = from_unix_nanos(1'700'000'000'123'456'789);
  CHECK(s3::format_mtime(t) == "1700000000.123456789");
  CHECK(s3::format_mtime(from_unix_nanos(1'700'000'000'000'000'000)) == "1700000000.000000000");
  CHECK(s3::format_mtime(from_unix_nanos(-1'500'000'000)) == "-1.500000000");
  CHECK(s3::parse_mtime("1700000000.123456789") == t);
  CHECK(s3::parse_mtime("1700000000.5") == from_unix_nanos(1'700'000'000'500'000'000));
  CHECK(s3::parse_mtime("1700000000") == from_unix_nanos(1'700'000'000'000'000'000));
  CHECK(s3::parse_mtime("-1.500000000") == from_unix_nanos(-1'500'000'000));
  CHECK(s3::parse_mtime("1700000000.1234567891234") == from_unix_nanos(1'700'000'000'123'456'789));
  CHECK_FALSE(s3::parse_mtime("yesterday").has_value());
  CHECK_FALSE(s3::parse_mtime("17e8").has_value());
  CHECK_FALSE(s3::parse_mtime("").has_value());
}

TEST_CASE("S3 object metadata from HEAD answers", "[s3][meta]") {
  http::Response r;
  r.status = 200;
  r.headers.add("Content-Length", "12");
  r.headers.add("ETag", "\"E4D7F1B4ED2E42D15898F4B27B019DA4\"");
  r.headers.add("Last-Modified", "Tue, 14 Nov 2023 22:13:20 GMT");
  r.headers.add("X-Amz-Meta-Mtime", "1700000000.123456789");
  r.headers.add("x-amz-meta-Other", "v");
  auto m = s3::meta_from_response(r, "k");
  REQUIRE_OK(m);
  CHECK(m->size == 12);
  CHECK(m->etag == "E4D7F1B4ED2E42D15898F4B27B019DA4");
  CHECK(m->hashes.md5 == "e4d7f1b4ed2e42d15898f4b27b019da4");
  CHECK(m->mtime == from_unix_nanos(1'700'000'000'123'456'789));
  CHECK(m->last_modified == from_unix_nanos(1'700'000'000'000'000'000));
  CHECK(m->metadata.at("other") == "v");

  SECTION("a multipart ETag is not an MD5; md5chksum is") {
    r.headers.set("ETag", "\"6476f4196f7e2d7228138717b8daad6d-3\"");
    r.headers.add("x-amz-meta-md5chksum", "YHOKUrws8NpXFqBd0p2esA==");
    auto mp = s3::meta_from_response(r, "k");
    REQUIRE_OK(mp);
    CHECK(mp->hashes.md5 == "60738a52bc2cf0da5716a05dd29d9eb0");
  }
  SECTION("SSE-KMS ETags are not MD5s") {
    r.headers.add("x-amz-server-side-encryption", "aws:kms");
    auto kms = s3::meta_from_response(r, "k");
    REQUIRE_OK(kms);
    CHECK(kms->hashes.md5.empty());
  }
}

TEST_CASE("S3 listings: url-encoded keys, prefixes and tokens", "[s3][xml]") {
  std::string body = R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix>p%2F</Prefix>
<EncodingType>url</EncodingType><KeyCount>5</KeyCount><MaxKeys>5</MaxKeys><IsTruncated>true</IsTruncated>
<NextContinuationToken>1a+b/c==</NextContinuationToken>
<Contents><Key>a+b.txt</Key><LastModified>2024-01-31T12:00:00.000Z</LastModified>
  <ETag>&quot;0123456789abcdef0123456789abcdef&quot;</ETag><Size>3</Size></Contents>
<Contents><Key>a%2Bb.txt</Key><ETag>"x-2"</ETag><Size>0</Size></Contents>
<Contents><Key>100%25.csv</Key><Size>1</Size></Contents>
<Contents><Key>%C3%BC%2F%2Fx</Key><Size>1</Size></Contents>
<Contents><Key>dir%2F</Key><Size>0</Size></Contents>
<CommonPrefixes><Prefix>sub+dir%2F</Prefix></CommonPrefixes></ListBucketResult>)";
  auto page = s3::parse_list_objects_v2(body, true);
  REQUIRE_OK(page);
  REQUIRE(page->objects.size() == 5);
  CHECK(page->objects[0].key == "a b.txt");
  CHECK(page->objects[0].etag == "0123456789abcdef0123456789abcdef");
  CHECK(page->objects[0].size == 3);
  CHECK(page->objects[0].last_modified.has_value());
  CHECK(page->objects[1].key == "a+b.txt");
  CHECK(page->objects[1].etag == "x-2");
  CHECK(page->objects[2].key == "100%.csv");
  CHECK(page->objects[3].key == "\xC3\xBC//x");
  CHECK(page->objects[4].key == "dir/");
  CHECK(page->common_prefixes == std::vector<std::string>{"sub dir/"});
  CHECK(page->truncated);
  CHECK(page->next_token == "1a+b/c==");  // byte-exact, never decoded

  SECTION("a server that ignored encoding-type sends raw keys") {
    std::string raw = R"(<ListBucketResult><IsTruncated>false</IsTruncated>
<Contents><Key>a+b 100%.txt</Key><Size>1</Size></Contents></ListBucketResult>)";
    auto plain = s3::parse_list_objects_v2(raw, true);
    REQUIRE_OK(plain);
    CHECK(plain->objects[0].key == "a+b 100%.txt");
    CHECK_FALSE(plain->truncated);
  }
  SECTION("keys that are only whitespace survive") {
    auto spaces = s3::parse_list_objects_v2(
        "<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>  </Key><Size>1</Size></Contents>"
        "</ListBucketResult>",
        false);
    REQUIRE_OK(spaces);
    CHECK(spaces->objects[0].key == "  ");
  }
  SECTION("garbage is an error, not an empty listing") {
    REQUIRE_CODE(s3::parse_list_objects_v2("<html>502 Bad Gateway</html>", true), ErrorCode::BadResponse);
    REQUIRE_CODE(s3::parse_list_objects_v2("<ListBucketResult><Contents><Key>k</Key><Size>x</Size></Contents>"
                                           "</ListBucketResult>",
                                           true),
                 ErrorCode::BadResponse);
  }
}

TEST_CASE("S3 XML requests and answers", "[s3][xml]") {
  SECTION("DeleteObjects escapes keys and asks for quiet mode") {
    std::vector<std::string> keys{"a&b<c>.txt", "plain"};
    std::string xml = s3::build_delete_objects(keys);
    CHECK(xml.find("<Quiet>true</Quiet>") != std::string::npos);
    CHECK(xml.find("<Key>a&amp;b&lt;c&gt;.txt</Key>") != std::string::npos);
    CHECK(xml.find("<Key>plain</Key>") != std::string::npos);
  }
  SECTION("DeleteObjects failures") {
    auto failures = s3::parse_delete_result(
        "<DeleteResult><Error><Key>a&amp;b</Key><Code>AccessDenied</Code><Message>no</Message></Error>"
        "<Error><Key>gone</Key><Code>NoSuchKey</Code></Error></DeleteResult>");
    REQUIRE_OK(failures);
    REQUIRE(failures->size() == 2);
    CHECK((*failures)[0].key == "a&b");
    CHECK((*failures)[0].code == "AccessDenied");
  }
  SECTION("CompleteMultipartUpload lists parts with quoted ETags and checksums") {
    std::vector<s3::CompletedPart> parts{{1, "abc", "4waSgw=="}, {2, "def", ""}};
    std::string xml = s3::build_complete_multipart(parts);
    CHECK(xml.find("<Part><PartNumber>1</PartNumber><ETag>\"abc\"</ETag><ChecksumCRC32C>4waSgw==</ChecksumCRC32C>"
                   "</Part>") != std::string::npos);
    CHECK(xml.find("<Part><PartNumber>2</PartNumber><ETag>\"def\"</ETag></Part>") != std::string::npos);
    auto etag = s3::parse_complete_multipart(
        "<CompleteMultipartUploadResult><ETag>&quot;abc-2&quot;</ETag></CompleteMultipartUploadResult>");
    REQUIRE_OK(etag);
    CHECK(*etag == "abc-2");
    REQUIRE_OK(s3::parse_initiate_multipart(
        "<InitiateMultipartUploadResult><UploadId>id-1</UploadId></InitiateMultipartUploadResult>"));
    REQUIRE_CODE(s3::parse_initiate_multipart("<InitiateMultipartUploadResult/>"), ErrorCode::BadResponse);
  }
  SECTION("error documents") {
    auto doc = s3::parse_error_document(
        "<?xml version=\"1.0\"?><Error><Code>AuthorizationHeaderMalformed</Code><Message>wrong region</Message>"
        "<Region>eu-west-1</Region><RequestId>R1</RequestId></Error>");
    REQUIRE(doc.has_value());
    CHECK(doc->code == "AuthorizationHeaderMalformed");
    CHECK(doc->region == "eu-west-1");
    CHECK(doc->request_id == "R1");
    CHECK_FALSE(s3::parse_error_document("<CompleteMultipartUploadResult/>").has_value());
    CHECK_FALSE(s3::parse_error_document("").has_value());
  }
}

TEST_CASE("S3 errors map to the shared codes in one place", "[s3][errors]") {
  using s3::error_code_for_s3;
  using s3::ErrorContext;
  CHECK(error_code_for_s3("NoSuchKey", 404) == ErrorCode::NotFound);
  CHECK(error_code_for_s3("NoSuchBucket", 404) == ErrorCode::NotFound);
  CHECK(error_code_for_s3("AccessDenied", 403) == ErrorCode::PermissionDenied);
  CHECK(error_code_for_s3("InvalidAccessKeyId", 403) == ErrorCode::Unauthenticated);
  CHECK(error_code_for_s3("SignatureDoesNotMatch", 403) == ErrorCode::Unauthenticated);
  CHECK(error_code_for_s3("ExpiredToken", 400) == ErrorCode::Unauthenticated);
  CHECK(error_code_for_s3("SlowDown", 503) == ErrorCode::Throttled);
  CHECK(error_code_for_s3("InternalError", 200) == ErrorCode::Network);
  CHECK(error_code_for_s3("BadDigest", 400) == ErrorCode::Integrity);
  CHECK(error_code_for_s3("XAmzContentSHA256Mismatch", 400) == ErrorCode::Integrity);
  CHECK(error_code_for_s3("EntityTooLarge", 400) == ErrorCode::LimitExceeded);
  CHECK(error_code_for_s3("NotImplemented", 501) == ErrorCode::Unsupported);
  CHECK(error_code_for_s3("", 404) == ErrorCode::NotFound);  // HEAD: no body, the status decides
  CHECK(error_code_for_s3("", 301) == ErrorCode::InvalidArgument);
  CHECK(error_code_for_s3("PreconditionFailed", 412, ErrorContext::CreateOnly) == ErrorCode::AlreadyExists);
  CHECK(error_code_for_s3("", 304, ErrorContext::CreateOnly) == ErrorCode::AlreadyExists);  // older MinIO
  CHECK(error_code_for_s3("", 304, ErrorContext::Default) != ErrorCode::AlreadyExists);
  CHECK(error_code_for_s3("PreconditionFailed", 412, ErrorContext::UpdateIfMatch) == ErrorCode::PreconditionFailed);
  CHECK(error_code_for_s3("NoSuchKey", 404, ErrorContext::UpdateIfMatch) == ErrorCode::PreconditionFailed);
  CHECK(error_code_for_s3("PreconditionFailed", 412, ErrorContext::ReadIfMatch) == ErrorCode::PreconditionFailed);
  CHECK(s3::s3_code_is_transient("InternalError"));
  CHECK(s3::s3_code_is_transient("SlowDown"));
  CHECK(s3::s3_code_is_transient("RequestTimeout"));
  CHECK_FALSE(s3::s3_code_is_transient("AccessDenied"));

  s3::ErrorHints hints{"us-east-1", "AKIAHINT", "profile 'dev' in /home/u/.aws/credentials"};
  SECTION("a wrong secret: Unauthenticated, names the key id, never a secret") {
    register_secret("the-secret-key-value");
    http::Response r;
    r.status = 403;
    r.headers.add("x-amz-request-id", "REQ123");
    r.body =
        "<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match"
        "</Message><StringToSign>AWS4-HMAC-SHA256 the-secret-key-value</StringToSign></Error>";
    Status s = s3::s3_error_status(r, "GET s3://b/k", ErrorContext::Default, hints);
    CHECK(s.code() == ErrorCode::Unauthenticated);
    CHECK(s.http_status() == 403);
    CHECK(s.provider_code() == "SignatureDoesNotMatch");
    CHECK(s.request_id() == "REQ123");
    CHECK(s.message().find("AKIAHINT") != std::string::npos);
    CHECK(s.message().find("profile 'dev'") != std::string::npos);
    CHECK(s.to_string().find("the-secret-key-value") == std::string::npos);
  }
  SECTION("a region complaint names the right region") {
    http::Response r;
    r.status = 301;
    r.headers.add("x-amz-bucket-region", "eu-west-1");
    r.body = "<Error><Code>PermanentRedirect</Code><Message>use the right endpoint</Message></Error>";
    Status s = s3::s3_error_status(r, "GET s3://b/k", ErrorContext::Default, hints);
    CHECK(s.code() == ErrorCode::InvalidArgument);
    CHECK(s.message().find("set region=eu-west-1") != std::string::npos);
    auto region = s3::region_hint(r, nullptr);
    REQUIRE(region.has_value());
    CHECK(*region == "eu-west-1");
  }
  SECTION("a skewed clock: the server's time from the document or the Date header") {
    http::Response r;
    r.status = 403;
    r.headers.add("Date", "Tue, 14 Nov 2023 22:13:20 GMT");
    s3::ErrorDocument doc;
    doc.code = "RequestTimeTooSkewed";
    CHECK(s3::skewed_server_time(r, &doc) == from_unix_nanos(1'700'000'000'000'000'000));
    doc.server_time = "2023-11-14T22:13:21Z";
    CHECK(s3::skewed_server_time(r, &doc) == from_unix_nanos(1'700'000'001'000'000'000));
    doc.code = "AccessDenied";
    CHECK_FALSE(s3::skewed_server_time(r, &doc).has_value());
  }
  SECTION("a HEAD 412 on a create-only write reads as AlreadyExists") {
    http::Response r;
    r.status = 412;
    Status s = s3::s3_error_status(r, "PUT s3://b/k", ErrorContext::CreateOnly, hints);
    CHECK(s.code() == ErrorCode::AlreadyExists);
  }
}

TEST_CASE("S3 payloads: known hashes are free, the rest is hashed once", "[s3][payload]") {
  const std::string data = "123456789";
  const HashSet all = hashes_of(data);
  s3::PayloadRules md5_rules{S3Checksum::Md5, false, false};
  s3::PayloadRules crc_rules{S3Checksum::Crc32c, false, false};

  SECTION("known MD5 and SHA-256: no pre-pass, Content-MD5 and a signed payload for free") {
    CountingSource src(data);
    HashSet known;
    known.md5 = all.md5;
    known.sha256 = all.sha256;
    auto plan = s3::plan_payload(src, data.size(), known, crc_rules, {});
    REQUIRE_OK(plan);
    CHECK_FALSE(plan->pre_pass);
    CHECK(src.bytes_read == 0);
    CHECK(plan->payload_hash == all.sha256);
    CHECK(plan->content_md5 == base64_encode(*from_hex(all.md5)));
    CHECK(plan->crc32c.empty());
  }
  SECTION("nothing known, CRC32C provider: one pass computes the CRC32C only") {
    CountingSource src(data);
    auto plan = s3::plan_payload(src, data.size(), {}, crc_rules, {});
    REQUIRE_OK(plan);
    CHECK(plan->pre_pass);
    CHECK(src.bytes_read == data.size());
    CHECK(src.rewinds == 1);
    CHECK(plan->crc32c == "4waSgw==");  // CRC32C("123456789") = e3069283
    CHECK(plan->computed.md5.empty());
    CHECK(plan->computed.sha256.empty());
    CHECK(plan->payload_hash == "UNSIGNED-PAYLOAD");
    CHECK(plan->content_md5.empty());
  }
  SECTION("nothing known, MD5 provider: one pass computes the MD5 only") {
    CountingSource src(data);
    auto plan = s3::plan_payload(src, data.size(), {}, md5_rules, {});
    REQUIRE_OK(plan);
    CHECK(src.bytes_read == data.size());
    CHECK(plan->content_md5 == base64_encode(*from_hex(all.md5)));
    CHECK(plan->crc32c.empty());
    CHECK(plan->computed.sha256.empty());
  }
  SECTION("signed payloads: the SHA-256 joins the same pass; a signed body needs no extra checksum") {
    CountingSource src(data);
    s3::PayloadRules signed_rules{S3Checksum::Md5, true, false};
    auto plan = s3::plan_payload(src, data.size(), {}, signed_rules, {});
    REQUIRE_OK(plan);
    CHECK(src.bytes_read == data.size());
    CHECK(plan->payload_hash == all.sha256);
    CHECK(plan->computed.md5.empty());
  }
  SECTION("parts of a CRC32C upload carry their CRC32C even when signed") {
    CountingSource src(data);
    s3::PayloadRules part_rules{S3Checksum::Crc32c, true, true};
    auto plan = s3::plan_payload(src, data.size(), {}, part_rules, {});
    REQUIRE_OK(plan);
    CHECK(src.bytes_read == data.size());  // one pass for both
    CHECK(plan->crc32c == "4waSgw==");
    CHECK(plan->payload_hash == all.sha256);
  }
  SECTION("a known CRC32C is used as is") {
    CountingSource src(data);
    HashSet known;
    known.crc32c = all.crc32c;
    auto plan = s3::plan_payload(src, data.size(), known, crc_rules, {});
    REQUIRE_OK(plan);
    CHECK(src.bytes_read == 0);
    CHECK(plan->crc32c == "4waSgw==");
  }
  SECTION("checksum none with a known size reads nothing") {
    CountingSource src(data);
    s3::PayloadRules none{S3Checksum::None, false, false};
    auto plan = s3::plan_payload(src, data.size(), {}, none, {});
    REQUIRE_OK(plan);
    CHECK(src.bytes_read == 0);
    CHECK(plan->content_md5.empty());
    CHECK(plan->crc32c.empty());
  }
  SECTION("an unknown size is counted in the pass") {
    CountingSource src(data, true, false);
    s3::PayloadRules none{S3Checksum::None, false, false};
    auto plan = s3::plan_payload(src, std::nullopt, {}, none, {});
    REQUIRE_OK(plan);
    CHECK(plan->size == data.size());
  }
  SECTION("a size that does not match the source is an Integrity error") {
    CountingSource src(data);
    REQUIRE_CODE(s3::plan_payload(src, 100, {}, crc_rules, {}), ErrorCode::Integrity);
  }
  SECTION("a source that cannot rewind cannot be pre-hashed") {
    CountingSource src(data, false);
    REQUIRE_CODE(s3::plan_payload(src, data.size(), {}, crc_rules, {}), ErrorCode::Unsupported);
  }
}

TEST_CASE("s3:// URLs and their options", "[s3][registry]") {
  BackendOptions base{{"access_key_id", "AKIAURL"},
                      {"secret_access_key", "url-secret-value-1"},
                      {"endpoint", "http://127.0.0.1:1"},
                      {"use_environment", "false"}};
  SECTION("bucket and prefix") {
    auto b = open_backend("s3://bucket-name/some/prefix", base);
    REQUIRE_OK(b);
    CHECK((*b)->scheme() == "s3");
    CHECK((*b)->describe() == "s3://bucket-name/some/prefix");
    const Capabilities& caps = (*b)->capabilities();
    CHECK(caps.mtime_precision == std::chrono::nanoseconds(1));
    CHECK(caps.hashes == (HashKind::Md5 | HashKind::Crc32c));
    CHECK(caps.max_batch_delete == 1000);
    CHECK(caps.max_key_bytes == 1024 - std::string("some/prefix/").size());
    CHECK(caps.case_sensitive);
    CHECK(caps.ranged_get);
    CHECK(caps.multipart.supported);
    CHECK(caps.multipart.equal_parts);
    CHECK(caps.multipart.max_parts == 10000);
    CHECK(caps.multipart.min_part_size == 5 * 1024 * 1024);
    CHECK(caps.multipart.max_part_size == uint64_t{5} << 30);
    CHECK_FALSE(caps.conditional_create);  // an unknown store at 127.0.0.1
  }
  SECTION("every documented option is accepted") {
    BackendOptions all = base;
    all.insert({{"provider", "minio"},
                {"region", "us-west-1"},
                {"addressing_style", "path"},
                {"session_token", "tok-123456"},
                {"checksum", "md5"},
                {"sign_payload", "true"},
                {"conditional_writes", "true"},
                {"part_size", "16MiB"},
                {"multipart_threshold", "64M"},
                {"min_part_size", "5m"},
                {"ca_bundle", "/etc/ssl/certs/ca-certificates.crt"},
                {"proxy", ""},
                {"verify_tls", "true"},
                {"max_attempts", "3"},
                {"anonymous", "false"},
                {"profile", ""}});
    auto b = open_backend("s3://bucket-name", all);
    REQUIRE_OK(b);
    CHECK((*b)->capabilities().conditional_create);
    CHECK((*b)->capabilities().multipart.default_part_size == 16u << 20);
    CHECK((*b)->capabilities().multipart.threshold == 64u << 20);
  }
  SECTION("unknown options and bad values are errors that name them") {
    BackendOptions typo = base;
    typo["regoin"] = "x";
    auto r = open_backend("s3://bucket-name", typo);
    REQUIRE_CODE(r, ErrorCode::InvalidArgument);
    CHECK(r.status().message().find("regoin") != std::string::npos);
    for (auto [key, value] : std::vector<std::pair<std::string, std::string>>{{"checksum", "sha1"},
                                                                              {"provider", "azure"},
                                                                              {"addressing_style", "dns"},
                                                                              {"part_size", "8 parsecs"},
                                                                              {"max_attempts", "0"},
                                                                              {"sign_payload", "maybe"}}) {
      BackendOptions bad = base;
      bad[key] = value;
      INFO(key << "=" << value);
      REQUIRE_CODE(open_backend("s3://bucket-name", bad), ErrorCode::InvalidArgument);
    }
    REQUIRE_CODE(open_backend("s3://", base), ErrorCode::InvalidArgument);
  }
}

TEST_CASE("S3 XML answers nested absurdly deep are refused, not walked", "[s3][unit][hostile]") {
  std::string deep;
  for (int i = 0; i < 100'000; ++i) deep += "<x>";
  for (int i = 0; i < 100'000; ++i) deep += "</x>";
  auto page = s3::parse_list_objects_v2("<ListBucketResult>" + deep + "</ListBucketResult>", true);
  REQUIRE_CODE(page, ErrorCode::BadResponse);
  CHECK_THAT(page.status().message(), Catch::Contains("nested deeper than"));
  CHECK_FALSE(s3::parse_error_document("<Error><Code>" + deep + "</Code></Error>").has_value());
  REQUIRE_CODE(s3::parse_delete_result("<DeleteResult>" + deep + "</DeleteResult>"), ErrorCode::BadResponse);
  // Real answers are a few levels deep.
  auto sane = s3::parse_list_objects_v2(
      "<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>a</Key><Size>1</Size></Contents>"
      "</ListBucketResult>",
      false);
  REQUIRE_OK(sane);
  CHECK(sane->objects.size() == 1);
}

}  // namespace cloudsync::test
