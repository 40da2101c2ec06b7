// make_gdrive_backend(): options -> credentials, HTTP client and backend.
#include <cstdlib>

#include "auth/google/oauth2.hpp"
#include "auth/google/service_account.hpp"
#include "backends/gdrive/gdrive_backend.hpp"
#include "cloudsync/backends/gdrive.hpp"
#include "core/error.hpp"
#include "core/redact.hpp"

namespace cloudsync {

namespace {

constexpr std::string_view kDefaultEndpoint = "https://www.googleapis.com";

Result<std::string> scope_url(const std::string& scope) {
  if (scope.empty() || scope == "drive") return std::string(auth::kDriveScope);
  if (scope == "drive.readonly") return std::string(auth::kDriveReadonlyScope);
  if (scope == "drive.file") return std::string(auth::kDriveFileScope);
  if (scope.starts_with("https://www.googleapis.com/auth/")) return scope;
  return make_error(ErrorCode::InvalidArgument,
                    "scope must be drive, drive.readonly, drive.file or a https://www.googleapis.com/auth/ URL, not "
                    "'{}'",
                    scope);
}

Result<std::shared_ptr<auth::TokenProvider>> service_account_provider(const GDriveOptions& o,
                                                                      auth::TokenEndpointOptions endpoint) {
  Result<auth::ServiceAccountKey> key = !o.service_account_key.empty()
                                            ? auth::parse_service_account_key(o.service_account_key)
                                            : auth::load_service_account_key(o.service_account_file);
  if (!key.ok()) return key.status();
  auth::ServiceAccountOptions sa;
  CLOUDSYNC_ASSIGN_OR_RETURN(std::string scope, scope_url(o.scope));
  sa.scopes = {scope};
  sa.subject = o.subject;
  return auth::make_service_account_provider(std::move(key).value(), std::move(sa), std::move(endpoint));
}

// Exactly one kind of credentials: a token, a user's refresh token, or a
// service account (given, or named by GOOGLE_APPLICATION_CREDENTIALS).
Result<std::shared_ptr<auth::TokenProvider>> token_provider(const GDriveOptions& o,
                                                            std::shared_ptr<http::Transport> transport) {
  bool has_token = !o.access_token.empty();
  bool has_user = !o.refresh_token.empty() || !o.client_id.empty() || !o.client_secret.empty();
  bool has_sa = !o.service_account_key.empty() || !o.service_account_file.empty();
  if (int(has_token) + int(has_user) + int(has_sa) > 1) {
    return make_error(ErrorCode::InvalidArgument,
                      "give one kind of Google credentials: an access token, a refresh token (with client_id and "
                      "client_secret), or a service-account key");
  }
  if ((!o.scope.empty() || !o.subject.empty()) && (has_token || has_user)) {
    return make_error(ErrorCode::InvalidArgument, "scope and subject apply to service accounts only");
  }
  auth::TokenEndpointOptions endpoint;
  endpoint.token_uri = o.token_uri;
  endpoint.transport = std::move(transport);
  if (has_token) {
    return std::shared_ptr<auth::TokenProvider>(
        std::make_shared<auth::StaticTokenProvider>(auth::AccessToken{o.access_token, TimePoint::max(), {}}));
  }
  if (has_user) {
    return auth::make_refresh_token_provider({o.client_id, o.client_secret, o.refresh_token}, std::move(endpoint));
  }
  if (has_sa) return service_account_provider(o, std::move(endpoint));
  const char* env = std::getenv("GOOGLE_APPLICATION_CREDENTIALS");
  if (env != nullptr && *env != '\0') return service_account_provider(o, std::move(endpoint));
  return make_error(ErrorCode::Unauthenticated,
                    "no Google credentials: give access_token, a refresh token (client_id, client_secret, "
                    "refresh_token) or a service-account key (service_account_key, service_account_file or "
                    "GOOGLE_APPLICATION_CREDENTIALS)");
}

}  // namespace

Result<std::shared_ptr<StorageBackend>> make_gdrive_backend(GDriveOptions options) {
  for (const std::string* secret : {&options.access_token, &options.client_secret, &options.refresh_token}) {
    register_secret(*secret);
  }
  if (options.folder_id.empty()) {
    return make_error(ErrorCode::InvalidArgument, "a Google Drive folder ID is needed (gdrive://<folder id>)");
  }
  if (options.pacer_burst == 0) return make_error(ErrorCode::InvalidArgument, "pacer_burst must be at least 1");
  if (options.max_attempts == 0) return make_error(ErrorCode::InvalidArgument, "max_attempts must be at least 1");
  std::string endpoint = options.endpoint.empty() ? std::string(kDefaultEndpoint) : options.endpoint;
  auto parsed = http::parse_url(endpoint);
  if (!parsed.ok() || (parsed->scheme != "https" && parsed->scheme != "http")) {
    return make_error(ErrorCode::InvalidArgument, "endpoint must be an http(s) URL, not '{}'", endpoint);
  }

  http::ClientOptions client_options;
  client_options.ca_bundle = options.ca_bundle;
  client_options.proxy = options.proxy;
  std::shared_ptr<http::Transport> transport = http::make_curl_transport(client_options);
  CLOUDSYNC_ASSIGN_OR_RETURN(std::shared_ptr<auth::TokenProvider> tokens, token_provider(options, transport));

  gdrive::DriveClientConfig config;
  config.endpoint = std::move(endpoint);
  config.transport = std::move(transport);
  config.tokens = std::move(tokens);
  config.retry.max_attempts = options.max_attempts;
  config.pacer_min_sleep = options.pacer_min_sleep;
  config.pacer_burst = options.pacer_burst;
  config.errors.stop_on_upload_limit = options.stop_on_upload_limit;
  config.acknowledge_abuse = options.acknowledge_abuse;

  gdrive::BackendSettings settings;
  settings.folder_id = options.folder_id;
  CLOUDSYNC_ASSIGN_OR_RETURN(settings.export_formats, gdrive::ExportFormats::parse(options.export_formats));
  settings.use_trash = options.use_trash;
  settings.follow_shortcuts = options.follow_shortcuts;
  settings.upload_cutoff = options.upload_cutoff;
  settings.chunk_size = options.chunk_size;
  settings.page_size = options.page_size;
  return gdrive::make_drive_backend(std::move(settings), std::make_shared<gdrive::DriveClient>(std::move(config)));
}

}  // namespace cloudsync
