// SharedKey signing against the generated vectors and the documented rules.
#include "auth/azure/shared_key.hpp"

#include <map>
#include <string>
#include <vector>

#include "auth/azure/azure_vectors.hpp"
#include "core/hash.hpp"
#include "core/time.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {

using auth::AzureSharedKeySigner;

namespace {

constexpr const char* kVersion = "2022-11-02";

TimePoint vector_time() {
  Result<TimePoint> t = parse_rfc3339("2024-01-01T00:00:00Z");
  REQUIRE_OK(t);
  return *t;
}

http::Request request(std::string method, std::string url) {
  http::Request r;
  r.method = std::move(method);
  r.url = std::move(url);
  r.headers.set("x-ms-version", kVersion);
  return r;
}

// The request behind each vector, as the research notes (edge-cases.md §1.5)
// describe it; the vector supplies method and URL, these the rest. Headers
// are added in neither byte nor service order, with mixed case.
void add_inputs(const std::string& note, http::Request& r) {
  if (note == "list blobs with query") return;
  if (note == "put blob, encoded unicode name") {
    r.headers.set("X-Ms-Blob-Type", "BlockBlob");
    r.headers.set("Content-Type", "text/plain");
    r.body_size = 5;  // the transport sends it as Content-Length
    return;
  }
  if (note == "empty body: Content-Length 0 must be signed as empty; If-None-Match *") {
    r.headers.set("If-None-Match", "*");
    r.headers.set("Content-Length", "0");
    r.headers.set("x-ms-blob-type", "BlockBlob");
    return;
  }
  if (note == "put block") {
    r.headers.set("Content-Length", "3");
    return;
  }
  if (note == "metadata keys i_ and i0 and a-b: service (.NET en-US culture) order") {
    r.headers.set("x-ms-meta-i_", "a");
    r.headers.set("X-MS-META-I0", "b");
    r.headers.set("x-ms-meta-a-b", "c");
    return;
  }
  FAIL("no request inputs for the vector '" << note << "': describe them here");
}

}  // namespace

TEST_CASE("every SharedKey vector: string-to-sign and Authorization", "[azure][sharedkey]") {
  const AzureVectors& v = azure_vectors();
  REQUIRE(v.shared_key.size() >= 5);
  AzureSharedKeySigner signer = vector_signer();
  for (const AzureSharedKeyVector& c : v.shared_key) {
    INFO(c.note);
    http::Request r = request(c.method, c.url);
    add_inputs(c.note, r);
    REQUIRE_OK(signer.sign(r, vector_time()));
    CHECK(r.headers.get("x-ms-date") == std::optional<std::string_view>("Mon, 01 Jan 2024 00:00:00 GMT"));
    Result<std::string> sts = signer.string_to_sign(r);
    REQUIRE_OK(sts);
    CHECK(*sts == c.string_to_sign);
    CHECK(r.headers.get("Authorization") == std::optional<std::string_view>(c.authorization));
    // The HMAC alone, from the vector's own string-to-sign.
    CHECK("SharedKey " + v.account + ":" + signer.signature(c.string_to_sign) == c.authorization);
  }
}

TEST_CASE("the wrong-on-purpose string-to-sign variants are not produced", "[azure][sharedkey]") {
  const AzureVectors& v = azure_vectors();
  REQUIRE(v.wrong_on_purpose.size() >= 2);
  AzureSharedKeySigner signer = vector_signer();
  std::vector<std::string> produced;
  for (const AzureSharedKeyVector& c : v.shared_key) {
    http::Request r = request(c.method, c.url);
    add_inputs(c.note, r);
    REQUIRE_OK(signer.sign(r, vector_time()));
    produced.push_back(std::string(*r.headers.get("Authorization")));
    Result<std::string> sts = signer.string_to_sign(r);
    REQUIRE_OK(sts);
    for (const AzureWrongVector& w : v.wrong_on_purpose) CHECK(*sts != w.string_to_sign);
  }
  for (const AzureWrongVector& w : v.wrong_on_purpose) {
    INFO(w.bug);
    // The vector is consistent: the difference lies in the string-to-sign.
    CHECK(signer.signature(w.string_to_sign) == w.signature);
    for (const std::string& auth : produced) CHECK(auth.find(w.signature) == std::string::npos);
  }
}

TEST_CASE("Content-Length 0 is signed empty, from the header or the body size", "[azure][sharedkey]") {
  AzureSharedKeySigner signer = vector_signer();
  auto length_line = [&](const http::Request& r) {
    Result<std::string> sts = signer.string_to_sign(r);
    REQUIRE_OK(sts);
    // VERB \n Content-Encoding \n Content-Language \n Content-Length \n
    size_t start = 0;
    for (int line = 0; line < 3; ++line) start = sts->find('\n', start) + 1;
    return sts->substr(start, sts->find('\n', start) - start);
  };
  http::Request header = request("PUT", "https://devstoreaccount1.blob.core.windows.net/c1/empty.txt");
  header.headers.set("Content-Length", "0");
  CHECK(length_line(header).empty());
  http::Request body = request("PUT", "https://devstoreaccount1.blob.core.windows.net/c1/empty.txt");
  body.body_size = 0;
  CHECK(length_line(body).empty());
  body.body_size = 17;
  CHECK(length_line(body) == "17");
  body.headers.set("Content-Length", "12");  // an explicit header wins
  CHECK(length_line(body) == "12");
}

TEST_CASE("a path-style URL names the account twice in the resource", "[azure][sharedkey]") {
  AzureSharedKeySigner signer = vector_signer();
  const AzureSharedKeyVector& list = azure_vectors().shared_key.at(0);
  REQUIRE(list.note == "list blobs with query");
  const std::string vhost = "https://devstoreaccount1.blob.core.windows.net";
  REQUIRE(list.url.rfind(vhost, 0) == 0);
  // The same request against Azurite: the path starts with the account.
  http::Request r = request("GET", "http://127.0.0.1:10000/devstoreaccount1" + list.url.substr(vhost.size()));
  REQUIRE_OK(signer.sign(r, vector_time()));
  std::string expected = list.string_to_sign;
  const std::string resource = "\n/devstoreaccount1/c1\n";
  REQUIRE(expected.find(resource) != std::string::npos);
  expected.replace(expected.find(resource), resource.size(), "\n/devstoreaccount1/devstoreaccount1/c1\n");
  Result<std::string> sts = signer.string_to_sign(r);
  REQUIRE_OK(sts);
  CHECK(*sts == expected);
  CHECK(r.headers.get("Authorization") ==
        std::optional<std::string_view>("SharedKey devstoreaccount1:" + signer.signature(expected)));

  http::Request blob = request("GET", "http://127.0.0.1:10000/devstoreaccount1/c/b");
  sts = signer.string_to_sign(blob);
  REQUIRE_OK(sts);
  CHECK(sts->substr(sts->rfind('\n') + 1) == "/devstoreaccount1/devstoreaccount1/c/b");
}

TEST_CASE("canonicalised resource: query names, values and the root path", "[azure][sharedkey]") {
  AzureSharedKeySigner signer = vector_signer();
  auto resource = [&](const std::string& url) {
    http::Request r = request("GET", url);
    Result<std::string> sts = signer.string_to_sign(r);
    REQUIRE_OK(sts);
    // Everything after the last x-ms header line.
    return sts->substr(sts->find("x-ms-version:2022-11-02\n") + std::string("x-ms-version:2022-11-02\n").size());
  };
  CHECK(resource("https://devstoreaccount1.blob.core.windows.net/?comp=list") == "/devstoreaccount1/\ncomp:list");
  // Names lower-cased and merged; values decoded, sorted and comma-joined;
  // the path stays encoded.
  CHECK(resource("https://devstoreaccount1.blob.core.windows.net/c/a%20b?Include=snapshots&include=metadata"
                 "&prefix=a%2Fb%26c&COMP=list&empty") ==
        "/devstoreaccount1/c/a%20b\ncomp:list\nempty:\ninclude:metadata,snapshots\nprefix:a/b&c");
}

TEST_CASE("x-ms headers: trimmed values, repeats joined, Date left empty", "[azure][sharedkey]") {
  AzureSharedKeySigner signer = vector_signer();
  http::Request r = request("PUT", "https://devstoreaccount1.blob.core.windows.net/c/b");
  r.headers.set("Date", "Sun, 31 Dec 2023 23:00:00 GMT");
  r.headers.add("x-ms-meta-list", " two ");
  r.headers.add("X-Ms-Meta-List", "one");
  r.headers.set("Content-Type", "  text/plain ");
  r.headers.set("x-ms-client-request-id", "id");
  REQUIRE_OK(signer.sign(r, vector_time()));
  Result<std::string> sts = signer.string_to_sign(r);
  REQUIRE_OK(sts);
  CHECK(*sts ==
        "PUT\n\n\n\n\ntext/plain\n\n\n\n\n\n\n"
        "x-ms-client-request-id:id\nx-ms-date:Mon, 01 Jan 2024 00:00:00 GMT\nx-ms-meta-list:two,one\n"
        "x-ms-version:2022-11-02\n/devstoreaccount1/c/b");
}

TEST_CASE("signing replaces the previous date and signature", "[azure][sharedkey]") {
  AzureSharedKeySigner signer = vector_signer();
  http::Request r = request("GET", "https://devstoreaccount1.blob.core.windows.net/c/b");
  REQUIRE_OK(signer.sign(r, vector_time()));
  std::string first(*r.headers.get("Authorization"));
  REQUIRE_OK(signer.sign(r, vector_time() + std::chrono::seconds(90)));
  size_t authorizations = 0, dates = 0;
  for (const auto& e : r.headers.entries()) {
    authorizations += e.name == "Authorization";
    dates += e.name == "x-ms-date";
  }
  CHECK(authorizations == 1);
  CHECK(dates == 1);
  CHECK(r.headers.get("x-ms-date") == std::optional<std::string_view>("Mon, 01 Jan 2024 00:01:30 GMT"));
  CHECK(*r.headers.get("Authorization") != first);
}

TEST_CASE("signing needs a recent x-ms-version and clean header values", "[azure][sharedkey]") {
  AzureSharedKeySigner signer = vector_signer();
  http::Request r = request("GET", "https://devstoreaccount1.blob.core.windows.net/c/b");
  r.headers.remove("x-ms-version");
  REQUIRE_CODE(signer.sign(r, vector_time()), ErrorCode::InvalidArgument);
  r.headers.set("x-ms-version", "2014-02-14");  // signs Content-Length 0 as "0": unsupported
  REQUIRE_CODE(signer.sign(r, vector_time()), ErrorCode::InvalidArgument);
  r.headers.set("x-ms-version", "latest");
  REQUIRE_CODE(signer.sign(r, vector_time()), ErrorCode::InvalidArgument);
  CHECK_FALSE(r.headers.get("Authorization").has_value());
  r.headers.set("x-ms-version", "2015-02-21");
  REQUIRE_OK(signer.sign(r, vector_time()));
  r.headers.set("x-ms-meta-evil", "a\r\nx-ms-meta-injected: b");
  REQUIRE_CODE(signer.sign(r, vector_time()), ErrorCode::InvalidArgument);
  http::Request relative = request("GET", "/c/b");
  REQUIRE_CODE(signer.sign(relative, vector_time()), ErrorCode::InvalidArgument);
}

TEST_CASE("bad account keys are rejected without echoing them", "[azure][sharedkey]") {
  // Keys shorter than 6 characters are not registered as secrets, so only the
  // signer's own wording keeps them out of the message.
  for (const char* key : {"", "ab$c", "QQ-_", "Zm9v!", "Q", "=QQ="}) {
    INFO("key '" << key << "'");
    Result<AzureSharedKeySigner> signer = AzureSharedKeySigner::create("devstoreaccount1", key);
    REQUIRE_CODE(signer, ErrorCode::InvalidArgument);
    if (*key != '\0') CHECK(signer.status().to_string().find(key) == std::string::npos);
  }
  // Arguments swapped: the key lands in the account name, which is not echoed
  // either. A fresh key, never registered as a secret, so redaction cannot help.
  const std::string fresh_key = base64_encode(random_bytes(64, 77));
  Result<AzureSharedKeySigner> swapped = AzureSharedKeySigner::create(fresh_key, "swappedacct1");
  REQUIRE_CODE(swapped, ErrorCode::InvalidArgument);
  CHECK(swapped.status().to_string().find(fresh_key.substr(0, 12)) == std::string::npos);
  const std::string key = azure_vectors().key;
  REQUIRE_CODE(AzureSharedKeySigner::create("", key), ErrorCode::InvalidArgument);
  REQUIRE_CODE(AzureSharedKeySigner::create("acct/x", key), ErrorCode::InvalidArgument);
  REQUIRE_OK(AzureSharedKeySigner::create("acct", key));
}

}  // namespace cloudsync::test
