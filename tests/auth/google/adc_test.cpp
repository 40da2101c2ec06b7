// Application Default Credentials and the credential files they find, each
// against a stand-in that checks what it is sent: the GCE metadata server, STS
// token exchange, IAM impersonation and a URL-sourced subject token
// (tests/peers/google_credentials_standin.py), and authorized_user against the
// OAuth2 token server. Expiry is shown with a manual clock: a token past its
// lifetime is replaced by a new request to the authority.
#include <chrono>
#include <fmt/format.h>

#include "auth/google/credentials_file.hpp"
#include "auth/google/default_credentials.hpp"
#include "auth/google/google_auth_fixture.hpp"
#include "auth/google/google_endpoints.hpp"
#include "auth/oauth/bearer_authorizer.hpp"
#include "core/redact.hpp"
#include "support/google_standin.hpp"

namespace cloudsync::auth {

using namespace std::chrono_literals;

namespace {

constexpr const char* kClientSecret = "GOCSPX-adc-client-secret-0123456789";
constexpr const char* kRefreshToken = "1//adc-refresh-token-0123456789";
constexpr const char* kAudience =
    "//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/pool/providers/standin";
constexpr const char* kJwtType = "urn:ietf:params:oauth:token-type:jwt";

GoogleAuthSettings drive_settings() {
  GoogleAuthSettings settings;
  settings.scopes = {std::string(kDriveScope)};
  settings.retry = test::quick_retry_policy();
  return settings;
}

std::string authorized_user_json(const std::string& token_uri, const std::string& quota_project = "") {
  return fmt::format(R"({{"type":"authorized_user","client_id":"1234567890-abc.apps.googleusercontent.com",)"
                     R"("client_secret":"{}","refresh_token":"{}","token_uri":"{}"{}}})",
                     kClientSecret, kRefreshToken, token_uri,
                     quota_project.empty() ? "" : fmt::format(R"(,"quota_project_id":"{}")", quota_project));
}

/// An external_account file whose subject token comes from `credential_source` (JSON).
std::string external_account_json(const std::string& credential_source, bool impersonate) {
  const std::string base = test::google_standin().url();
  return fmt::format(
      R"({{"type":"external_account","audience":"{}","subject_token_type":"{}","token_url":"{}/sts/v1/token",)"
      R"("credential_source":{}{}}})",
      kAudience, kJwtType, base, credential_source,
      impersonate ? fmt::format(R"(,"service_account_impersonation_url":"{}/iam/v1/projects/-/serviceAccounts/)"
                                R"(sa@proj.iam.gserviceaccount.com:generateAccessToken")",
                                base)
                  : "");
}

void configure(const std::string& subject_token, int expires_in = 3600, const std::string& header = "",
               bool impostor = false) {
  test::configure_google_standin(
      fmt::format(R"({{"audience":"{}","subject_tokens":["{}"],"expires_in":{},"subject_header":"{}","impostor":{}}})",
                  kAudience, subject_token, expires_in, header, impostor ? "true" : "false"));
}

std::string scope_seen(const char* endpoint) {
  rapidjson::Document stats = test::google_standin_stats();
  return stats["scopes"].HasMember(endpoint) ? stats["scopes"][endpoint].GetString() : "";
}

/// The credentials behind a cache on `clock`.
std::shared_ptr<TokenProvider> cached(GoogleCredentials credentials, const test::ManualClock& clock) {
  TokenCacheOptions cache;
  cache.clock = clock.function();
  return std::make_shared<CachingTokenProvider>(std::move(credentials.source), std::move(cache));
}

GoogleCredentials from_json(const std::string& json, const GoogleAuthSettings& settings = drive_settings()) {
  Result<GoogleCredentials> credentials = google_credentials_from_json(json, "'test credentials'", settings);
  REQUIRE_OK(credentials);
  return std::move(credentials).value();
}

AccessToken token_of(TokenProvider& provider) {
  Result<AccessToken> token = provider.token({});
  REQUIRE_OK(token);
  return *token;
}

}  // namespace

TEST_CASE("ADC metadata server: Metadata-Flavor both ways, the scopes asked for, refreshed at expiry") {
  const std::string host = test::google_standin_host();
  test::AdcEnvironment env(host);
  configure("unused", 3600);
  test::ManualClock clock;
  Result<GoogleCredentials> found = find_default_credentials(drive_settings(), {}, {});
  REQUIRE_OK(found);
  auto provider = cached(std::move(found).value(), clock);
  const int64_t before = test::google_standin_requests("metadata_token");

  AccessToken first = token_of(*provider);
  CHECK(first.value == test::google_standin_last_token());
  CHECK(first.value.starts_with("valid-token-1"));
  CHECK(scope_seen("metadata") == std::string(kDriveScope));
  CHECK(token_of(*provider).value == first.value);  // cached
  CHECK(test::google_standin_requests("metadata_token") == before + 1);

  clock.advance(3600s);
  AccessToken second = token_of(*provider);
  CHECK(second.value != first.value);
  CHECK(test::google_standin_requests("metadata_token") == before + 2);

  SECTION("an answer without Metadata-Flavor: Google is refused") {
    configure("unused", 3600, "", true);
    clock.advance(3600s);
    Result<AccessToken> refused = provider->token({});
    Status detected = detect_metadata_server({}, {});
    configure("unused");
    REQUIRE_CODE(refused, ErrorCode::BadResponse);
    CHECK(refused.status().message().find("Metadata-Flavor") != std::string::npos);
    REQUIRE_CODE(detected, ErrorCode::BadResponse);
  }
}

TEST_CASE("ADC: nothing found names each method and why, quickly") {
  test::AdcEnvironment env;  // the metadata server's port refuses connections
  const auto start = std::chrono::steady_clock::now();
  Result<GoogleCredentials> none = find_default_credentials(drive_settings(), {}, {});
  CHECK(std::chrono::steady_clock::now() - start < 3s);
  REQUIRE_CODE(none, ErrorCode::Unauthenticated);
  const std::string message = none.status().message();
  CHECK(message.find("GOOGLE_APPLICATION_CREDENTIALS is not set") != std::string::npos);
  CHECK(message.find((env.gcloud_dir() / "application_default_credentials.json").string()) != std::string::npos);
  CHECK(message.find("gcloud auth application-default login") != std::string::npos);
  CHECK(message.find("not on Google Cloud") != std::string::npos);

  SECTION("without the metadata server, it is not asked") {
    DefaultCredentialsOptions options;
    options.use_metadata_server = false;
    Result<GoogleCredentials> skipped = find_default_credentials(drive_settings(), options, {});
    REQUIRE_CODE(skipped, ErrorCode::Unauthenticated);
    CHECK(skipped.status().message().find("was not asked") != std::string::npos);
  }
}

TEST_CASE("ADC: the file locations, in google-auth's order") {
  const std::string oauth = test::oauth_token_uri();  // peers start before HOME moves (npm reads it)
  test::AdcEnvironment env;
  test::ManualClock clock;

  SECTION("~/.config/gcloud/application_default_credentials.json (authorized_user), refreshed at expiry") {
    std::filesystem::create_directories(env.gcloud_dir());
    test::write_file(env.gcloud_dir() / "application_default_credentials.json",
                     authorized_user_json(oauth, "billing-project"));
    Result<GoogleCredentials> found = find_default_credentials(drive_settings(), {}, {});
    REQUIRE_OK(found);
    CHECK(found->quota_project_id == "billing-project");
    auto provider = cached(std::move(found).value(), clock);
    const int64_t before = test::oauth_token_requests("refresh_token");
    AccessToken first = token_of(*provider);
    CHECK(token_of(*provider).value == first.value);
    CHECK(test::oauth_token_requests("refresh_token") == before + 1);
    clock.advance(3600s);
    CHECK(token_of(*provider).value != first.value);
    CHECK(test::oauth_token_requests("refresh_token") == before + 2);
  }
  SECTION("CLOUDSDK_CONFIG replaces ~/.config/gcloud") {
    test::TempDir config;
    test::ScopedEnv config_env("CLOUDSDK_CONFIG", config.path().c_str());
    test::write_file(config / "application_default_credentials.json", authorized_user_json(oauth));
    test::ScopedEnv quota("GOOGLE_CLOUD_QUOTA_PROJECT", "quota-from-the-environment");
    Result<GoogleCredentials> found = find_default_credentials(drive_settings(), {}, {});
    REQUIRE_OK(found);
    CHECK(found->quota_project_id == "quota-from-the-environment");
    CHECK(well_known_credentials_file() == config / "application_default_credentials.json");
    auto provider = cached(std::move(found).value(), clock);
    CHECK_FALSE(token_of(*provider).value.empty());
  }
  SECTION("GOOGLE_APPLICATION_CREDENTIALS comes first, and a broken one is an error, not a reason to move on") {
    std::filesystem::create_directories(env.gcloud_dir());
    test::write_file(env.gcloud_dir() / "application_default_credentials.json", authorized_user_json(oauth));
    test::TempDir dir;
    test::write_file(dir / "other.json", R"({"type":"gdch_service_account","private_key":"x"})");
    test::ScopedEnv named("GOOGLE_APPLICATION_CREDENTIALS", (dir / "other.json").c_str());
    Result<GoogleCredentials> found = find_default_credentials(drive_settings(), {}, {});
    REQUIRE_CODE(found, ErrorCode::InvalidArgument);
    CHECK(found.status().message().find("GOOGLE_APPLICATION_CREDENTIALS") != std::string::npos);
    CHECK(found.status().message().find("'gdch_service_account' are not supported") != std::string::npos);
  }
}

TEST_CASE("external_account: a file-sourced subject token exchanged at STS, re-read at each refresh") {
  test::TempDir dir;
  test::write_file(dir / "token.jwt", "subject-token-one\n");
  configure("subject-token-one");
  test::ManualClock clock;
  auto provider = cached(
      from_json(external_account_json(fmt::format(R"({{"file":"{}"}})", (dir / "token.jwt").string()), false)), clock);
  AccessToken first = token_of(*provider);
  CHECK(first.value.starts_with("valid-token-2"));  // issued by STS
  CHECK(first.value == test::google_standin_last_token());
  CHECK(scope_seen("sts") == std::string(kDriveScope));

  // The token file is rotated; the old subject token is no longer accepted.
  test::write_file(dir / "token.jwt", "subject-token-two");
  configure("subject-token-two");
  clock.advance(3600s);
  AccessToken second = token_of(*provider);
  CHECK(second.value != first.value);

  SECTION("a subject token STS refuses: Unauthenticated, and the token is in no message") {
    test::write_file(dir / "token.jwt", "subject-token-that-sts-refuses");
    clock.advance(3600s);
    Result<AccessToken> refused = provider->token({});
    REQUIRE_CODE(refused, ErrorCode::Unauthenticated);
    CHECK(refused.status().provider_code() == "invalid_grant");
    CHECK(refused.status().to_string().find("subject-token-that-sts-refuses") == std::string::npos);
  }
}

TEST_CASE("external_account: a URL-sourced JSON subject token, then impersonation of a service account") {
  configure("subject-token-from-url", 3600, "X-Identity: workload");
  test::ManualClock clock;
  const std::string source =
      fmt::format(R"({{"url":"{}/subject-token?format=json","headers":{{"X-Identity":"workload"}},)"
                  R"("format":{{"type":"json","subject_token_field_name":"id_token"}}}})",
                  test::google_standin().url());
  auto provider = cached(from_json(external_account_json(source, true)), clock);
  const int64_t subject_before = test::google_standin_requests("subject_token");
  const int64_t iam_before = test::google_standin_requests("iam");
  AccessToken token = token_of(*provider);
  CHECK(token.value.starts_with("valid-token-3"));  // issued by IAM
  CHECK(token.value == test::google_standin_last_token());
  CHECK(scope_seen("sts") == std::string(kCloudPlatformScope));  // what impersonation needs
  CHECK(scope_seen("iam") == std::string(kDriveScope));
  CHECK(test::google_standin_requests("subject_token") == subject_before + 1);
  // expireTime (whole seconds) is about an hour away.
  CHECK(token.expires_at > std::chrono::system_clock::now() + 3500s);

  clock.advance(3600s);
  CHECK(token_of(*provider).value != token.value);
  CHECK(test::google_standin_requests("iam") == iam_before + 2);

  SECTION("without the header the URL wants, the subject token is refused") {
    configure("subject-token-from-url", 3600, "X-Identity: someone-else");
    clock.advance(3600s);
    Result<AccessToken> refused = provider->token({});
    REQUIRE_CODE(refused, ErrorCode::Unauthenticated);
    CHECK(refused.status().message().find("subject token") != std::string::npos);
  }
}

TEST_CASE("credential files: what is not supported, and broken files, say so without secrets") {
  const std::string base = test::google_standin().url();
  auto message_of = [](const std::string& json) {
    Result<GoogleCredentials> r = google_credentials_from_json(json, "'creds.json'", drive_settings());
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().find("'creds.json'") != std::string::npos);
    return std::make_pair(r.status().code(), r.status().to_string());
  };
  auto executable = message_of(
      R"({"type":"external_account","audience":"a","subject_token_type":"t","token_url":"http://127.0.0.1:1/",)"
      R"("credential_source":{"executable":{"command":"/bin/true"}}})");
  CHECK(executable.first == ErrorCode::Unsupported);
  CHECK(executable.second.find("credential_source.executable") != std::string::npos);
  auto aws = message_of(
      R"({"type":"external_account","audience":"a","subject_token_type":"t","token_url":"http://127.0.0.1:1/",)"
      R"("credential_source":{"environment_id":"aws1","region_url":"http://169.254.169.254"}})");
  CHECK(aws.first == ErrorCode::Unsupported);
  CHECK(aws.second.find("AWS-sourced") != std::string::npos);
  CHECK(aws.second.find("aws1") != std::string::npos);
  auto unknown = message_of(R"({"type":"external_account_authorized_user"})");
  CHECK(unknown.first == ErrorCode::InvalidArgument);
  CHECK(unknown.second.find("'external_account_authorized_user'") != std::string::npos);
  auto no_type = message_of(R"({"client_id":"x"})");
  CHECK(no_type.second.find("no \"type\"") != std::string::npos);

  // Secrets of a file that fails are registered before the failure.
  auto broken = message_of(authorized_user_json("ftp://nowhere/token"));
  CHECK(broken.first == ErrorCode::InvalidArgument);
  CHECK(broken.second.find(kClientSecret) == std::string::npos);
  CHECK(broken.second.find(kRefreshToken) == std::string::npos);
  CHECK(redact(std::string("x ") + kRefreshToken).find(kRefreshToken) == std::string::npos);
}

TEST_CASE("impersonated_service_account: an authorized_user source impersonating through IAM") {
  // The stand-in's IAM accepts only tokens its STS issued; an authorized_user
  // token from the OAuth2 server is refused, which shows the source's token is
  // the bearer of the impersonation request.
  const std::string json =
      fmt::format(R"({{"type":"impersonated_service_account","service_account_impersonation_url":)"
                  R"("{}/iam/v1/projects/-/serviceAccounts/sa@proj.iam.gserviceaccount.com:generateAccessToken",)"
                  R"("delegates":[],"source_credentials":{}}})",
                  test::google_standin().url(), authorized_user_json(test::oauth_token_uri()));
  test::ManualClock clock;
  auto provider = cached(from_json(json), clock);
  const int64_t before = test::google_standin_requests("iam");
  Result<AccessToken> token = provider->token({});
  REQUIRE_CODE(token, ErrorCode::Unauthenticated);
  CHECK(test::google_standin_requests("iam") == before + 1);
  CHECK(token.status().message().find("generateAccessToken") != std::string::npos);
}

TEST_CASE("a quota project goes on every authorised request as x-goog-user-project") {
  auto tokens = std::make_shared<StaticTokenProvider>(AccessToken{"valid-token-quota", TimePoint::max(), {}});
  http::Headers fixed;
  fixed.set("x-goog-user-project", "billing-project");
  BearerAuthorizer authorizer(tokens, fixed);
  for (uint32_t attempt : {1u, 2u}) {
    http::Request request;
    REQUIRE_OK(authorizer.authorize(request, attempt, {}));
    CHECK(request.headers.get("x-goog-user-project").value_or("") == "billing-project");
    CHECK(request.headers.get("Authorization").value_or("") == "Bearer valid-token-quota");
  }
}

}  // namespace cloudsync::auth
