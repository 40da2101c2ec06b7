// The token endpoint exchange against canned answers: where requests go, how
// answers are parsed, how OAuth errors map to codes, what is retried.
#include <deque>

#include "auth/google/google_endpoints.hpp"
#include "auth/google/google_auth_fixture.hpp"
#include "auth/google/oauth2.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/json.hpp"
#include "core/time.hpp"
#include "http/http_date.hpp"

namespace cloudsync::auth {

using namespace std::chrono_literals;

namespace {

/// Answers each request with the next canned response and records the URLs.
class CannedTransport final : public http::Transport {
 public:
  void add(int status, std::string body, std::vector<std::pair<std::string, std::string>> headers = {}) {
    http::Response r;
    r.status = status;
    r.body = std::move(body);
    for (const auto& [name, value] : headers) r.headers.add(name, value);
    answers_.push_back(std::move(r));
  }
  Result<http::Response> send(const http::Request& request, ByteSink* /*sink*/, const OpContext& /*ctx*/) override {
    urls.push_back(request.url);
    content_types.emplace_back(request.headers.get("Content-Type").value_or(""));
    if (answers_.empty()) return make_error(ErrorCode::Internal, "no canned answer left");
    http::Response r = std::move(answers_.front());
    answers_.pop_front();
    return r;
  }
  std::vector<std::string> urls;
  std::vector<std::string> content_types;

 private:
  std::deque<http::Response> answers_;
};

struct Exchange {
  std::shared_ptr<CannedTransport> transport = std::make_shared<CannedTransport>();
  TimePoint now = from_unix_nanos(1'700'000'000LL * 1'000'000'000);

  Result<AccessToken> run(std::string token_uri = {}) {
    TokenEndpointOptions options;
    options.token_uri = std::move(token_uri);
    options.transport = transport;
    options.retry = test::quick_retry_policy();
    Result<std::unique_ptr<TokenSource>> source =
        make_refresh_token_source({"client-id", "client-secret-value", "refresh-token-value"}, options);
    REQUIRE_OK(source);
    return (*source)->fetch({}, now);
  }
};

}  // namespace

TEST_CASE("token endpoint: Google's by default, a form POST") {
  Exchange e;
  e.transport->add(
      200,
      R"({"access_token":"ya29.a0-token","expires_in":3599,"scope":"https://www.googleapis.com/auth/drive","token_type":"Bearer"})");
  Result<AccessToken> token = e.run();
  REQUIRE_OK(token);
  CHECK(e.transport->urls == std::vector<std::string>{"https://oauth2.googleapis.com/token"});
  CHECK(e.transport->content_types.front() == "application/x-www-form-urlencoded");
  CHECK(token->value == "ya29.a0-token");
  CHECK(token->expires_at == e.now + 3599s);
  CHECK(token->scope == "https://www.googleapis.com/auth/drive");
}

TEST_CASE("token endpoint: answers that are parsed leniently") {
  Exchange e;
  SECTION("expires_in as a string, token_type in another case") {
    e.transport->add(200, R"({"access_token":"tok-abcdef","expires_in":"120","token_type":"bearer"})");
    Result<AccessToken> token = e.run();
    REQUIRE_OK(token);
    CHECK(token->expires_at == e.now + 120s);
  }
  SECTION("no expires_in: an hour is assumed") {
    e.transport->add(200, R"({"access_token":"tok-abcdef"})");
    Result<AccessToken> token = e.run();
    REQUIRE_OK(token);
    CHECK(token->expires_at == e.now + 3600s);
  }
}

TEST_CASE("token endpoint: answers that are refused") {
  Exchange e;
  SECTION("no access_token") {
    e.transport->add(200, R"({"token_type":"Bearer","expires_in":3600})");
    REQUIRE_CODE(e.run(), ErrorCode::BadResponse);
  }
  SECTION("not JSON") {
    e.transport->add(200, "<html>captive portal</html>");
    REQUIRE_CODE(e.run(), ErrorCode::BadResponse);
  }
  SECTION("a token type other than Bearer") {
    e.transport->add(200, R"({"access_token":"tok-abcdef","token_type":"MAC"})");
    REQUIRE_CODE(e.run(), ErrorCode::Unsupported);
  }
}

TEST_CASE("token endpoint: OAuth errors map to codes and are not retried") {
  struct Case {
    int status;
    const char* body;
    ErrorCode code;
    const char* provider_code;
  };
  const Case cases[] = {
      {400, R"({"error":"invalid_grant","error_description":"Bad Request"})", ErrorCode::Unauthenticated,
       "invalid_grant"},
      {401, R"({"error":"invalid_client","error_description":"The OAuth client was not found."})",
       ErrorCode::Unauthenticated, "invalid_client"},
      {401, R"({"error":"unauthorized_client"})", ErrorCode::PermissionDenied, "unauthorized_client"},
      {400, R"({"error":"invalid_scope","error_description":"Invalid OAuth scope"})", ErrorCode::InvalidArgument,
       "invalid_scope"},
      {400, R"({"error":"unsupported_grant_type"})", ErrorCode::Unsupported, "unsupported_grant_type"},
      {400, R"({"error":{"code":400,"message":"Invalid JWT","status":"INVALID_ARGUMENT"}})", ErrorCode::InvalidArgument,
       "INVALID_ARGUMENT"},
      {404, "<html>not here</html>", ErrorCode::NotFound, ""},
  };
  for (const Case& c : cases) {
    CAPTURE(c.body);
    Exchange e;
    e.transport->add(c.status, c.body);
    Result<AccessToken> token = e.run();
    REQUIRE_CODE(token, c.code);
    CHECK(token.status().provider_code() == c.provider_code);
    CHECK(token.status().http_status() == c.status);
    CHECK(e.transport->urls.size() == 1);
  }
  SECTION("invalid_grant asks for re-authorisation") {
    Exchange e;
    e.transport->add(400, cases[0].body);
    Result<AccessToken> token = e.run();
    CHECK(token.status().message().find("Re-authorise the integration") != std::string::npos);
    CHECK(token.status().message().find("invalid_grant: Bad Request") != std::string::npos);
  }
}

TEST_CASE("token endpoint: 5xx and 429 are retried") {
  Exchange e;
  e.transport->add(500, "oops");
  e.transport->add(429, R"({"error":"rate_limit_exceeded"})", {{"Retry-After", "0"}});
  e.transport->add(502, "bad gateway");
  e.transport->add(200, R"({"access_token":"tok-abcdef","expires_in":3600})");
  Result<AccessToken> token = e.run();
  REQUIRE_OK(token);
  CHECK(e.transport->urls.size() == 4);
}

TEST_CASE("token endpoint: settings refused up front") {
  REQUIRE_CODE(make_refresh_token_source({"id", "secret", "refresh-token-value"},
                                         TokenEndpointOptions{"ftp://example.com/token", nullptr, {}}),
               ErrorCode::InvalidArgument);
  REQUIRE_CODE(make_refresh_token_source({"id", "secret", "refresh-token-value"},
                                         TokenEndpointOptions{"not a url", nullptr, {}}),
               ErrorCode::InvalidArgument);
  REQUIRE_CODE(make_refresh_token_source({"id", "secret", ""}, {}), ErrorCode::Unauthenticated);
  REQUIRE_CODE(make_refresh_token_source({"", "secret", "refresh-token-value"}, {}), ErrorCode::InvalidArgument);
}

namespace {

/// The iat claim of the assertion in a token request's form body.
TimePoint assertion_iat(const std::string& form) {
  size_t start = form.find("assertion=");
  REQUIRE(start != std::string::npos);
  std::string assertion = form.substr(start + 10, form.find('&', start) - start - 10);
  size_t dot = assertion.find('.');
  std::string claims = assertion.substr(dot + 1, assertion.find('.', dot + 1) - dot - 1);
  for (char& c : claims) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (claims.size() % 4 != 0) claims += '=';
  Result<std::string> json = base64_decode(claims);
  REQUIRE_OK(json);
  Result<rapidjson::Document> doc = parse_json(*json, "claims");
  REQUIRE_OK(doc);
  Result<std::optional<int64_t>> iat = json_int(*doc, "iat", "claims");
  REQUIRE_OK(iat);
  REQUIRE(iat->has_value());
  return from_unix_nanos(**iat * 1'000'000'000);
}

// A token authority an hour ahead of this machine: like Google, it refuses an
// assertion whose iat is more than a few minutes from its own time, with
// invalid_grant, and says its time in Date (unless told not to).
class SkewCheckingAuthority final : public http::Transport {
 public:
  explicit SkewCheckingAuthority(TimePoint server_now) : server_now_(server_now) {}
  Result<http::Response> send(const http::Request& request, ByteSink* /*sink*/, const OpContext& /*ctx*/) override {
    std::string form;
    REQUIRE(request.body != nullptr);
    char buf[4096];
    for (;;) {
      Result<size_t> n = request.body->read(std::span<char>(buf, sizeof buf));
      REQUIRE_OK(n);
      if (*n == 0) break;
      form.append(buf, *n);
    }
    iats.push_back(assertion_iat(form));
    http::Response r;
    if (send_date) r.headers.set("Date", format_http_date(server_now_));
    if (std::chrono::abs(iats.back() - server_now_) > 5min) {
      r.status = 400;
      r.body = R"({"error":"invalid_grant","error_description":"Invalid JWT: Token must be a short-lived token )"
               R"((60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim."})";
      return r;
    }
    r.status = 200;
    r.body = R"({"access_token":"token-from-the-authority","expires_in":3600,"token_type":"Bearer"})";
    return r;
  }
  std::vector<TimePoint> iats;
  bool send_date = true;

 private:
  TimePoint server_now_;
};

}  // namespace

TEST_CASE("service account: an assertion refused for its time is dated by the authority's clock", "[skew]") {
  const TimePoint server_now = now_utc();
  auto authority = std::make_shared<SkewCheckingAuthority>(server_now);
  const std::string token_uri = "http://authority.test/token";
  TokenEndpointOptions endpoint;
  endpoint.transport = authority;
  endpoint.retry = test::quick_retry_policy();
  TokenCacheOptions cache;
  cache.clock = [] { return now_utc() - 1h; };  // this machine is an hour late
  ServiceAccountOptions options;
  options.scopes = {std::string(kDriveReadonlyScope)};

  SECTION("learned once, then every assertion is dated right") {
    Result<std::shared_ptr<TokenProvider>> provider =
        make_service_account_provider(test::vector_service_account(token_uri), options, endpoint, cache);
    REQUIRE_OK(provider);
    Result<AccessToken> token = (*provider)->token({});
    REQUIRE_OK(token);
    CHECK(token->value == "token-from-the-authority");
    REQUIRE(authority->iats.size() == 2);
    CHECK(std::chrono::abs(authority->iats[0] - (server_now - 1h)) < 1min);
    CHECK(std::chrono::abs(authority->iats[1] - server_now) < 1min);
    // A refresh signs with the corrected clock at once.
    REQUIRE_OK((*provider)->refresh({}, token->value));
    REQUIRE(authority->iats.size() == 3);
    CHECK(std::chrono::abs(authority->iats[2] - server_now) < 1min);
  }
  SECTION("a refusal that does not say the authority's time is reported, not repeated") {
    authority->send_date = false;
    Result<std::shared_ptr<TokenProvider>> provider =
        make_service_account_provider(test::vector_service_account(token_uri), options, endpoint, cache);
    REQUIRE_OK(provider);
    Result<AccessToken> token = (*provider)->token({});
    REQUIRE_CODE(token, ErrorCode::Unauthenticated);
    CHECK(token.status().provider_code() == "invalid_grant");
    CHECK(authority->iats.size() == 1);
  }
}

}  // namespace cloudsync::auth
