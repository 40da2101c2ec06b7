#include "auth/google/credentials_file.hpp"

#include <openssl/crypto.h>

#include <cstdlib>

#include "auth/google/external_account.hpp"
#include "auth/google/impersonation.hpp"
#include "auth/google/oauth2.hpp"
#include "auth/google/service_account.hpp"
#include "core/error.hpp"
#include "core/file_io.hpp"
#include "core/json.hpp"
#include "core/redact.hpp"

namespace cloudsync::auth {
namespace {

constexpr size_t kMaxCredentialsFileBytes = 1 << 20;

std::string json_text_of(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

// Before anything can fail: every secret field of every type, nested
// source_credentials included.
void register_file_secrets(const rapidjson::Value& object) {
  for (const char* field : {"private_key", "client_secret", "refresh_token"})
    register_secret(json_string_or_empty(object, field));
  auto nested = object.FindMember("source_credentials");
  if (nested != object.MemberEnd() && nested->value.IsObject()) register_file_secrets(nested->value);
}

Result<std::unique_ptr<TokenSource>> service_account_source(const rapidjson::Value& config,
                                                            const GoogleAuthSettings& settings,
                                                            std::vector<std::string> scopes) {
  std::string text = json_text_of(config);
  Result<ServiceAccountKey> key = parse_service_account_key(text);
  OPENSSL_cleanse(text.data(), text.size());  // the parsed key lives in OpenSSL; drop this copy
  if (!key.ok()) return key.status();
  ServiceAccountOptions options;
  options.scopes = std::move(scopes);
  options.subject = settings.subject;
  return make_service_account_source(std::move(key).value(), std::move(options), settings.endpoint(settings.token_uri),
                                     settings.clock);
}

Result<std::unique_ptr<TokenSource>> authorized_user_source(const rapidjson::Value& config,
                                                            const GoogleAuthSettings& settings) {
  RefreshTokenCredentials user{json_string_or_empty(config, "client_id"), json_string_or_empty(config, "client_secret"),
                               json_string_or_empty(config, "refresh_token")};
  if (user.client_id.empty() || user.refresh_token.empty()) {
    return make_error(ErrorCode::InvalidArgument,
                      "authorized_user credentials need client_id and refresh_token (run `gcloud auth "
                      "application-default login` again)");
  }
  // The user granted the scopes at login; the token endpoint is the file's
  // token_uri when it has one.
  return make_refresh_token_source(
      std::move(user),
      settings.endpoint(settings.token_uri.empty() ? json_string_or_empty(config, "token_uri") : settings.token_uri));
}

Result<std::unique_ptr<TokenSource>> source_of(const rapidjson::Value& config, std::string_view origin,
                                               const GoogleAuthSettings& settings, bool nested);

Result<std::unique_ptr<TokenSource>> impersonated_source(const rapidjson::Value& config, std::string_view origin,
                                                         const GoogleAuthSettings& settings) {
  auto source = config.FindMember("source_credentials");
  if (source == config.MemberEnd() || !source->value.IsObject()) {
    return make_error(ErrorCode::InvalidArgument,
                      "impersonated_service_account credentials without source_credentials");
  }
  ImpersonationOptions options;
  options.url = json_string_or_empty(config, "service_account_impersonation_url");
  if (options.url.empty()) {
    return make_error(ErrorCode::InvalidArgument,
                      "impersonated_service_account credentials without service_account_impersonation_url");
  }
  if (auto delegates = json_string_array(config, "delegates", origin); delegates.ok()) options.delegates = *delegates;
  CLOUDSYNC_ASSIGN_OR_RETURN(std::unique_ptr<TokenSource> inner, source_of(source->value, origin, settings, true));
  return make_impersonated_source(std::move(inner), std::move(options), settings);
}

// `nested`: the source_credentials of an impersonation, which need the
// cloud-platform scope and cannot themselves impersonate.
Result<std::unique_ptr<TokenSource>> source_of(const rapidjson::Value& config, std::string_view origin,
                                               const GoogleAuthSettings& settings, bool nested) {
  const std::string type = json_string_or_empty(config, "type");
  if (type == "service_account") {
    return service_account_source(
        config, settings, nested ? std::vector<std::string>{std::string(kCloudPlatformScope)} : settings.scopes);
  }
  if (type == "authorized_user") return authorized_user_source(config, settings);
  if (!nested && type == "external_account") return make_external_account_source(config, settings);
  if (!nested && type == "impersonated_service_account") return impersonated_source(config, origin, settings);
  if (type.empty()) return make_error(ErrorCode::InvalidArgument, "the credentials have no \"type\"");
  return make_error(ErrorCode::InvalidArgument,
                    "credentials of type '{}' are not supported{} (supported: service_account, authorized_user, "
                    "external_account, impersonated_service_account)",
                    type, nested ? " as source_credentials" : "");
}

}  // namespace

Result<GoogleCredentials> google_credentials_from_json(std::string_view json_text, std::string_view origin,
                                                       const GoogleAuthSettings& settings) {
  Result<rapidjson::Document> doc = parse_json(json_text, "Google credentials");
  if (!doc.ok()) return doc.status().with_context(origin);
  if (!doc->IsObject())
    return make_error(ErrorCode::InvalidArgument, "{}: the credentials are not a JSON object", origin);
  register_file_secrets(*doc);
  Result<std::unique_ptr<TokenSource>> source = source_of(*doc, origin, settings, false);
  if (!source.ok()) return source.status().with_context(origin);
  GoogleCredentials credentials{std::move(source).value(), json_string_or_empty(*doc, "quota_project_id")};
  if (const char* quota = std::getenv("GOOGLE_CLOUD_QUOTA_PROJECT"); quota != nullptr && *quota != '\0') {
    credentials.quota_project_id = quota;
  }
  return credentials;
}

Result<GoogleCredentials> load_google_credentials(const std::filesystem::path& path,
                                                  const GoogleAuthSettings& settings) {
  const std::string origin = fmt::format("'{}'", path.string());
  Result<std::string> text = read_small_file(path, kMaxCredentialsFileBytes);
  if (!text.ok()) return text.status().with_context(origin);
  Result<GoogleCredentials> credentials = google_credentials_from_json(*text, origin, settings);
  OPENSSL_cleanse(text->data(), text->size());
  return credentials;
}

}  // namespace cloudsync::auth
