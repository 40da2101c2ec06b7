// checksum=auto on an endpoint of unknown make (s3_checksum_learning.hpp):
// the first upload asks whether the store verifies x-amz-checksum-crc32c, on
// moto (which verifies it and, when it is announced, echoes it), through the
// fault proxy as a store that does not echo it and as one that refuses it;
// the answer kept in the given memory and in the catalog's table for the
// next process, and an explicit checksum winning over it.
#include <fmt/format.h>

#include "backends/s3/s3_checksum_learning.hpp"
#include "cloudsync/catalog.hpp"
#include "cloudsync/endpoint_facts.hpp"
#include "s3/s3_fixture.hpp"
#include "support/recording_transport.hpp"

namespace cloudsync::test {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kRefusal =
    "<Error><Code>InvalidRequest</Code><Message>x-amz-checksum-crc32c is not supported</Message></Error>";

// moto as a store of unknown make (provider other, checksum auto) reached at
// `endpoint`, learning into `facts`.
S3Options learning_options(const std::string& bucket, const std::string& endpoint,
                           std::shared_ptr<EndpointFacts> facts) {
  S3Options o = moto_options(bucket, endpoint);
  o.provider = S3Provider::Other;
  o.checksum = S3Checksum::Auto;
  o.endpoint_facts = std::move(facts);
  return o;
}

struct Recorded {
  std::shared_ptr<RecordingTransport> wire = std::make_shared<RecordingTransport>();
  std::shared_ptr<s3::S3Backend> backend;

  explicit Recorded(const S3Options& options)
      : backend(bucket_backend_in(options, s3::process_environment(), {}, {}, wire)) {}
};

std::string learned(EndpointFacts& facts, const std::string& endpoint) {
  auto value = facts.get(endpoint, s3::kChecksumFact);
  REQUIRE_OK(value);
  return value->value_or("");
}

bool has(const RecordingTransport::Entry& e, std::string_view header) { return e.headers.get(header).has_value(); }

std::string endpoint_of(const std::string& url) {
  auto parsed = http::parse_url(url);
  REQUIRE_OK(parsed);
  return s3::endpoint_key(*parsed);
}

// A fresh bucket reached through the fault proxy under `rule`, learning into a fresh memory.
struct ProxiedStore {
  ProxiedStore(const std::string& rule, const std::string& stem)
      : proxy(fault_proxy()),
        facts(make_memory_endpoint_facts()),
        r(learning_options(create_bucket(stem), proxy.url(), facts)) {
    proxy.set_rule(rule);
  }
  std::string learned_here() { return learned(*facts, endpoint_of(proxy.url())); }

  FaultProxy& proxy;
  std::shared_ptr<EndpointFacts> facts;
  Recorded r;
};

// A store that refuses requests carrying `header` as S3 refuses what it does not implement.
std::string refusal_rule(std::string_view header) {
  return fmt::format(R"({{"status":400,"count":100,"if_header":"{}","body":"{}"}})", header, kRefusal);
}

// A store that answers without the echo; the rule counts the requests that ask.
constexpr const char* kNoEcho =
    R"({"drop_headers":["x-amz-checksum-crc32c"],"count":100,"if_header":"x-amz-checksum-crc32c"})";

// An upload in two parts of kTestMinPart (and a few bytes) through the multipart API.
std::string upload_in_parts(StorageBackend& backend, const std::string& key) {
  std::string first = random_bytes(kTestMinPart, 11);
  std::string second = random_bytes(1000, 12);
  auto upload = backend.start_multipart(P(key), {}, kCtx);
  REQUIRE_OK(upload);
  MemorySource a(first), b(second);
  auto one = (*upload)->upload_part(1, a, kCtx);
  REQUIRE_OK(one);
  auto two = (*upload)->upload_part(2, b, kCtx);
  REQUIRE_OK(two);
  REQUIRE_OK((*upload)->complete({*one, *two}, kCtx));
  return first + second;
}

}  // namespace

TEST_CASE("moto verifies x-amz-checksum-crc32c: a wrong one is refused as BadDigest", "[s3][checksum_learning]") {
  auto b = bucket_backend(moto_options(create_bucket("crcbad")));
  http::Headers headers;
  headers.set("x-amz-checksum-crc32c", "AAAAAA==");  // not the CRC32C of "hello"
  auto answer = raw_request(*b, "PUT", "wrong.txt", {}, "hello", headers);
  REQUIRE_CODE(answer, ErrorCode::Integrity);
  CHECK(answer.status().provider_code() == "BadDigest");
  REQUIRE_CODE(b->head(P("wrong.txt"), kCtx), ErrorCode::NotFound);
}

TEST_CASE("an unknown store that echoes the CRC32C is asked once, then gets CRC32C without MD5",
          "[s3][checksum_learning]") {
  const std::string bucket = create_bucket("crcok");
  auto facts = make_memory_endpoint_facts();
  Recorded first(learning_options(bucket, {}, facts));
  REQUIRE_OK(first.backend->write_all(P("a.txt"), "first upload", {}, kCtx));
  // The probe carried the CRC32C, announced, and Content-MD5 (verified whatever the answer).
  auto puts = first.wire->matching("PUT");
  REQUIRE(puts.size() == 1);
  CHECK(has(puts[0], "x-amz-checksum-crc32c"));
  CHECK(puts[0].headers.get("x-amz-sdk-checksum-algorithm").value_or("") == "CRC32C");
  CHECK(has(puts[0], "Content-MD5"));
  CHECK(learned(*facts, endpoint_of(moto().endpoint)) == "crc32c");

  // The same backend and the next one on this memory ask no more: CRC32C alone.
  REQUIRE_OK(first.backend->write_all(P("b.txt"), "second upload", {}, kCtx));
  Recorded second(learning_options(bucket, {}, facts));
  REQUIRE_OK(second.backend->write_all(P("c.txt"), "third upload", {}, kCtx));
  for (const auto& put : {first.wire->matching("PUT").back(), second.wire->matching("PUT").back()}) {
    CHECK(has(put, "x-amz-checksum-crc32c"));
    CHECK_FALSE(has(put, "x-amz-sdk-checksum-algorithm"));
    CHECK_FALSE(has(put, "Content-MD5"));
  }
  CHECK(second.backend->read_all(P("c.txt"), kCtx).value_or("") == "third upload");

  // Parts of a multipart upload too: CRC32C declared, no MD5.
  std::string body = upload_in_parts(*second.backend, "parts.bin");
  for (const auto& part : second.wire->matching("partNumber=")) {
    CHECK(has(part, "x-amz-checksum-crc32c"));
    CHECK_FALSE(has(part, "Content-MD5"));
  }
  CHECK(second.backend->read_all(P("parts.bin"), kCtx).value_or("") == body);
}

TEST_CASE("a multipart upload asks too: its first part's answer decides", "[s3][checksum_learning]") {
  const std::string bucket = create_bucket("crcmp");
  auto facts = make_memory_endpoint_facts();
  Recorded r(learning_options(bucket, {}, facts));
  std::string body = upload_in_parts(*r.backend, "parts.bin");
  auto parts = r.wire->matching("partNumber=");
  REQUIRE(parts.size() == 2);
  CHECK(has(parts[0], "x-amz-sdk-checksum-algorithm"));  // asking
  CHECK(has(parts[0], "Content-MD5"));
  CHECK_FALSE(has(parts[1], "x-amz-sdk-checksum-algorithm"));  // answered
  CHECK_FALSE(has(parts[1], "Content-MD5"));
  CHECK(learned(*facts, endpoint_of(moto().endpoint)) == "crc32c");
  CHECK(r.backend->read_all(P("parts.bin"), kCtx).value_or("") == body);
}

TEST_CASE("an unknown store that does not echo the CRC32C gets MD5 from then on", "[s3][checksum_learning]") {
  ProxiedStore store(kNoEcho, "crcnoecho");
  Recorded& r = store.r;
  REQUIRE_OK(r.backend->write_all(P("a.txt"), "probe", {}, kCtx));
  CHECK(store.proxy.hits() == 1);
  CHECK(store.learned_here() == "md5");
  // The probe was verified by its Content-MD5 all the same, and stored whole.
  CHECK(has(r.wire->matching("PUT").front(), "Content-MD5"));
  CHECK(r.backend->read_all(P("a.txt"), kCtx).value_or("") == "probe");

  REQUIRE_OK(r.backend->write_all(P("b.txt"), "after", {}, kCtx));
  std::string body = upload_in_parts(*r.backend, "parts.bin");
  CHECK(store.proxy.hits() == 1);  // no CRC32C header went out again
  for (const auto& put : r.wire->matching("PUT")) {
    if (put.url.find("a.txt") != std::string::npos) continue;
    CHECK(has(put, "Content-MD5"));
    CHECK_FALSE(has(put, "x-amz-checksum-crc32c"));
  }
  CHECK(r.backend->read_all(P("parts.bin"), kCtx).value_or("") == body);
}

TEST_CASE("an unknown store that refuses the header: the upload goes again with MD5 at once, nothing lost",
          "[s3][checksum_learning]") {
  ProxiedStore store(refusal_rule("x-amz-checksum-crc32c"), "crcrefused");
  Recorded& r = store.r;
  auto put = r.backend->write_all(P("a.txt"), "refused then sent", {}, kCtx);
  REQUIRE_OK(put);
  CHECK(store.proxy.hits() == 1);
  CHECK(store.learned_here() == "md5");
  auto puts = r.wire->matching("PUT");
  REQUIRE(puts.size() == 2);  // the refused one, then the same upload with Content-MD5 alone
  CHECK(puts[0].status == 400);
  CHECK_FALSE(has(puts[1], "x-amz-checksum-crc32c"));
  CHECK_FALSE(has(puts[1], "x-amz-sdk-checksum-algorithm"));
  CHECK(has(puts[1], "Content-MD5"));
  CHECK(r.backend->read_all(P("a.txt"), kCtx).value_or("") == "refused then sent");
  CHECK(put->etag == hashes_of("refused then sent").md5);

  std::string body = upload_in_parts(*r.backend, "parts.bin");
  CHECK(store.proxy.hits() == 1);
  CHECK(r.backend->read_all(P("parts.bin"), kCtx).value_or("") == body);
}

TEST_CASE("a store that refuses the declared algorithm at CreateMultipartUpload: MD5 parts, nothing lost",
          "[s3][checksum_learning]") {
  ProxiedStore store(refusal_rule("x-amz-checksum-algorithm"), "crcmprefused");
  Recorded& r = store.r;
  std::string body = upload_in_parts(*r.backend, "parts.bin");
  CHECK(store.proxy.hits() == 1);
  CHECK(store.learned_here() == "md5");
  for (const auto& part : r.wire->matching("partNumber=")) {
    CHECK(has(part, "Content-MD5"));
    CHECK_FALSE(has(part, "x-amz-checksum-crc32c"));
  }
  CHECK(r.backend->read_all(P("parts.bin"), kCtx).value_or("") == body);
  CHECK(pending_uploads(*r.backend) == 0);
}

TEST_CASE("a BadDigest answer is no answer: nothing is learned and the next upload asks again",
          "[s3][checksum_learning]") {
  ProxiedStore store(
      R"({"status":400,"count":1,"if_header":"x-amz-checksum-crc32c","body":"<Error><Code>BadDigest</Code><Message>injected</Message></Error>"})",
      "crcdigest");
  Recorded& r = store.r;
  REQUIRE_CODE(r.backend->write_all(P("a.txt"), "damaged on the way", {}, kCtx), ErrorCode::Integrity);
  CHECK(store.learned_here().empty());
  REQUIRE_OK(r.backend->write_all(P("a.txt"), "sent again", {}, kCtx));
  CHECK(has(r.wire->matching("PUT").back(), "x-amz-sdk-checksum-algorithm"));  // asked again
  CHECK(store.learned_here() == "crc32c");
}

TEST_CASE("an explicit checksum wins over what was learned, and asks nothing", "[s3][checksum_learning]") {
  const std::string bucket = create_bucket("crcexplicit");
  const std::string endpoint = endpoint_of(moto().endpoint);
  auto facts = make_memory_endpoint_facts();
  SECTION("md5 where crc32c was learned") {
    REQUIRE_OK(facts->put(endpoint, s3::kChecksumFact, "crc32c"));
    S3Options o = learning_options(bucket, {}, facts);
    o.checksum = S3Checksum::Md5;
    Recorded r(o);
    REQUIRE_OK(r.backend->write_all(P("a.txt"), "explicit md5", {}, kCtx));
    auto put = r.wire->matching("PUT").back();
    CHECK(has(put, "Content-MD5"));
    CHECK_FALSE(has(put, "x-amz-checksum-crc32c"));
    CHECK(learned(*facts, endpoint) == "crc32c");
  }
  SECTION("crc32c where md5 was learned") {
    REQUIRE_OK(facts->put(endpoint, s3::kChecksumFact, "md5"));
    S3Options o = learning_options(bucket, {}, facts);
    o.checksum = S3Checksum::Crc32c;
    Recorded r(o);
    REQUIRE_OK(r.backend->write_all(P("a.txt"), "explicit crc32c", {}, kCtx));
    auto put = r.wire->matching("PUT").back();
    CHECK(has(put, "x-amz-checksum-crc32c"));
    CHECK_FALSE(has(put, "x-amz-sdk-checksum-algorithm"));
    CHECK_FALSE(has(put, "Content-MD5"));
    CHECK(learned(*facts, endpoint) == "md5");
  }
}

TEST_CASE("a catalog keeps what its integration's store answered, and the next process does not ask again",
          "[s3][checksum_learning][catalog]") {
  Moto& m = moto();
  FaultProxy& proxy = fault_proxy();
  proxy.set_rule(kNoEcho);
  // A project whose catalog (SQLite, in the project) opens the integration; provider auto: unknown make.
  S3Project project(proxy.url(), {{"provider", "auto"}});
  fs::create_directories(project.folder);
  write_file(project.folder / "one.txt", "first");
  project.export_all();
  CHECK(proxy.hits() == 1);
  const fs::path database = project.dir / "project" / ".cloudsync" / "catalog.db";
  REQUIRE(fs::exists(database));
  auto row = query_catalog_sql(database, "SELECT endpoint || ' ' || fact || ' ' || value FROM endpoint_facts");
  CHECK(row == endpoint_of(proxy.url()) + " s3.checksum md5");
  std::string bytes = read_file(database);
  if (fs::exists(database.string() + "-wal")) bytes += read_file(database.string() + "-wal");
  CHECK(bytes.find(m.secret_access_key) == std::string::npos);

  // The next process (the project opened again) starts with the answer.
  project.ws.reset();
  WorkspaceOptions o;
  o.credentials = [secret = m.secret_access_key](const Integration&) {
    return BackendOptions{{"secret_access_key", secret}};
  };
  auto reopened = Workspace::open(project.dir / "project", o);
  REQUIRE_OK(reopened);
  project.ws = std::move(*reopened);
  proxy.set_rule(kNoEcho);  // counting afresh
  write_file(project.folder / "two.txt", "second");
  project.export_all();
  CHECK(proxy.hits() == 0);
  CHECK(project.remote_text("two.txt") == "second");
}

}  // namespace cloudsync::test
