// Both Google flows against the OAuth2 token server of tests/peers (started by
// the tests), and through the fault proxy in front of it.
#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "auth/google/google_endpoints.hpp"
#include "auth/google/google_auth_fixture.hpp"
#include "auth/oauth/bearer_authorizer.hpp"
#include "auth/google/oauth2.hpp"
#include "http/client.hpp"
#include "core/hash.hpp"
#include "core/redact.hpp"
#include "core/time.hpp"

namespace cloudsync::auth {

using namespace std::chrono_literals;

namespace {

constexpr const char* kRefreshGrant = "refresh_token";
constexpr const char* kJwtBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer";

RefreshTokenCredentials user_credentials(std::string refresh_token = "1//refresh-token-of-alice") {
  return {"1234567890-abc.apps.googleusercontent.com", "GOCSPX-client-secret-of-the-app", std::move(refresh_token)};
}

TokenEndpointOptions endpoint(std::shared_ptr<http::Transport> transport, std::string token_uri = {}) {
  TokenEndpointOptions options;
  options.token_uri = std::move(token_uri);
  options.transport = std::move(transport);
  options.retry = test::quick_retry_policy();
  return options;
}

std::shared_ptr<TokenProvider> refresh_provider(std::shared_ptr<http::Transport> transport,
                                                TokenCacheOptions cache = {},
                                                RefreshTokenCredentials credentials = user_credentials()) {
  Result<std::shared_ptr<TokenProvider>> provider = make_refresh_token_provider(
      std::move(credentials), endpoint(std::move(transport), test::oauth_token_uri()), std::move(cache));
  REQUIRE_OK(provider);
  return *provider;
}

ServiceAccountKey key_for(const std::string& token_uri) { return test::vector_service_account(token_uri, "kid-42"); }

ServiceAccountOptions drive_scope() {
  ServiceAccountOptions options;
  options.scopes = {std::string(kDriveScope)};
  return options;
}

std::map<std::string, std::string> form_of(const std::string& body) {
  Result<std::vector<std::pair<std::string, std::string>>> pairs = http::parse_query(body);
  REQUIRE_OK(pairs);
  return {pairs->begin(), pairs->end()};
}

std::string resource_url() { return test::oauth_server().url() + "/__resource__"; }

void revoke_issued_tokens() {
  auto transport = http::make_curl_transport(test::fast_options());
  MemorySource empty("");
  http::Request request;
  request.method = "POST";
  request.url = test::oauth_server().url() + "/__revoke_tokens__";
  request.body = &empty;
  request.body_size = 0;
  Result<http::Response> r = transport->send(request, nullptr, {});
  REQUIRE_OK(r);
  REQUIRE(r->status == 200);
}

}  // namespace

TEST_CASE("refresh-token flow: a token from the token endpoint") {
  auto transport = test::body_recorder();
  const int64_t before = test::oauth_token_requests(kRefreshGrant);
  auto provider = refresh_provider(transport);
  Result<AccessToken> token = provider->token({});
  REQUIRE_OK(token);
  CHECK(token->value.rfind("valid-token-", 0) == 0);
  const auto lifetime = token->expires_at - now_utc();
  CHECK(lifetime > 3590s);
  CHECK(lifetime <= 3600s);

  // Cached: no second request.
  Result<AccessToken> again = provider->token({});
  REQUIRE_OK(again);
  CHECK(again->value == token->value);
  CHECK(test::oauth_token_requests(kRefreshGrant) == before + 1);

  // The request, as sent: a form POST with the four fields.
  REQUIRE(transport->count() == 1);
  const auto sent = transport->entries().front();
  CHECK(sent.method == "POST");
  CHECK(sent.url == test::oauth_token_uri());
  CHECK(form_of(sent.body) ==
        std::map<std::string, std::string>{{"grant_type", "refresh_token"},
                                           {"client_id", "1234567890-abc.apps.googleusercontent.com"},
                                           {"client_secret", "GOCSPX-client-secret-of-the-app"},
                                           {"refresh_token", "1//refresh-token-of-alice"}});
  CHECK(sent.body.find("refresh_token=1%2F%2Frefresh-token-of-alice") != std::string::npos);
}

TEST_CASE("refresh-token flow: a revoked refresh token is Unauthenticated invalid_grant, not retried") {
  auto transport = test::body_recorder();
  auto provider = refresh_provider(transport, {}, user_credentials("revoked-refresh-token"));
  Result<AccessToken> token = provider->token({});
  REQUIRE_CODE(token, ErrorCode::Unauthenticated);
  const Status& status = token.status();
  CHECK(status.provider_code() == "invalid_grant");
  CHECK(status.http_status() == 400);
  CHECK(status.message().find("Token has been expired or revoked") != std::string::npos);
  CHECK(status.message().find("Re-authorise the integration") != std::string::npos);
  CHECK(transport->count() == 1);
  CHECK(status.message().find("revoked-refresh-token") == std::string::npos);
}

TEST_CASE("refresh-token flow: expiry-driven refresh against the server") {
  test::ManualClock clock;
  auto transport = test::body_recorder();
  TokenCacheOptions cache;
  cache.clock = clock.function();
  auto provider = refresh_provider(transport, cache);
  Result<AccessToken> first = provider->token({});
  REQUIRE_OK(first);
  clock.advance(3600s - 310s);
  Result<AccessToken> still = provider->token({});
  REQUIRE_OK(still);
  CHECK(still->value == first->value);
  CHECK(transport->count() == 1);
  clock.advance(20s);  // 290 s left
  Result<AccessToken> refreshed = provider->token({});
  REQUIRE_OK(refreshed);
  CHECK(refreshed->value != first->value);
  CHECK(transport->count() == 2);
  CHECK(refreshed->expires_at - clock.now() > 3590s);
}

TEST_CASE("refresh-token flow: concurrent callers cause exactly one token request") {
  // Each request waits 300 ms before it goes out, so the callers overlap.
  auto transport = test::body_recorder(300ms);
  test::ManualClock clock;
  TokenCacheOptions cache;
  cache.clock = clock.function();
  auto provider = refresh_provider(transport, cache);
  const int64_t before = test::oauth_token_requests(kRefreshGrant);

  // The distinct tokens 8 simultaneous callers got (none may fail).
  auto run = [&](const std::function<Result<AccessToken>()>& call) {
    std::vector<std::string> values(8);
    test::run_together(8, [&](int i) {
      Result<AccessToken> t = call();
      if (t.ok()) values[static_cast<size_t>(i)] = t->value;
    });
    CHECK(std::count(values.begin(), values.end(), "") == 0);
    return std::set<std::string>(values.begin(), values.end());
  };

  std::set<std::string> first = run([&] { return provider->token({}); });
  REQUIRE(first.size() == 1);
  CHECK(transport->count() == 1);

  clock.advance(4000s);  // expired: everybody needs a new one
  std::set<std::string> second = run([&] { return provider->token({}); });
  REQUIRE(second.size() == 1);
  CHECK(*second.begin() != *first.begin());
  CHECK(transport->count() == 2);

  const std::string rejected = *second.begin();
  std::set<std::string> third = run([&] { return provider->refresh({}, rejected); });
  REQUIRE(third.size() == 1);
  CHECK(*third.begin() != rejected);
  CHECK(transport->count() == 3);
  CHECK(test::oauth_token_requests(kRefreshGrant) == before + 3);
}

namespace {

// The API behind the token server, counting its calls (or answering 401 to all).
class CountingApi final : public http::Transport {
 public:
  Result<http::Response> send(const http::Request& request, ByteSink* sink, const OpContext& ctx) override {
    ++calls;
    if (always_401) {
      http::Response r;
      r.status = 401;
      return r;
    }
    return inner_->send(request, sink, ctx);
  }
  std::atomic<int> calls{0};
  bool always_401 = false;

 private:
  std::shared_ptr<http::Transport> inner_ = http::make_curl_transport(test::fast_options());
};

class StatusReader final : public http::AnswerReader {
 public:
  Status error(const http::Call& call, const http::Response& response, const http::SendInfo& /*info*/) override {
    return http::status_from_response(response, call.what, http::error_code_for_status(response.status), "", "", "");
  }
};

// A GET of the resource through the shared client, with `provider`'s tokens.
Result<http::Response> call_api(const std::shared_ptr<TokenProvider>& provider, std::shared_ptr<CountingApi> api) {
  http::Client client(http::Client::Settings{std::move(api), test::quick_retry_policy(),
                                             std::make_shared<BearerAuthorizer>(provider), nullptr, nullptr});
  http::Call call;
  call.url = resource_url();
  call.what = "GET resource";
  StatusReader reader;
  return client.send(call, reader, {});
}

}  // namespace

TEST_CASE("refresh-token flow: HTTP 401 from the API refreshes once and retries") {
  auto transport = test::body_recorder();
  auto provider = refresh_provider(transport);
  auto api = std::make_shared<CountingApi>();

  Result<http::Response> ok = call_api(provider, api);
  REQUIRE_OK(ok);
  CHECK(ok->status == 200);
  CHECK(api->calls == 1);
  CHECK(transport->count() == 1);

  SECTION("one caller") {
    revoke_issued_tokens();  // the server now rejects the cached token
    Result<http::Response> recovered = call_api(provider, api);
    REQUIRE_OK(recovered);
    CHECK(recovered->status == 200);
    CHECK(api->calls == 3);  // 401, then 200 with the new token
    CHECK(transport->count() == 2);
    Result<AccessToken> current = provider->token({});
    REQUIRE_OK(current);
    CHECK(recovered->body.find(current->value) != std::string::npos);
  }
  SECTION("several callers share one refresh") {
    revoke_issued_tokens();
    std::atomic<int> successes{0};
    test::run_together(6, [&](int) {
      Result<http::Response> r = call_api(provider, api);
      if (r.ok() && r->status == 200) ++successes;
    });
    CHECK(successes == 6);
    CHECK(transport->count() == 2);
  }
  SECTION("a second 401 is the answer, not looped on") {
    api->always_401 = true;
    Result<http::Response> r = call_api(provider, api);
    REQUIRE_CODE(r, ErrorCode::Unauthenticated);
    CHECK(r.status().http_status() == 401);
    CHECK(api->calls == 3);
    CHECK(transport->count() == 2);
  }
  SECTION("a revoked grant surfaces as Unauthenticated invalid_grant") {
    auto revoked = refresh_provider(transport, {}, user_credentials("revoked-refresh-token"));
    Result<http::Response> r = call_api(revoked, api);
    REQUIRE_CODE(r, ErrorCode::Unauthenticated);
    CHECK(r.status().provider_code() == "invalid_grant");
    CHECK(api->calls == 1);  // never called without a token
  }
}

TEST_CASE("service-account flow: the key file's token_uri, a verified assertion, a token") {
  auto transport = test::body_recorder();
  const int64_t before = test::oauth_token_requests(kJwtBearerGrant);
  // The token URI comes from the key file; nothing else points at the server.
  Result<std::shared_ptr<TokenProvider>> provider =
      make_service_account_provider(key_for(test::oauth_token_uri()), drive_scope(), endpoint(transport));
  REQUIRE_OK(provider);
  Result<AccessToken> token = (*provider)->token({});
  REQUIRE_OK(token);
  CHECK(token->value.rfind("valid-token-", 0) == 0);
  CHECK(test::oauth_token_requests(kJwtBearerGrant) == before + 1);

  REQUIRE(transport->count() == 1);
  const auto sent = transport->entries().front();
  CHECK(sent.url == test::oauth_token_uri());
  CHECK(sent.body.rfind("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=", 0) == 0);
  const std::string assertion = form_of(sent.body).at("assertion");
  // The claims the server checked, as sent.
  const std::string claims_b64 =
      assertion.substr(assertion.find('.') + 1, assertion.rfind('.') - assertion.find('.') - 1);
  std::string b64 = claims_b64;
  for (char& c : b64) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (b64.size() % 4 != 0) b64 += '=';
  Result<std::string> claims = base64_decode(b64);
  REQUIRE_OK(claims);
  CHECK(claims->find("\"aud\":\"" + test::oauth_token_uri() + "\"") != std::string::npos);
  CHECK(claims->find("\"scope\":\"https://www.googleapis.com/auth/drive\"") != std::string::npos);
  CHECK(redact(assertion) == "***");  // registered as a secret

  SECTION("domain-wide delegation adds sub; the server still accepts it") {
    ServiceAccountOptions options = drive_scope();
    options.subject = "alice@example.com";
    Result<std::shared_ptr<TokenProvider>> delegated =
        make_service_account_provider(key_for(test::oauth_token_uri()), options, endpoint(transport));
    REQUIRE_OK(delegated);
    REQUIRE_OK((*delegated)->token({}));
    CHECK(transport->entries().back().body.size() > sent.body.size());
  }
}

TEST_CASE("service-account flow: the endpoint override wins over the key file") {
  auto transport = test::body_recorder();
  Result<std::shared_ptr<TokenProvider>> provider = make_service_account_provider(
      key_for("https://oauth2.googleapis.com/token"), drive_scope(), endpoint(transport, test::oauth_token_uri()));
  REQUIRE_OK(provider);
  REQUIRE_OK((*provider)->token({}));
  REQUIRE(transport->count() == 1);
  CHECK(transport->entries().front().url == test::oauth_token_uri());
}

TEST_CASE("service-account flow: assertions the server refuses are Unauthenticated invalid_grant") {
  auto transport = test::body_recorder();
  SECTION("a clock far off (iat in the future) is corrected from the server's Date, once") {
    test::ManualClock clock;
    clock.advance(2h);
    TokenCacheOptions cache;
    cache.clock = clock.function();
    Result<std::shared_ptr<TokenProvider>> provider =
        make_service_account_provider(key_for(test::oauth_token_uri()), drive_scope(), endpoint(transport), cache);
    REQUIRE_OK(provider);
    test::LogCapture log(LogLevel::Warn);
    Result<AccessToken> token = (*provider)->token({});
    REQUIRE_OK(token);
    CHECK(transport->count() == 2);  // refused as "short-lived ... timeframe", then dated by the server's clock
    CHECK(log.joined().find("ahead of the server's") != std::string::npos);
    // The next assertion is dated right the first time.
    REQUIRE_OK((*provider)->refresh({}, token->value));
    CHECK(transport->count() == 3);
  }
  SECTION("an assertion from another issuer") {
    ServiceAccountKey other = key_for(test::oauth_token_uri());
    other.client_email = "someone-else@example-project.iam.gserviceaccount.com";
    Result<std::shared_ptr<TokenProvider>> provider =
        make_service_account_provider(other, drive_scope(), endpoint(transport));
    REQUIRE_OK(provider);
    Result<AccessToken> token = (*provider)->token({});
    REQUIRE_CODE(token, ErrorCode::Unauthenticated);
    CHECK(token.status().provider_code() == "invalid_grant");
    CHECK(token.status().message().find("system clock") != std::string::npos);
    CHECK(transport->count() == 1);
  }
  SECTION("an audience that is not the token URI") {
    // Signed for Google's endpoint, posted to the mock: aud does not match.
    auto account = key_for("https://oauth2.googleapis.com/token");
    Result<std::string> assertion =
        make_service_account_assertion(account, drive_scope(), "https://oauth2.googleapis.com/token", now_utc());
    REQUIRE_OK(assertion);
    TokenRequest request;
    request.form = {{"grant_type", kJwtBearerGrant}, {"assertion", *assertion}};
    Result<TokenEndpointOptions> resolved = resolve_token_endpoint(endpoint(transport), test::oauth_token_uri());
    REQUIRE_OK(resolved);
    Result<AccessToken> token = request_token(*resolved, request, now_utc(), {});
    REQUIRE_CODE(token, ErrorCode::Unauthenticated);
    CHECK(token.status().message().find("aud") != std::string::npos);
  }
}

TEST_CASE("secrets never reach log lines or error messages") {
  test::LogCapture log(LogLevel::Trace);
  auto transport = test::body_recorder();
  std::vector<std::string> messages;
  std::vector<std::string> secrets = {"GOCSPX-client-secret-of-the-app", "1//refresh-token-of-alice",
                                      "revoked-refresh-token"};

  auto provider = refresh_provider(transport);
  Result<AccessToken> user_token = provider->token({});
  REQUIRE_OK(user_token);
  secrets.push_back(user_token->value);
  Result<AccessToken> replaced = provider->refresh({}, user_token->value);
  REQUIRE_OK(replaced);
  secrets.push_back(replaced->value);

  auto revoked = refresh_provider(transport, {}, user_credentials("revoked-refresh-token"));
  Result<AccessToken> failure = revoked->token({});
  REQUIRE_CODE(failure, ErrorCode::Unauthenticated);
  messages.push_back(failure.status().to_string());

  Result<std::shared_ptr<TokenProvider>> account =
      make_service_account_provider(key_for(test::oauth_token_uri()), drive_scope(), endpoint(transport));
  REQUIRE_OK(account);
  Result<AccessToken> sa_token = (*account)->token({});
  REQUIRE_OK(sa_token);
  secrets.push_back(sa_token->value);
  secrets.push_back(form_of(transport->entries().back().body).at("assertion"));

  // Failing flows: a refused assertion, an unreachable endpoint, a broken key.
  ServiceAccountKey stranger = key_for(test::oauth_token_uri());
  stranger.client_email = "someone-else@example-project.iam.gserviceaccount.com";
  Result<std::shared_ptr<TokenProvider>> late =
      make_service_account_provider(stranger, drive_scope(), endpoint(transport));
  REQUIRE_OK(late);
  Result<AccessToken> refused = (*late)->token({});
  REQUIRE_CODE(refused, ErrorCode::Unauthenticated);
  messages.push_back(refused.status().to_string());
  secrets.push_back(form_of(transport->entries().back().body).at("assertion"));

  secrets.push_back("1//another-refresh-token-xyz");
  Result<std::unique_ptr<TokenSource>> nowhere = make_refresh_token_source(
      user_credentials("1//another-refresh-token-xyz"), endpoint(transport, "http://127.0.0.1:1/token"));
  REQUIRE_OK(nowhere);
  Result<AccessToken> network = (*nowhere)->fetch({}, now_utc());
  REQUIRE(!network.ok());
  messages.push_back(network.status().to_string());

  std::string broken = test::service_account_key_json(test::oauth_token_uri());
  broken.replace(broken.find("MIIEvQIBADAN"), 12, "%%%%%%%%%%%%");
  Result<ServiceAccountKey> bad_key = parse_service_account_key(broken);
  REQUIRE(!bad_key.ok());
  messages.push_back(bad_key.status().to_string());
  std::istringstream pem(test::vector_private_key_pem());
  for (std::string line; std::getline(pem, line);) {
    if (line.rfind("-----", 0) != 0 && line.size() >= 16) secrets.push_back(line);
  }

  const std::string text = log.joined();
  INFO(text);
  CHECK(text.find("fetching an access token") != std::string::npos);  // the flows did log
  CHECK(text.find("rejected the access token") != std::string::npos);
  for (const std::string& secret : secrets) {
    CAPTURE(secret);
    CHECK(text.find(secret) == std::string::npos);
    for (const std::string& message : messages) CHECK(message.find(secret) == std::string::npos);
    CHECK(redact("value " + secret) == "value ***");  // registered wherever it shows up later
  }
}

TEST_CASE("through the fault proxy: 503 then success is retried") {
  test::FaultProxy proxy(test::oauth_server().port());
  auto transport = test::body_recorder();
  const std::string proxied_token_uri = proxy.url() + "/token";

  SECTION("refresh-token flow") {
    const int64_t before = test::oauth_token_requests(kRefreshGrant);
    proxy.set_rule(R"({"status":503,"count":1,"match":"POST /token"})");
    Result<std::unique_ptr<TokenSource>> source =
        make_refresh_token_source(user_credentials(), endpoint(transport, proxied_token_uri));
    REQUIRE_OK(source);
    Result<AccessToken> token = (*source)->fetch({}, now_utc());
    REQUIRE_OK(token);
    CHECK(transport->count() == 2);
    CHECK(proxy.hits() == 1);
    CHECK(test::oauth_token_requests(kRefreshGrant) == before + 1);
  }
  SECTION("service-account flow (aud = the proxied URL the request went to)") {
    proxy.set_rule(R"({"status":503,"count":1,"match":"POST /token","retry_after":"0"})");
    Result<std::shared_ptr<TokenProvider>> provider =
        make_service_account_provider(key_for(proxied_token_uri), drive_scope(), endpoint(transport));
    REQUIRE_OK(provider);
    REQUIRE_OK((*provider)->token({}));
    CHECK(transport->count() == 2);
    CHECK(proxy.hits() == 1);
  }
  SECTION("invalid_grant after a 503 is not retried further") {
    proxy.set_rule(R"({"status":503,"count":1,"match":"POST /token"})");
    Result<std::unique_ptr<TokenSource>> source =
        make_refresh_token_source(user_credentials("revoked-refresh-token"), endpoint(transport, proxied_token_uri));
    REQUIRE_OK(source);
    Result<AccessToken> token = (*source)->fetch({}, now_utc());
    REQUIRE_CODE(token, ErrorCode::Unauthenticated);
    CHECK(token.status().provider_code() == "invalid_grant");
    CHECK(transport->count() == 2);
  }
  SECTION("an outage longer than the retry policy") {
    proxy.set_rule(R"({"status":503,"count":10,"match":"POST /token"})");
    Result<std::unique_ptr<TokenSource>> source =
        make_refresh_token_source(user_credentials(), endpoint(transport, proxied_token_uri));
    REQUIRE_OK(source);
    Result<AccessToken> token = (*source)->fetch({}, now_utc());
    REQUIRE_CODE(token, ErrorCode::Throttled);
    CHECK(token.status().http_status() == 503);
    CHECK(transport->count() == test::quick_retry_policy().max_attempts);
  }
}

}  // namespace cloudsync::auth
