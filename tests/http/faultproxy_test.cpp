// The transport and the retry loop behind the fault-injecting proxy
// (tests/peers/start-faultproxy.sh + faults.py) in front of the test server.
#include <memory>

#include "http/http_fixture.hpp"

namespace cloudsync::http {

using namespace std::chrono_literals;
using test::HashingSink;

namespace {

using test::FaultProxy;

FaultProxy& fault_proxy() {
  static std::unique_ptr<FaultProxy> proxy;
  if (!proxy) proxy = std::make_unique<FaultProxy>(test::http_server().port());
  proxy->set_rule("{}");
  return *proxy;
}

/// A download with retries whose sink starts over on every attempt.
struct Download {
  std::vector<ErrorCode> failures;  ///< transport error (or Ok for an HTTP answer) of each failed attempt
  std::vector<uint64_t> sink_bytes;
  std::string sha256;
  uint32_t attempts = 0;

  Result<Response> run(Transport& transport, const std::string& url, const RetryPolicy& policy) {
    std::unique_ptr<HashingSink> sink;
    Result<Response> result = send_with_retry(
        policy, {},
        [&](uint32_t n) {
          attempts = n;
          sink = std::make_unique<HashingSink>();
          Result<Response> r = test::http_get(transport, url, sink.get());
          sink_bytes.push_back(sink->bytes);
          return r;
        },
        [&](const Result<Response>& r) {
          Outcome outcome = classify_default(r, true);
          if (outcome != Outcome::Success) failures.push_back(r.ok() ? ErrorCode::Ok : r.status().code());
          return outcome;
        });
    if (sink) sha256 = sink->sha256_hex();
    return result;
  }
};

RetryPolicy quick_policy() {
  RetryPolicy policy;
  policy.initial_backoff = 20ms;
  policy.max_backoff = 200ms;
  policy.max_total = 20s;
  return policy;
}

}  // namespace

TEST_CASE("fault proxy: a burst of 503s is ridden out") {
  FaultProxy& proxy = fault_proxy();
  auto transport = make_curl_transport(test::fast_options());
  const std::string url = proxy.url() + "/bytes/300000?seed=3";

  SECTION("retries outlast the burst") {
    proxy.set_rule(R"({"status":503,"count":3,"match":"GET /bytes"})");
    Download download;
    Result<Response> r = download.run(*transport, url, quick_policy());
    REQUIRE_OK(r);
    CHECK(r->status == 200);
    CHECK(download.attempts == 4);
    CHECK(download.failures == std::vector<ErrorCode>(3, ErrorCode::Ok));  // three HTTP 503 answers
    CHECK(download.sha256 == r->headers.get("X-Content-Sha256").value_or("?"));
    CHECK(proxy.hits() == 3);
  }
  SECTION("a burst longer than max_attempts surfaces as Throttled") {
    proxy.set_rule(R"({"status":503,"count":5,"match":"GET /bytes"})");
    RetryPolicy policy = quick_policy();
    policy.max_attempts = 3;
    Download download;
    Result<Response> r = download.run(*transport, url, policy);
    REQUIRE_OK(r);
    REQUIRE(r->status == 503);
    CHECK(download.attempts == 3);
    CHECK(r->sink_bytes == 0);
    CHECK(r->body.find("ServiceUnavailable") != std::string::npos);  // the error document was captured
    Status s =
        status_from_response(*r, "GET /bytes", error_code_for_status(r->status), "ServiceUnavailable", "injected", "");
    CHECK(s.code() == ErrorCode::Throttled);
    CHECK(proxy.hits() == 3);
  }
}

TEST_CASE("fault proxy: a connection dropped mid-body is retried") {
  FaultProxy& proxy = fault_proxy();
  auto transport = make_curl_transport(test::fast_options());
  const std::string url = proxy.url() + "/bytes/500000?seed=4";

  SECTION("the body is cut short and the connection closed") {
    proxy.set_rule(R"({"truncate":1000,"count":1,"match":"GET /bytes"})");
    Download download;
    auto start = std::chrono::steady_clock::now();
    Result<Response> r = download.run(*transport, url, quick_policy());
    REQUIRE_OK(r);
    CHECK(r->status == 200);
    CHECK(download.attempts == 2);
    CHECK(download.failures == std::vector<ErrorCode>{ErrorCode::Network});
    CHECK(download.sink_bytes.front() == 1000);  // the sink saw the prefix before the drop
    CHECK(download.sha256 == r->headers.get("X-Content-Sha256").value_or("?"));
    CHECK(std::chrono::steady_clock::now() - start < 5s);  // detected at once, not by a stall timeout
  }
  SECTION("the connection is dropped before any answer") {
    proxy.set_rule(R"({"kill":true,"count":2,"match":"GET /bytes"})");
    Download download;
    Result<Response> r = download.run(*transport, url, quick_policy());
    REQUIRE_OK(r);
    CHECK(download.attempts == 3);
    CHECK(download.failures == std::vector<ErrorCode>(2, ErrorCode::Network));
    CHECK(download.sha256 == r->headers.get("X-Content-Sha256").value_or("?"));
  }
  SECTION("a non-idempotent request is not resent after a drop") {
    proxy.set_rule(R"({"kill":true,"count":1,"match":"POST /echo"})");
    MemorySource body("create-once");
    uint32_t attempts = 0;
    Result<Response> r = send_with_retry(
        quick_policy(), {},
        [&](uint32_t n) {
          attempts = n;
          Request request;
          request.method = "POST";
          request.url = proxy.url() + "/echo";
          request.body = &body;
          return transport->send(request, nullptr, {});
        },
        [](const Result<Response>& result) { return classify_default(result, false); }, &body);
    REQUIRE_CODE(r, ErrorCode::Network);
    CHECK(attempts == 1);
  }
}

}  // namespace cloudsync::http
