// SigV4 behaviour the vectors do not pin down: signing-key caching across
// dates, the S3 key encoder, which headers are signed, payload-hash choice,
// presign limits and the errors for requests that cannot be signed correctly.
#include <algorithm>
#include <atomic>
#include <cctype>
#include <thread>

#include <fmt/format.h>

#include "core/ascii.hpp"
#include "core/hash.hpp"
#include "core/redact.hpp"
#include "core/time.hpp"
#include "core/url.hpp"
#include "suite_case.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {

using auth::SigV4Mode;
using auth::SigV4Signer;

namespace {

auth::AwsCredentials test_credentials(std::string token = {}) {
  return auth::AwsCredentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", std::move(token)};
}

SigV4Signer s3_signer(std::string token = {}) {
  return SigV4Signer(test_credentials(std::move(token)), "eu-west-1", "s3", SigV4Mode::S3);
}

TimePoint at(const char* rfc3339) {
  auto t = parse_rfc3339(rfc3339);
  REQUIRE_OK(t);
  return *t;
}

http::Request s3_get(std::string url) {
  http::Request request;
  request.url = std::move(url);
  request.headers.add("x-amz-content-sha256", auth::kUnsignedPayload);
  return request;
}

// The last line of a canonical request is the payload hash.
std::string payload_line(const std::string& canonical_request) {
  return canonical_request.substr(canonical_request.rfind('\n') + 1);
}

size_t count_headers(const http::Request& request, std::string_view name) {
  return static_cast<size_t>(std::count_if(request.headers.entries().begin(), request.headers.entries().end(),
                                           [&](const http::Headers::Entry& e) { return iequals(e.name, name); }));
}

}  // namespace

TEST_CASE("signing key derivation matches AWS's published example", "[sigv4]") {
  // docs.aws.amazon.com/general/latest/gr/signature-v4-examples.html ("Deriving a signing key").
  std::string key =
      auth::derive_sigv4_signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam");
  CHECK(to_hex(key) == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

TEST_CASE("the signing key is cached per date and renewed when the date changes", "[sigv4][cache]") {
  SigV4Signer cached = s3_signer();
  const char* times[] = {
      "2024-03-10T10:00:00Z", "2024-03-10T23:59:59Z",  // same day: one key
      "2024-03-11T00:00:00Z", "2024-03-11T12:00:00Z",  // a new date: a new key
      "2024-03-10T23:59:58Z",                          // the clock stepped back (skew correction)
      "2024-03-12T00:00:01Z",
  };
  const uint64_t derivations_after[] = {1, 1, 2, 2, 3, 4};
  std::string previous_signature;
  for (size_t i = 0; i < std::size(times); ++i) {
    INFO(times[i]);
    TimePoint t = at(times[i]);
    http::Request a = s3_get("https://bucket.s3.eu-west-1.amazonaws.com/some/key.csv");
    http::Request b = a;
    auto with_cache = cached.sign_detailed(a, t);
    SigV4Signer fresh = s3_signer();
    auto without_cache = fresh.sign_detailed(b, t);
    REQUIRE_OK(with_cache);
    REQUIRE_OK(without_cache);
    CHECK(with_cache->signature == without_cache->signature);
    CHECK(a.headers.get("Authorization") == b.headers.get("Authorization"));
    CHECK(cached.signing_key_derivations() == derivations_after[i]);
    // The scope date is the x-amz-date date, in UTC.
    std::string amz_date = format_iso8601_basic(t);
    CHECK(line_of(with_cache->string_to_sign, 2) == amz_date.substr(0, 8) + "/eu-west-1/s3/aws4_request");
    CHECK(with_cache->signature != previous_signature);
    previous_signature = with_cache->signature;
  }
  // Signing is deterministic: the same request at the same instant, from the cache.
  http::Request x = s3_get("https://bucket.s3.eu-west-1.amazonaws.com/k");
  http::Request y = x;
  REQUIRE_OK(cached.sign(x, at("2024-03-12T08:00:00Z")));
  REQUIRE_OK(cached.sign(y, at("2024-03-12T08:00:00Z")));
  CHECK(x.headers.get("Authorization") == y.headers.get("Authorization"));
  CHECK(cached.signing_key_derivations() == 4);
}

TEST_CASE("concurrent signing across a date change gives the right signatures", "[sigv4][cache]") {
  const TimePoint days[] = {at("2024-06-30T23:59:59Z"), at("2024-07-01T00:00:00Z")};
  std::string expected[2];
  for (int d = 0; d < 2; ++d) {
    http::Request r = s3_get("https://bucket.s3.eu-west-1.amazonaws.com/k");
    SigV4Signer fresh = s3_signer();
    auto sig = fresh.sign_detailed(r, days[d]);
    REQUIRE_OK(sig);
    expected[d] = sig->signature;
  }
  REQUIRE(expected[0] != expected[1]);
  SigV4Signer shared = s3_signer();
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        int d = (i + t) % 2;
        http::Request r = s3_get("https://bucket.s3.eu-west-1.amazonaws.com/k");
        auto sig = shared.sign_detailed(r, days[d]);
        if (!sig.ok() || sig->signature != expected[d]) ++mismatches;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(mismatches.load() == 0);
}

TEST_CASE("uri_encode_s3_key encodes every byte but unreserved ones and '/'", "[sigv4][encoding]") {
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  std::string encoded = auth::uri_encode_s3_key(all);
  std::string expected;
  for (int b = 0; b < 256; ++b) {
    char c = static_cast<char>(b);
    bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
                c == '_' || c == '~' || c == '/';
    expected += keep ? std::string(1, c) : fmt::format("%{:02X}", b);
  }
  CHECK(encoded == expected);
  auto decoded = percent_decode(encoded);
  REQUIRE_OK(decoded);
  CHECK(*decoded == all);
  CHECK(auth::uri_encode_s3_key("a b/c+d.txt") == "a%20b/c%2Bd.txt");
  CHECK(auth::uri_encode_s3_key("dir//./../x/") == "dir//./../x/");
  CHECK(auth::uri_encode_s3_key("ü:") == "%C3%BC%3A");
}

TEST_CASE("S3 mode signs only paths in uri_encode_s3_key form", "[sigv4][encoding]") {
  SigV4Signer signer = s3_signer();
  SigV4Signer generic(test_credentials(), "eu-west-1", "s3", SigV4Mode::Generic);
  for (const char* path : {"/a b", "/a+b", "/a%2bb", "/a%2", "/a%", "/q!", "/x:y", "/a%zz"}) {
    INFO(path);
    http::Request request = s3_get(std::string("https://bucket.s3.amazonaws.com") + path);
    REQUIRE_CODE(signer.sign(request, at("2024-01-01T00:00:00Z")), ErrorCode::InvalidArgument);
    // Nothing was added to the request.
    CHECK_FALSE(request.headers.get("Authorization").has_value());
    CHECK_FALSE(request.headers.get("x-amz-date").has_value());
    REQUIRE_CODE(signer.presign("GET", request.url, std::chrono::seconds(60), at("2024-01-01T00:00:00Z")),
                 ErrorCode::InvalidArgument);
  }
  // Generic mode takes the path as already encoded and encodes it again.
  http::Request request = s3_get("https://bucket.s3.amazonaws.com/a%20b/%C3%BC");
  auto sig = generic.sign_detailed(request, at("2024-01-01T00:00:00Z"));
  REQUIRE_OK(sig);
  CHECK(line_of(sig->canonical_request, 1) == "/a%2520b/%25C3%25BC");
  // The same wire path in S3 mode is signed as sent.
  http::Request s3_request = s3_get("https://bucket.s3.amazonaws.com/a%20b/%C3%BC");
  auto s3_sig = signer.sign_detailed(s3_request, at("2024-01-01T00:00:00Z"));
  REQUIRE_OK(s3_sig);
  CHECK(line_of(s3_sig->canonical_request, 1) == "/a%20b/%C3%BC");
}

TEST_CASE("the host comes from the URL, with a non-default port", "[sigv4][headers]") {
  SigV4Signer signer = s3_signer();
  struct HostCase {
    const char* url;
    const char* host_line;
  };
  for (const HostCase& hc :
       {HostCase{"http://127.0.0.1:9000/bucket/key", "host:127.0.0.1:9000"},
        HostCase{"https://h.example:443/b/k", "host:h.example"}, HostCase{"http://h.example:80/b/k", "host:h.example"},
        HostCase{"https://h.example:80/b/k", "host:h.example:80"},
        HostCase{"http://[::1]:10000/b/k", "host:[::1]:10000"}}) {
    INFO(hc.url);
    http::Request request = s3_get(hc.url);
    auto sig = signer.sign_detailed(request, at("2024-01-01T00:00:00Z"));
    REQUIRE_OK(sig);
    CHECK(line_of(sig->canonical_request, 3) == hc.host_line);
  }
  // An explicit Host header must agree with the URL; it is not signed twice.
  http::Request same = s3_get("http://127.0.0.1:9000/b/k");
  same.headers.add("Host", "127.0.0.1:9000");
  auto sig = signer.sign_detailed(same, at("2024-01-01T00:00:00Z"));
  REQUIRE_OK(sig);
  CHECK(sig->signed_headers == "host;x-amz-content-sha256;x-amz-date");
  http::Request other = s3_get("http://127.0.0.1:9000/b/k");
  other.headers.add("Host", "evil.example");
  REQUIRE_CODE(signer.sign(other, at("2024-01-01T00:00:00Z")), ErrorCode::InvalidArgument);
  CHECK_FALSE(other.headers.get("Authorization").has_value());
}

TEST_CASE("which headers are signed", "[sigv4][headers]") {
  SigV4Signer signer = s3_signer("session-token-value-123");
  http::Request request = s3_get("https://bucket.s3.amazonaws.com/k");
  request.method = "PUT";
  for (auto [name, value] :
       std::initializer_list<std::pair<const char*, const char*>>{{"User-Agent", "cloudsync/1.0"},
                                                                  {"Authorization", "AWS4-HMAC-SHA256 stale"},
                                                                  {"Content-Length", "10"},
                                                                  {"Expect", "100-continue"},
                                                                  {"Transfer-Encoding", "chunked"},
                                                                  {"Connection", "keep-alive"},
                                                                  {"X-Amzn-Trace-Id", "Root=1"},
                                                                  {"Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg=="},
                                                                  {"Content-Type", "text/csv"},
                                                                  {"X-Amz-Meta-B", "2"},
                                                                  {"x-amz-meta-a", "  one   two\t three  "},
                                                                  {"x-amz-checksum-crc32c", "AAAAAA=="},
                                                                  {"Range", "bytes=0-9"},
                                                                  {"If-Match", "\"etag\""},
                                                                  {"Cache-Control", "no-cache"}}) {
    request.headers.add(name, value);
  }
  auto sig = signer.sign_detailed(request, at("2024-01-01T00:00:00Z"));
  REQUIRE_OK(sig);
  CHECK(sig->signed_headers ==
        "cache-control;content-md5;content-type;host;if-match;range;x-amz-checksum-crc32c;x-amz-content-sha256;"
        "x-amz-date;x-amz-meta-a;x-amz-meta-b;x-amz-security-token");
  CHECK(sig->canonical_request.find("\nx-amz-meta-a:one two three\n") != std::string::npos);
  CHECK(sig->canonical_request.find("\nx-amz-security-token:session-token-value-123\n") != std::string::npos);
  // The stale Authorization was replaced, not kept beside the new one.
  CHECK(count_headers(request, "authorization") == 1);
  CHECK(request.headers.get("Authorization")->find("Signature=" + sig->signature) != std::string_view::npos);
}

TEST_CASE("re-signing replaces the date, token and Authorization headers", "[sigv4][headers]") {
  SigV4Signer signer = s3_signer("session-token-value-123");
  http::Request request = s3_get("https://bucket.s3.amazonaws.com/k");
  REQUIRE_OK(signer.sign(request, at("2024-01-01T00:00:00Z")));
  std::string first = std::string(*request.headers.get("Authorization"));
  REQUIRE_OK(signer.sign(request, at("2024-01-02T00:00:05Z")));
  CHECK(count_headers(request, "authorization") == 1);
  CHECK(count_headers(request, "x-amz-date") == 1);
  CHECK(count_headers(request, "x-amz-security-token") == 1);
  CHECK(request.headers.get("x-amz-date") == std::optional<std::string_view>("20240102T000005Z"));
  CHECK(*request.headers.get("Authorization") != first);
  // The re-signed request equals a request signed once at the later time.
  http::Request once = s3_get("https://bucket.s3.amazonaws.com/k");
  REQUIRE_OK(signer.sign(once, at("2024-01-02T00:00:05Z")));
  CHECK(request.headers.get("Authorization") == once.headers.get("Authorization"));
}

TEST_CASE("canonical query: decoded, strictly re-encoded, sorted by name then value", "[sigv4][query]") {
  SigV4Signer signer = s3_signer();
  http::Request request =
      s3_get("https://bucket.s3.amazonaws.com/?prefix=a%2Fb%20c&k=a+b&b=2&b=1&empty&e2=&tilde=%7E&Z=upper");
  auto sig = signer.sign_detailed(request, at("2024-01-01T00:00:00Z"));
  REQUIRE_OK(sig);
  CHECK(line_of(sig->canonical_request, 2) == "Z=upper&b=1&b=2&e2=&empty=&k=a%2Bb&prefix=a%2Fb%20c&tilde=~");
  http::Request bad = s3_get("https://bucket.s3.amazonaws.com/?a=%zz");
  REQUIRE_CODE(signer.sign(bad, at("2024-01-01T00:00:00Z")), ErrorCode::InvalidArgument);
}

TEST_CASE("payload hash: the x-amz-content-sha256 header, else the fallback", "[sigv4][payload]") {
  SigV4Signer signer = s3_signer();
  const TimePoint t = at("2024-01-01T00:00:00Z");
  http::Request with_header = s3_get("https://bucket.s3.amazonaws.com/k");
  auto a = signer.sign_detailed(with_header, t);
  REQUIRE_OK(a);
  CHECK(payload_line(a->canonical_request) == auth::kUnsignedPayload);

  http::Request no_header;
  no_header.url = "https://bucket.s3.amazonaws.com/k";
  auto b = signer.sign_detailed(no_header, t);
  REQUIRE_OK(b);
  CHECK(b->signed_headers == "host;x-amz-date");
  CHECK(payload_line(b->canonical_request) == auth::kEmptyPayloadSha256);
  CHECK_FALSE(no_header.headers.get("x-amz-content-sha256").has_value());  // not added

  http::Request explicit_hash;
  explicit_hash.url = "https://bucket.s3.amazonaws.com/k";
  std::string body_hash = sha256_hex("body");
  auto c = signer.sign_detailed(explicit_hash, t, body_hash);
  REQUIRE_OK(c);
  CHECK(payload_line(c->canonical_request) == body_hash);

  // Presigning: UNSIGNED-PAYLOAD in S3 mode, the empty-body hash in Generic mode;
  // a header, when present, is signed as a header and never copied to the query.
  SigV4Signer generic(test_credentials(), "eu-west-1", "s3", SigV4Mode::Generic);
  http::Request p1;
  p1.url = "https://bucket.s3.amazonaws.com/k";
  http::Request p2 = p1;
  auto s3p = signer.presign_detailed(p1, std::chrono::seconds(60), t);
  auto genp = generic.presign_detailed(p2, std::chrono::seconds(60), t);
  REQUIRE_OK(s3p);
  REQUIRE_OK(genp);
  CHECK(payload_line(s3p->canonical_request) == auth::kUnsignedPayload);
  CHECK(payload_line(genp->canonical_request) == auth::kEmptyPayloadSha256);
  http::Request p3;
  p3.url = "https://bucket.s3.amazonaws.com/k";
  p3.headers.add("x-amz-content-sha256", body_hash);
  auto hp = signer.presign_detailed(p3, std::chrono::seconds(60), t);
  REQUIRE_OK(hp);
  CHECK(hp->signed_headers == "host;x-amz-content-sha256");
  CHECK(payload_line(hp->canonical_request) == body_hash);
  for (const auto& param : sorted_query(p3.url)) {
    INFO(param.first);
    CHECK_FALSE(iequals(param.first, "x-amz-content-sha256"));
  }
}

TEST_CASE("presigned URLs: expiry limits and parameters", "[sigv4][presign]") {
  SigV4Signer signer = s3_signer("session-token-value-123");
  const TimePoint t = at("2024-01-01T00:00:00Z");
  const std::string url = "https://bucket.s3.amazonaws.com/a%20b/k.txt?versionId=v%2F1";
  for (long long bad : {0LL, -5LL, 604801LL, 10'000'000LL}) {
    INFO(bad);
    REQUIRE_CODE(signer.presign("GET", url, std::chrono::seconds(bad), t), ErrorCode::InvalidArgument);
  }
  for (long long good : {1LL, 604800LL}) {
    auto presigned = signer.presign("GET", url, std::chrono::seconds(good), t);
    REQUIRE_OK(presigned);
    auto query = sorted_query(*presigned);
    auto find = [&](std::string_view name) -> std::string {
      for (const auto& [n, v] : query) {
        if (n == name) return v;
      }
      return "(absent)";
    };
    CHECK(find("X-Amz-Expires") == std::to_string(good));
    CHECK(find("X-Amz-Algorithm") == "AWS4-HMAC-SHA256");
    CHECK(find("X-Amz-Credential") == "AKIDEXAMPLE/20240101/eu-west-1/s3/aws4_request");
    CHECK(find("X-Amz-Date") == "20240101T000000Z");
    CHECK(find("X-Amz-SignedHeaders") == "host");
    CHECK(find("X-Amz-Security-Token") == "session-token-value-123");
    CHECK(find("versionId") == "v/1");  // the caller's parameter survives (and is signed)
    CHECK(find("X-Amz-Signature").size() == 64);
    CHECK(query.size() == 8);
    // Credential's '/' is encoded in the URL (%2F), and the path is kept as sent.
    CHECK(presigned->find("X-Amz-Credential=AKIDEXAMPLE%2F20240101%2F") != std::string::npos);
    CHECK(presigned->rfind("https://bucket.s3.amazonaws.com/a%20b/k.txt?", 0) == 0);
    // A presigned URL cannot be presigned again.
    REQUIRE_CODE(signer.presign("GET", *presigned, std::chrono::seconds(60), t), ErrorCode::InvalidArgument);
  }
}

TEST_CASE("malformed URLs are refused", "[sigv4]") {
  SigV4Signer signer = s3_signer();
  for (const char* url : {"bucket/key", "ftp://h/k", "https:///k", "https://h:99999999/k"}) {
    INFO(url);
    http::Request request = s3_get(url);
    REQUIRE_CODE(signer.sign(request, at("2024-01-01T00:00:00Z")), ErrorCode::InvalidArgument);
    REQUIRE_CODE(signer.presign("GET", url, std::chrono::seconds(60), at("2024-01-01T00:00:00Z")),
                 ErrorCode::InvalidArgument);
  }
}

TEST_CASE("the secret key and session token are registered for redaction", "[sigv4][secrets]") {
  const std::string secret = "sigv4-test-secret-" + random_hex(8);
  const std::string token = "sigv4-test-token-" + random_hex(8);
  CHECK(redact("secret " + secret).find(secret) != std::string::npos);  // not yet registered
  SigV4Signer signer(auth::AwsCredentials{"AKIDEXAMPLE", secret, token}, "eu-west-1", "s3", SigV4Mode::S3);
  CHECK(redact("secret " + secret).find(secret) == std::string::npos);
  CHECK(redact("token " + token).find(token) == std::string::npos);
}

TEST_CASE("a moved signer keeps signing with its cache", "[sigv4]") {
  SigV4Signer original = s3_signer();
  http::Request a = s3_get("https://bucket.s3.amazonaws.com/k");
  REQUIRE_OK(original.sign(a, at("2024-01-01T00:00:00Z")));
  SigV4Signer moved = std::move(original);
  http::Request b = s3_get("https://bucket.s3.amazonaws.com/k");
  REQUIRE_OK(moved.sign(b, at("2024-01-01T00:00:00Z")));
  CHECK(a.headers.get("Authorization") == b.headers.get("Authorization"));
  CHECK(moved.signing_key_derivations() == 1);
}

}  // namespace cloudsync::test
