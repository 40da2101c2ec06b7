// S3 mode against tests/vectors/generated-signing-vectors.json ("s3") and the
// examples in AWS's S3 API reference (sig-v4-header-based-auth.html).
#include <map>

#include "core/hash.hpp"
#include "core/url.hpp"
#include "suite_case.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {

using auth::SigV4Mode;
using auth::SigV4Signer;

namespace {

struct S3Common {
  auth::AwsCredentials credentials;
  std::string region, service, host, amz_date;
  TimePoint time;
};

S3Common s3_common() {
  const rapidjson::Value& common = generated_s3_vectors()["common"];
  S3Common c;
  c.credentials.access_key_id = json_str(common, "accessKeyId");
  c.credentials.secret_access_key = json_str(common, "secretAccessKey");
  c.region = json_str(common, "region");
  c.service = json_str(common, "service");
  c.host = json_str(common, "host");
  c.amz_date = json_str(common, "amzDate");
  c.time = parse_amz_date(c.amz_date);
  return c;
}

SigV4Signer s3_signer(const S3Common& c, const std::string& session_token = {}) {
  auth::AwsCredentials creds = c.credentials;
  creds.session_token = session_token;
  return SigV4Signer(creds, c.region, c.service, SigV4Mode::S3);
}

// The URL the S3 backend sends for a raw key (null: the bucket root) and a
// query built with the same strict encoder.
std::string s3_url(const S3Common& c, const rapidjson::Value& raw_key, const rapidjson::Value* query = nullptr) {
  std::string url = "https://" + c.host + "/";
  if (raw_key.IsString()) url += auth::uri_encode_s3_key(std::string(raw_key.GetString(), raw_key.GetStringLength()));
  if (query != nullptr && query->IsObject() && query->MemberCount() > 0) {
    char sep = '?';
    for (const auto& m : query->GetObject()) {
      REQUIRE(m.value.IsString());
      url += sep;
      url += percent_encode(m.name.GetString()) + "=" + percent_encode(m.value.GetString());
      sep = '&';
    }
  }
  return url;
}

std::string expected_authorization(const S3Common& c, const std::string& signed_headers, const std::string& signature) {
  return "AWS4-HMAC-SHA256 Credential=" + c.credentials.access_key_id + "/" + c.amz_date.substr(0, 8) + "/" + c.region +
         "/" + c.service + "/aws4_request, SignedHeaders=" + signed_headers + ", Signature=" + signature;
}

// A GET of `key` as every key-encoding vector is made: UNSIGNED-PAYLOAD, no other header.
Result<auth::SigV4Signature> sign_plain_get(const SigV4Signer& signer, const S3Common& c, const std::string& url) {
  http::Request request;
  request.url = url;
  request.headers.set("x-amz-content-sha256", auth::kUnsignedPayload);
  return signer.sign_detailed(request, c.time);
}

std::vector<std::string> wrong_signatures() {
  std::vector<std::string> out;
  for (const auto& w : generated_s3_vectors()["wrongOnPurpose"].GetArray()) out.push_back(json_str(w, "signature"));
  REQUIRE(out.size() == 3);
  return out;
}

}  // namespace

TEST_CASE("S3 vectors: header authentication", "[sigv4][s3]") {
  S3Common c = s3_common();
  SigV4Signer signer = s3_signer(c);
  const auto& cases = generated_s3_vectors()["headerAuth"];
  REQUIRE(cases.IsArray());
  REQUIRE(cases.Size() == 11);
  for (const auto& v : cases.GetArray()) {
    INFO(json_str(v, "note") << " key " << (v["rawKey"].IsString() ? v["rawKey"].GetString() : "(none)"));
    http::Request request;
    request.method = json_str(v, "method");
    request.url = s3_url(c, v["rawKey"], &v["query"]);
    for (const auto& h : v["extraHeaders"].GetObject()) request.headers.add(h.name.GetString(), h.value.GetString());
    request.headers.set("x-amz-content-sha256", json_str(v, "xAmzContentSha256"));
    auto sig = signer.sign_detailed(request, c.time);
    REQUIRE_OK(sig);
    CHECK(line_of(sig->canonical_request, 1) == json_str(v, "canonicalUri"));
    // The wire path is the canonical URI byte for byte (one encoder feeds both).
    auto wire = http::parse_url(request.url);
    REQUIRE_OK(wire);
    CHECK(wire->path == json_str(v, "canonicalUri"));
    std::string note = json_str(v, "note");
    size_t at = note.find("canonical query = ");
    if (at != std::string::npos) CHECK(line_of(sig->canonical_request, 2) == note.substr(at + 18));
    CHECK(sig->signed_headers == json_str(v, "signedHeaders"));
    CHECK(sig->signature == json_str(v, "signature"));
    CHECK(request.headers.get("Authorization") == std::optional<std::string_view>(expected_authorization(
                                                      c, json_str(v, "signedHeaders"), json_str(v, "signature"))));
    CHECK(request.headers.get("x-amz-date") == std::optional<std::string_view>(c.amz_date));
    CHECK_FALSE(request.headers.get("x-amz-security-token").has_value());
  }
}

TEST_CASE("S3 vectors: the wrong-on-purpose signatures are never produced", "[sigv4][s3]") {
  S3Common c = s3_common();
  SigV4Signer signer = s3_signer(c);
  std::vector<std::string> wrong = wrong_signatures();
  // Not for the keys they were made from, nor for any other vector key.
  for (const auto& v : generated_s3_vectors()["headerAuth"].GetArray()) {
    if (!v["rawKey"].IsString()) continue;
    auto sig = sign_plain_get(signer, c, s3_url(c, v["rawKey"]));
    REQUIRE_OK(sig);
    for (const std::string& w : wrong) CHECK(sig->signature != w);
  }
  const auto& bugs = generated_s3_vectors()["wrongOnPurpose"].GetArray();
  // They are what the classic bugs produce, so the checks above can fail:
  // the generic double-encoding rule applied to S3 ...
  SigV4Signer generic(c.credentials, c.region, c.service, SigV4Mode::Generic, false);
  auto doubled = sign_plain_get(generic, c, "https://" + c.host + "/" + auth::uri_encode_s3_key("a b/c+d.txt"));
  REQUIRE_OK(doubled);
  CHECK(line_of(doubled->canonical_request, 1) == json_str(bugs[0], "canonicalUri"));
  CHECK(doubled->signature == wrong[0]);
  // ... '+' for a space, which S3 mode refuses to sign at all ...
  CHECK(json_str(bugs[1], "canonicalUri") == "/a+b/c%2Bd.txt");
  REQUIRE_CODE(sign_plain_get(signer, c, "https://" + c.host + json_str(bugs[1], "canonicalUri")),
               ErrorCode::InvalidArgument);
  // ... and dot-segment normalisation.
  SigV4Signer normalizing(c.credentials, c.region, c.service, SigV4Mode::Generic, true);
  auto normalized = sign_plain_get(normalizing, c, "https://" + c.host + "/a/../b.txt");
  REQUIRE_OK(normalized);
  CHECK(line_of(normalized->canonical_request, 1) == json_str(bugs[2], "canonicalUri"));
  CHECK(normalized->signature == wrong[2]);
}

TEST_CASE("S3 vectors: presigned URLs", "[sigv4][s3]") {
  S3Common c = s3_common();
  const auto& cases = generated_s3_vectors()["presigned"];
  REQUIRE(cases.Size() == 4);
  for (const auto& v : cases.GetArray()) {
    INFO(json_str(v, "note") << " key " << json_str(v, "rawKey"));
    std::string token = v["sessionToken"].IsString() ? json_str(v, "sessionToken") : std::string();
    SigV4Signer signer = s3_signer(c, token);
    REQUIRE(v["expires"].IsInt());
    std::chrono::seconds expires(v["expires"].GetInt());
    std::string url = s3_url(c, v["rawKey"]);

    auto presigned = signer.presign("GET", url, expires, c.time);
    REQUIRE_OK(presigned);
    std::vector<std::pair<std::string, std::string>> expected;
    for (const auto& q : v["query"].GetObject()) expected.emplace_back(q.name.GetString(), q.value.GetString());
    std::sort(expected.begin(), expected.end());
    // Exactly the documented parameters: no x-amz-content-sha256 hoisted into the query.
    CHECK(sorted_query(*presigned) == expected);
    auto parsed = http::parse_url(*presigned);
    REQUIRE_OK(parsed);
    CHECK(parsed->path == json_str(v, "canonicalUri"));
    CHECK(parsed->host == c.host);

    http::Request request;
    request.url = url;
    auto sig = signer.presign_detailed(request, expires, c.time);
    REQUIRE_OK(sig);
    CHECK(line_of(sig->canonical_request, 1) == json_str(v, "canonicalUri"));
    CHECK(line_of(sig->canonical_request, 6) == json_str(v, "payloadHashInCanonicalRequest"));
    CHECK(sig->signed_headers == "host");
    // The session token is inside the signed canonical query.
    CHECK((line_of(sig->canonical_request, 2).find("X-Amz-Security-Token=") != std::string::npos) == !token.empty());
    CHECK(request.url == *presigned);
  }
}

TEST_CASE("S3 vectors: session token with a conditional PUT", "[sigv4][s3]") {
  S3Common c = s3_common();
  const auto& v = generated_s3_vectors()["sessionTokenConditionalPut"];
  const auto& headers = v["headers"];
  std::string token = json_str(headers, "x-amz-security-token");
  SigV4Signer signer = s3_signer(c, token);
  http::Request request;
  request.method = json_str(v, "method");
  request.url = "https://" + c.host + json_str(v, "canonicalUri");
  for (const auto& h : headers.GetObject()) {
    // The signer adds the token header itself.
    if (std::string_view(h.name.GetString()) != "x-amz-security-token") {
      request.headers.add(h.name.GetString(), h.value.GetString());
    }
  }
  auto sig = signer.sign_detailed(request, c.time);
  REQUIRE_OK(sig);
  CHECK(request.headers.get("Authorization") == std::optional<std::string_view>(json_str(v, "authorization")));
  CHECK(request.headers.get("X-Amz-Security-Token") == std::optional<std::string_view>(token));
  CHECK(sig->signed_headers == "host;if-none-match;x-amz-content-sha256;x-amz-date;x-amz-security-token");

  // Signing without the token (the old "add it after signing" behaviour) gives another signature.
  SigV4Signer no_token = s3_signer(c);
  http::Request again;
  again.method = request.method;
  again.url = request.url;
  again.headers.add("if-none-match", "*");
  again.headers.add("x-amz-content-sha256", auth::kUnsignedPayload);
  auto unsigned_token = no_token.sign_detailed(again, c.time);
  REQUIRE_OK(unsigned_token);
  CHECK(unsigned_token->signature != sig->signature);
}

// The worked examples of docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
// (same credentials, date and host as the generated vectors).
TEST_CASE("S3 documentation examples", "[sigv4][s3]") {
  S3Common c = s3_common();
  SigV4Signer signer = s3_signer(c);

  SECTION("GET Object with Range: canonical request hash") {
    http::Request request;
    request.url = "https://" + c.host + "/test.txt";
    request.headers.add("Range", "bytes=0-9");
    request.headers.add("x-amz-content-sha256", auth::kEmptyPayloadSha256);
    auto sig = signer.sign_detailed(request, c.time);
    REQUIRE_OK(sig);
    CHECK(line_of(sig->string_to_sign, 3) == "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
    CHECK(sig->signature == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  }
  SECTION("PUT Object with Date and a storage class") {
    http::Request request;
    request.method = "PUT";
    request.url = "https://" + c.host + "/" + auth::uri_encode_s3_key("test$file.text");
    request.headers.add("Date", "Fri, 24 May 2013 00:00:00 GMT");
    request.headers.add("x-amz-storage-class", "REDUCED_REDUNDANCY");
    request.headers.add("x-amz-content-sha256", sha256_hex("Welcome to Amazon S3."));
    auto sig = signer.sign_detailed(request, c.time);
    REQUIRE_OK(sig);
    CHECK(line_of(sig->canonical_request, 1) == "/test%24file.text");
    CHECK(sig->signed_headers == "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class");
    CHECK(sig->signature == "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
  }
  SECTION("GET Bucket lifecycle: a query name without value") {
    http::Request request;
    request.url = "https://" + c.host + "/?lifecycle";
    request.headers.add("x-amz-content-sha256", auth::kEmptyPayloadSha256);
    auto sig = signer.sign_detailed(request, c.time);
    REQUIRE_OK(sig);
    CHECK(line_of(sig->canonical_request, 2) == "lifecycle=");
    CHECK(sig->signature == "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
  }
  SECTION("GET Bucket (list objects)") {
    http::Request request;
    request.url = "https://" + c.host + "/?max-keys=2&prefix=J";
    request.headers.add("x-amz-content-sha256", auth::kEmptyPayloadSha256);
    auto sig = signer.sign_detailed(request, c.time);
    REQUIRE_OK(sig);
    CHECK(line_of(sig->canonical_request, 2) == "max-keys=2&prefix=J");
    CHECK(sig->signature == "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
  }
}

}  // namespace cloudsync::test
