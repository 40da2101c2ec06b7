#include "auth/google/service_account.hpp"

#include <openssl/crypto.h>

#include <cstdlib>

#include "core/error.hpp"
#include "core/file_io.hpp"
#include "core/json.hpp"
#include "core/redact.hpp"

namespace cloudsync::auth {
namespace {

constexpr std::string_view kJwtBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer";
constexpr size_t kMaxKeyFileBytes = 1 << 20;
constexpr std::string_view kWhat = "service-account key";

std::string join_scopes(const std::vector<std::string>& scopes) {
  std::string out;
  for (const std::string& scope : scopes) {
    if (!out.empty()) out += ' ';
    out += scope;
  }
  return out;
}

Status check_options(const ServiceAccountOptions& options) {
  if (options.scopes.empty())
    return make_error(ErrorCode::InvalidArgument, "a service account needs at least one scope");
  for (const std::string& scope : options.scopes) {
    if (scope.empty() || scope.find_first_of(" \t\r\n") != std::string::npos) {
      return make_error(ErrorCode::InvalidArgument, "scope '{}' is empty or contains whitespace", scope);
    }
  }
  if (options.lifetime <= std::chrono::seconds(0) || options.lifetime > kMaxAssertionLifetime) {
    return make_error(ErrorCode::InvalidArgument, "the assertion lifetime must be 1 to {} s, not {} s",
                      kMaxAssertionLifetime.count(), options.lifetime.count());
  }
  return Status::OK();
}

Result<std::string> required_string(const rapidjson::Value& doc, const char* field) {
  CLOUDSYNC_ASSIGN_OR_RETURN(std::optional<std::string> value, json_string(doc, field, kWhat));
  if (!value || value->empty()) return make_error(ErrorCode::InvalidArgument, "{} has no \"{}\"", kWhat, field);
  return std::move(*value);
}

std::string optional_string(const rapidjson::Value& doc, const char* field) {
  Result<std::optional<std::string>> value = json_string(doc, field, kWhat);
  return value.ok() && value->has_value() ? **value : std::string();
}

class ServiceAccountSource final : public TokenSource {
 public:
  ServiceAccountSource(ServiceAccountKey key, ServiceAccountOptions options, TokenEndpointOptions endpoint,
                       std::function<TimePoint()> local_clock)
      : key_(std::move(key)),
        options_(std::move(options)),
        endpoint_(std::move(endpoint)),
        clock_(std::make_shared<http::ServerClock>(std::move(local_clock))) {}

  Result<AccessToken> fetch(const OpContext& ctx, TimePoint now) override {
    // The assertion is dated by the authority's corrected clock, and made
    // again if the authority's answer shows that clock had to be corrected.
    auto form_at = [&](const http::ServerClock& clock) -> Result<FormFields> {
      CLOUDSYNC_ASSIGN_OR_RETURN(std::string assertion, make_service_account_assertion(
                                                            key_, options_, endpoint_.token_uri, clock.correct(now)));
      return FormFields{{std::string("grant_type"), std::string(kJwtBearerGrant)}, {"assertion", std::move(assertion)}};
    };
    TokenRequest request;
    CLOUDSYNC_ASSIGN_OR_RETURN(request.form, form_at(*clock_));
    request.make_form = form_at;
    request.clock = clock_;
    request.reauthorise_hint = fmt::format(
        "Re-authorise the integration with a current key of service account {} (the key may have been deleted or "
        "disabled{}), and check that the system clock is right",
        key_.client_email, options_.subject.empty() ? "" : ", or domain-wide delegation not granted for the subject");
    return request_token(endpoint_, request, now, ctx);
  }

  std::string describe() const override {
    return "service account " + key_.client_email + (options_.subject.empty() ? "" : " as " + options_.subject);
  }

 private:
  const ServiceAccountKey key_;
  const ServiceAccountOptions options_;
  const TokenEndpointOptions endpoint_;
  /// The authority's time, as its refusals correct it; shared by every fetch.
  const std::shared_ptr<http::ServerClock> clock_;
};

}  // namespace

Result<ServiceAccountKey> parse_service_account_key(std::string_view json_text) {
  CLOUDSYNC_ASSIGN_OR_RETURN(rapidjson::Document doc, parse_json(json_text, kWhat));
  if (!doc.IsObject()) return make_error(ErrorCode::InvalidArgument, "{} is not a JSON object", kWhat);
  const std::string pem = optional_string(doc, "private_key");
  register_secret(pem);  // before anything else can fail

  CLOUDSYNC_ASSIGN_OR_RETURN(std::string type, required_string(doc, "type"));
  if (type != "service_account") {
    return make_error(ErrorCode::InvalidArgument, "the credentials are of type '{}', not a service-account key{}", type,
                      type == "authorized_user" ? " (use their client_id, client_secret and refresh_token with the "
                                                  "refresh-token flow)"
                                                : "");
  }
  CLOUDSYNC_ASSIGN_OR_RETURN(std::string client_email, required_string(doc, "client_email"));
  if (pem.empty()) return make_error(ErrorCode::InvalidArgument, "{} has no \"private_key\"", kWhat);
  Result<RsaPrivateKey> private_key = RsaPrivateKey::from_pem(pem);
  if (!private_key.ok()) return private_key.status().with_context(kWhat);
  ServiceAccountKey key{std::move(client_email), optional_string(doc, "private_key_id"),
                        optional_string(doc, "token_uri"), optional_string(doc, "project_id"),
                        std::move(private_key).value()};
  return key;
}

Result<ServiceAccountKey> load_service_account_key(const std::filesystem::path& path) {
  std::filesystem::path file = path;
  if (file.empty()) {
    const char* env = std::getenv("GOOGLE_APPLICATION_CREDENTIALS");
    if (env == nullptr || *env == '\0') {
      return make_error(ErrorCode::Unauthenticated,
                        "no service-account key file given, and GOOGLE_APPLICATION_CREDENTIALS is not set");
    }
    file = env;
  }
  CLOUDSYNC_ASSIGN_OR_RETURN(std::string text, read_small_file(file, kMaxKeyFileBytes));
  Result<ServiceAccountKey> key = parse_service_account_key(text);
  OPENSSL_cleanse(text.data(), text.size());  // the parsed key lives in OpenSSL; drop this copy
  if (!key.ok()) return key.status().with_context(fmt::format("'{}'", file.string()));
  return key;
}

std::string assertion_header_json(const ServiceAccountKey& key, const ServiceAccountOptions& options) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  json_write_key(w, "alg");
  json_write_string(w, "RS256");
  json_write_key(w, "typ");
  json_write_string(w, "JWT");
  if (options.include_key_id && !key.private_key_id.empty()) {
    json_write_key(w, "kid");
    json_write_string(w, key.private_key_id);
  }
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string assertion_claims_json(const ServiceAccountKey& key, const ServiceAccountOptions& options,
                                  std::string_view audience, TimePoint issued_at) {
  const int64_t iat = std::chrono::floor<std::chrono::seconds>(issued_at.time_since_epoch()).count();
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  json_write_key(w, "iss");
  json_write_string(w, key.client_email);
  json_write_key(w, "scope");
  json_write_string(w, join_scopes(options.scopes));
  json_write_key(w, "aud");
  json_write_string(w, audience);
  json_write_key(w, "exp");
  w.Int64(iat + options.lifetime.count());
  json_write_key(w, "iat");
  w.Int64(iat);
  if (!options.subject.empty()) {
    json_write_key(w, "sub");
    json_write_string(w, options.subject);
  }
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

Result<std::string> make_service_account_assertion(const ServiceAccountKey& key, const ServiceAccountOptions& options,
                                                   std::string_view audience, TimePoint issued_at) {
  CLOUDSYNC_RETURN_IF_ERROR(check_options(options));
  return sign_jwt_rs256(key.private_key, assertion_header_json(key, options),
                        assertion_claims_json(key, options, audience, issued_at));
}

Result<std::unique_ptr<TokenSource>> make_service_account_source(ServiceAccountKey key, ServiceAccountOptions options,
                                                                 TokenEndpointOptions endpoint,
                                                                 std::function<TimePoint()> local_clock) {
  CLOUDSYNC_RETURN_IF_ERROR(check_options(options));
  const std::string flow_uri = key.token_uri.empty() ? std::string(kGoogleTokenUri) : key.token_uri;
  CLOUDSYNC_ASSIGN_OR_RETURN(TokenEndpointOptions resolved, resolve_token_endpoint(std::move(endpoint), flow_uri));
  return std::unique_ptr<TokenSource>(std::make_unique<ServiceAccountSource>(
      std::move(key), std::move(options), std::move(resolved), std::move(local_clock)));
}

Result<std::shared_ptr<TokenProvider>> make_service_account_provider(ServiceAccountKey key,
                                                                     ServiceAccountOptions options,
                                                                     TokenEndpointOptions endpoint,
                                                                     TokenCacheOptions cache) {
  // Assertions are dated by the cache's clock, as corrected by the authority.
  CLOUDSYNC_ASSIGN_OR_RETURN(
      std::unique_ptr<TokenSource> source,
      make_service_account_source(std::move(key), std::move(options), std::move(endpoint), cache.clock));
  return std::shared_ptr<TokenProvider>(std::make_shared<CachingTokenProvider>(std::move(source), std::move(cache)));
}

}  // namespace cloudsync::auth
