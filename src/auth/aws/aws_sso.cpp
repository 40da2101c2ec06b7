#include "auth/aws/aws_sso.hpp"

#include "core/error.hpp"
#include "core/file_io.hpp"
#include "core/hash.hpp"
#include "core/json.hpp"
#include "core/redact.hpp"
#include "core/time.hpp"
#include "core/url.hpp"

namespace cloudsync::auth {

namespace {

constexpr size_t kMaxCacheFileBytes = 1 << 20;

// The CLI writes "2024-01-01T00:00:00Z"; older versions "2024-01-01T00:00:00UTC".
Result<TimePoint> parse_expires_at(std::string text) {
  if (text.ends_with("UTC")) text.replace(text.size() - 3, 3, "Z");
  return parse_rfc3339(text);
}

class SsoSource final : public AwsCredentialsSource {
 public:
  SsoSource(SsoProfile profile, AwsHttpSettings http) : profile_(std::move(profile)), http_(std::move(http)) {}

  Result<AwsCredentials> fetch(const OpContext& ctx, TimePoint now) override {
    CLOUDSYNC_ASSIGN_OR_RETURN(std::string token, cached_token(now));
    http::Call call;
    call.url = fmt::format("{}/federation/credentials?role_name={}&account_id={}", profile_.portal_url,
                           percent_encode(profile_.role_name), percent_encode(profile_.account_id));
    call.headers.set("x-amz-sso_bearer_token", token);
    call.headers.set("Accept", "application/json");
    call.what = "SSO GetRoleCredentials at " + profile_.portal_url;
    call.authorize = false;
    Result<http::Response> answer = send_credentials_request(http_, call, nullptr, ctx);
    if (!answer.ok()) {
      if (answer.status().code() == ErrorCode::Unauthenticated) {
        return Status(ErrorCode::Unauthenticated, answer.status().message())
            .with_context(
                fmt::format("{}: the SSO token was refused; run `{}`", profile_.description, profile_.login_command));
      }
      return answer.status().with_context(profile_.description);
    }
    CredentialFields fields{"accessKeyId", "secretAccessKey", "sessionToken", "expiration"};
    return credentials_from_json(answer->body, fields, "roleCredentials", call.what);
  }
  std::string describe() const override { return profile_.description; }

 private:
  Result<std::string> cached_token(TimePoint now) const {
    const std::filesystem::path file = sso_cache_file(profile_.cache_dir, profile_.cache_key);
    Result<std::string> text = read_small_file(file, kMaxCacheFileBytes);
    if (!text.ok()) {
      return make_error(ErrorCode::Unauthenticated, "{}: no SSO token in {}; run `{}`", profile_.description,
                        file.string(), profile_.login_command);
    }
    Result<rapidjson::Document> doc = parse_json(*text, file.string());
    if (!doc.ok() || !doc->IsObject()) {
      return make_error(ErrorCode::Unauthenticated, "{}: the SSO token cache {} is not a JSON object; run `{}`",
                        profile_.description, file.string(), profile_.login_command);
    }
    for (const char* secret : {"accessToken", "refreshToken", "clientSecret"}) {
      auto it = doc->FindMember(secret);
      if (it != doc->MemberEnd() && it->value.IsString()) register_secret(it->value.GetString());
    }
    Result<std::optional<std::string>> token = json_string(*doc, "accessToken", file.string());
    Result<std::optional<std::string>> expires = json_string(*doc, "expiresAt", file.string());
    if (!token.ok() || !*token || (*token)->empty() || !expires.ok() || !*expires) {
      return make_error(ErrorCode::Unauthenticated,
                        "{}: the SSO token cache {} has no accessToken and expiresAt; "
                        "run `{}`",
                        profile_.description, file.string(), profile_.login_command);
    }
    Result<TimePoint> expires_at = parse_expires_at(**expires);
    if (!expires_at.ok() || *expires_at <= now) {
      return make_error(ErrorCode::Unauthenticated, "{}: the SSO token expired{}{}; run `{}`", profile_.description,
                        expires_at.ok() ? " at " : "", expires_at.ok() ? format_rfc3339(*expires_at, 0) : "",
                        profile_.login_command);
    }
    return **token;
  }

  SsoProfile profile_;
  AwsHttpSettings http_;
};

}  // namespace

std::filesystem::path sso_cache_file(const std::filesystem::path& cache_dir, std::string_view cache_key) {
  return cache_dir / (sha1_hex(cache_key) + ".json");
}

std::unique_ptr<AwsCredentialsSource> make_sso_source(SsoProfile profile, AwsHttpSettings http) {
  return std::make_unique<SsoSource>(std::move(profile), std::move(http));
}

}  // namespace cloudsync::auth
