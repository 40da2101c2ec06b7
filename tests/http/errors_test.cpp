// Status -> ErrorCode mapping, error statuses from responses, the default
// retry classification and Retry-After parsing.
#include "core/time.hpp"
#include "http/http_date.hpp"
#include "http/http_fixture.hpp"

namespace cloudsync::http {

namespace {

Response response_with(int status, std::string body = {}) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

}  // namespace

TEST_CASE("error_code_for_status maps the statuses providers answer with") {
  const std::vector<std::pair<int, ErrorCode>> table = {
      {400, ErrorCode::InvalidArgument},  {401, ErrorCode::Unauthenticated},
      {403, ErrorCode::PermissionDenied}, {404, ErrorCode::NotFound},
      {408, ErrorCode::Timeout},          {409, ErrorCode::Conflict},
      {410, ErrorCode::NotFound},         {412, ErrorCode::PreconditionFailed},
      {413, ErrorCode::LimitExceeded},    {416, ErrorCode::InvalidArgument},
      {429, ErrorCode::Throttled},        {500, ErrorCode::Network},
      {501, ErrorCode::Unsupported},      {502, ErrorCode::Network},
      {503, ErrorCode::Throttled},        {504, ErrorCode::Network},
      {599, ErrorCode::Network},          {418, ErrorCode::Internal},
      {304, ErrorCode::Internal},         {200, ErrorCode::Internal},
  };
  for (const auto& [status, code] : table) {
    INFO("HTTP " << status);
    CHECK(error_code_for_status(status) == code);
  }
}

TEST_CASE("status_from_response carries the code, the message and the provider details") {
  Response r = response_with(404);
  Status s = status_from_response(r, "GET s3://bucket/a.txt", ErrorCode::NotFound, "NoSuchKey",
                                  "The specified key does not exist.", "REQ123");
  CHECK(s.code() == ErrorCode::NotFound);
  CHECK(s.message() == "GET s3://bucket/a.txt: HTTP 404 The specified key does not exist.");
  CHECK(s.http_status() == 404);
  CHECK(s.provider_code() == "NoSuchKey");
  CHECK(s.request_id() == "REQ123");
  CHECK(s.to_string().find("request id REQ123") != std::string::npos);

  SECTION("without a provider message a short excerpt of the body is used") {
    Response html = response_with(502, "<html>\n  <body>Bad   gateway</body>\n</html>" + std::string(500, 'x'));
    Status e = status_from_response(html, "PUT x", ErrorCode::Network, "", "", "");
    CHECK(e.code() == ErrorCode::Network);
    CHECK(e.message().rfind("PUT x: HTTP 502 <html> <body>Bad gateway</body> </html>xxx", 0) == 0);
    CHECK(e.message().size() < 300);
    CHECK(e.message().substr(e.message().size() - 3) == "...");
  }
  SECTION("an Ok code still makes an error") {
    CHECK(status_from_response(r, "x", ErrorCode::Ok, "", "", "").code() == ErrorCode::Internal);
  }
  SECTION("secrets in the provider message are redacted") {
    Status e = status_from_response(r, "GET https://a.blob.core.windows.net/c/b?sv=2020&sig=SECRETSIGVALUE",
                                    ErrorCode::NotFound, "", "", "");
    CHECK(e.message().find("SECRETSIGVALUE") == std::string::npos);
  }
}

TEST_CASE("classify_default retries transient failures only") {
  using enum Outcome;
  for (int status : {200, 201, 204, 206}) CHECK(classify_default(response_with(status), true) == Success);
  for (int status : {408, 429, 500, 502, 503, 504}) {
    INFO(status);
    CHECK(classify_default(response_with(status), true) == Retry);
    CHECK(classify_default(response_with(status), false) == Retry);
  }
  for (int status : {301, 304, 400, 401, 403, 404, 409, 412, 416, 501}) {
    INFO(status);
    CHECK(classify_default(response_with(status), true) == Fail);
  }
  Result<Response> network = Status(ErrorCode::Network, "reset");
  Result<Response> timeout = Status(ErrorCode::Timeout, "stalled");
  Result<Response> throttled = Status(ErrorCode::Throttled, "slow down");
  Result<Response> cancelled = Status(ErrorCode::Cancelled, "stop");
  Result<Response> internal = Status(ErrorCode::Internal, "bug");
  CHECK(classify_default(network, true) == Retry);
  CHECK(classify_default(timeout, true) == Retry);
  CHECK(classify_default(network, false) == Fail);
  CHECK(classify_default(timeout, false) == Fail);
  CHECK(classify_default(throttled, false) == Retry);
  CHECK(classify_default(cancelled, true) == Fail);
  CHECK(classify_default(internal, true) == Fail);
}

TEST_CASE("retry_after reads delta-seconds and HTTP dates") {
  Response r;
  CHECK_FALSE(retry_after(r).has_value());
  r.headers.set("Retry-After", "7");
  CHECK(retry_after(r) == std::chrono::milliseconds(7000));
  r.headers.set("retry-after", " 0 ");
  CHECK(retry_after(r) == std::chrono::milliseconds(0));
  r.headers.set("Retry-After", "99999999999999999999");
  CHECK(retry_after(r) == std::chrono::milliseconds(86'400'000));
  r.headers.set("Retry-After", "soon");
  CHECK_FALSE(retry_after(r).has_value());
  r.headers.set("Retry-After", "-5");
  CHECK_FALSE(retry_after(r).has_value());

  r.headers.set("Retry-After", format_http_date(now_utc() + std::chrono::seconds(30)));
  auto wait = retry_after(r);
  REQUIRE(wait.has_value());
  CHECK(*wait > std::chrono::seconds(27));
  CHECK(*wait <= std::chrono::seconds(30));
  r.headers.set("Retry-After", "Mon, 01 Jan 2001 00:00:00 GMT");
  CHECK(retry_after(r) == std::chrono::milliseconds(0));
}

}  // namespace cloudsync::http
