// The published AWS SigV4 suite (awslabs/aws-c-auth, tests/vectors/aws-sigv4):
// every case in Generic mode, header and query signing, compared on canonical
// request, string to sign, signature and the signed request; and the cases
// that describe S3 behaviour (no normalisation) in S3 mode.
#include <algorithm>
#include <cctype>
#include <optional>

#include "core/hash.hpp"
#include "core/url.hpp"
#include "suite_case.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {

using auth::SigV4Mode;
using auth::SigV4Signer;

namespace {

constexpr size_t kSuiteCases = 38;

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

SigV4Signer suite_signer(const SuiteCase& c, SigV4Mode mode) {
  auth::AwsCredentials creds = c.credentials;
  if (c.omit_session_token) creds.session_token.clear();  // added after signing below
  return SigV4Signer(creds, c.region, c.service, mode, c.normalize);
}

std::vector<std::pair<std::string, std::string>> header_multiset(const std::vector<http::Headers::Entry>& entries) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& e : entries) {
    std::string name = e.name;
    std::transform(name.begin(), name.end(), name.begin(),
                   [](char ch) { return static_cast<char>(std::tolower(static_cast<unsigned char>(ch))); });
    out.emplace_back(name, e.value);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Header signing as the aws-c-auth harness does it: sign_body cases carry the
// body hash in x-amz-content-sha256 (signed); the others sign the empty-body hash.
void check_header_signing(const SuiteCase& c, const SigV4Signer& signer, http::Request request) {
  if (c.sign_body) request.headers.add("x-amz-content-sha256", sha256_hex(c.request.body));
  auto sig = signer.sign_detailed(request, c.time);
  REQUIRE_OK(sig);
  CHECK(sig->canonical_request == c.header_canonical_request);
  CHECK(sig->string_to_sign == c.header_string_to_sign);
  CHECK(sig->signature == c.header_signature);
  if (c.omit_session_token) request.headers.add("X-Amz-Security-Token", c.credentials.session_token);
  // Every header of the expected signed request, Authorization's exact format included.
  CHECK(header_multiset(request.headers.entries()) == header_multiset(c.header_signed_request.headers));
}

// Query signing: the body hash (sign_body) or `unsigned_payload` is the
// payload line; the headers of the request are signed and left unchanged.
void check_query_signing(const SuiteCase& c, const SigV4Signer& signer, http::Request request,
                         std::optional<std::string_view> unsigned_payload) {
  std::string body_hash = sha256_hex(c.request.body);
  auto sig = signer.presign_detailed(request, c.expires, c.time,
                                     c.sign_body ? std::optional<std::string_view>(body_hash) : unsigned_payload);
  REQUIRE_OK(sig);
  CHECK(sig->canonical_request == c.query_canonical_request);
  CHECK(sig->string_to_sign == c.query_string_to_sign);
  CHECK(sig->signature == c.query_signature);
  if (c.omit_session_token) request.url += "&X-Amz-Security-Token=" + percent_encode(c.credentials.session_token);
  std::string expected_url = "https://" + c.query_signed_request.header("host") + c.query_signed_request.target;
  CHECK(sorted_query(request.url) == sorted_query(expected_url));
  CHECK(header_multiset(request.headers.entries()) == header_multiset(c.query_signed_request.headers));
}

std::string url_path(const std::string& url) {
  auto parsed = http::parse_url(url);
  REQUIRE_OK(parsed);
  return parsed->path;
}

// The request as the S3 backend would send it: the key (the raw path without
// its leading '/') encoded once with uri_encode_s3_key.
http::Request as_s3_request(const SuiteCase& c) {
  http::Request request = to_request(c.request);
  std::string target = c.request.target;
  size_t q = target.find('?');
  std::string path = target.substr(0, q);
  REQUIRE(path.front() == '/');
  request.url = "https://" + c.request.header("host") + "/" + auth::uri_encode_s3_key(path.substr(1)) +
                (q == std::string::npos ? std::string() : target.substr(q));
  return request;
}

// Cases whose meaning S3 shares: no path normalisation asked, and no
// Content-Length (which S3 mode deliberately leaves unsigned).
bool applies_to_s3(const SuiteCase& c) {
  return !ends_with(c.name, "-normalized") && c.request.header("content-length").empty();
}

}  // namespace

TEST_CASE("the published suite is complete", "[sigv4][suite]") {
  std::vector<std::string> names = suite_case_names();
  REQUIRE(names.size() == kSuiteCases);
  for (const std::string& name : names) {
    SuiteCase c = load_suite_case(name);
    CHECK(c.header_signature.size() == 64);
    CHECK(c.query_signature.size() == 64);
  }
}

TEST_CASE("published suite: header signing, Generic mode", "[sigv4][suite]") {
  const std::string name = GENERATE(from_range(suite_case_names()));
  INFO("case " << name);
  SuiteCase c = load_suite_case(name);
  SigV4Signer signer = suite_signer(c, SigV4Mode::Generic);
  http::Request request = to_request(c.request);
  check_header_signing(c, signer, request);
}

TEST_CASE("published suite: query signing, Generic mode", "[sigv4][suite]") {
  const std::string name = GENERATE(from_range(suite_case_names()));
  INFO("case " << name);
  SuiteCase c = load_suite_case(name);
  SigV4Signer signer = suite_signer(c, SigV4Mode::Generic);
  http::Request request = to_request(c.request);
  // Generic mode's default payload for presigning is the empty-body hash, as in the suite.
  check_query_signing(c, signer, request, std::nullopt);
  CHECK(url_path(request.url) ==
        url_path("https://" + c.query_signed_request.header("host") + c.query_signed_request.target));
}

TEST_CASE("published suite: cases without normalisation pass in S3 mode", "[sigv4][suite][s3]") {
  std::vector<std::string> names;
  for (const std::string& name : suite_case_names()) {
    if (applies_to_s3(load_suite_case(name))) names.push_back(name);
  }
  // 38 minus the 7 *-normalized cases and the 2 form posts with Content-Length.
  REQUIRE(names.size() == kSuiteCases - 9);
  for (const std::string& name : names) {
    INFO("case " << name);
    SuiteCase c = load_suite_case(name);
    SigV4Signer signer = suite_signer(c, SigV4Mode::S3);
    http::Request request = as_s3_request(c);
    check_header_signing(c, signer, request);
    // The suite signs the empty-body hash where S3 presigning defaults to UNSIGNED-PAYLOAD.
    check_query_signing(c, signer, as_s3_request(c), auth::kEmptyPayloadSha256);
  }
}

TEST_CASE("published suite: S3 mode never normalises, even when asked", "[sigv4][suite][s3]") {
  size_t pairs = 0;
  for (const std::string& name : suite_case_names()) {
    if (!ends_with(name, "-normalized")) continue;
    INFO("case " << name);
    std::string twin_name = name.substr(0, name.size() - std::string_view("-normalized").size()) + "-unnormalized";
    SuiteCase c = load_suite_case(name);
    SuiteCase twin = load_suite_case(twin_name);
    REQUIRE(c.normalize);
    SigV4Signer signer = suite_signer(c, SigV4Mode::S3);  // normalize = true is passed and ignored
    http::Request request = as_s3_request(c);
    auto sig = signer.sign_detailed(request, c.time);
    REQUIRE_OK(sig);
    CHECK(sig->canonical_request == twin.header_canonical_request);
    CHECK(sig->signature == twin.header_signature);
    if (twin.header_canonical_request != c.header_canonical_request) {
      CHECK(sig->signature != c.header_signature);
    }
    ++pairs;
  }
  CHECK(pairs == 7);
}

TEST_CASE("published suite: Content-Length is signed in Generic mode only", "[sigv4][suite][s3]") {
  for (const char* name : {"post-x-www-form-urlencoded", "post-x-www-form-urlencoded-parameters"}) {
    INFO("case " << name);
    SuiteCase c = load_suite_case(name);
    REQUIRE_FALSE(c.request.header("content-length").empty());
    SigV4Signer generic = suite_signer(c, SigV4Mode::Generic);
    SigV4Signer s3 = suite_signer(c, SigV4Mode::S3);
    http::Request a = to_request(c.request);
    http::Request b = as_s3_request(c);
    a.headers.add("x-amz-content-sha256", sha256_hex(c.request.body));
    b.headers.add("x-amz-content-sha256", sha256_hex(c.request.body));
    auto generic_sig = generic.sign_detailed(a, c.time);
    auto s3_sig = s3.sign_detailed(b, c.time);
    REQUIRE_OK(generic_sig);
    REQUIRE_OK(s3_sig);
    CHECK(generic_sig->signed_headers == "content-length;content-type;host;x-amz-content-sha256;x-amz-date");
    CHECK(s3_sig->signed_headers == "content-type;host;x-amz-content-sha256;x-amz-date");
  }
}

}  // namespace cloudsync::test
