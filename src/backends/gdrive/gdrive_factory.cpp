// make_gdrive_backend(): options -> credentials, HTTP client and backend
// (scoped to the options' prefix), and the option table of gdrive:// URLs.
#include "auth/google/default_credentials.hpp"
#include "auth/google/google_endpoints.hpp"
#include "auth/google/oauth2.hpp"
#include "auth/google/service_account.hpp"
#include "backends/gdrive/gdrive_backend.hpp"
#include "backends/option_spec.hpp"
#include "backends/provider.hpp"
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

/// Where Drive's tokens come from, and the project billed for a user's calls.
struct DriveCredentials {
  std::shared_ptr<auth::TokenProvider> tokens;
  std::string quota_project;
};

DriveCredentials cached(auth::GoogleCredentials credentials) {
  return {std::make_shared<auth::CachingTokenProvider>(std::move(credentials.source)),
          std::move(credentials.quota_project_id)};
}

Result<std::shared_ptr<auth::TokenProvider>> service_account_provider(const GDriveOptions& o,
                                                                      const auth::GoogleAuthSettings& settings) {
  Result<auth::ServiceAccountKey> key = !o.service_account_key.empty()
                                            ? auth::parse_service_account_key(o.service_account_key)
                                            : auth::load_service_account_key(o.service_account_file);
  if (!key.ok()) return key.status();
  auth::ServiceAccountOptions sa;
  sa.scopes = settings.scopes;
  sa.subject = o.subject;
  return auth::make_service_account_provider(std::move(key).value(), std::move(sa),
                                             settings.endpoint(settings.token_uri));
}

constexpr std::string_view kWhatToGive =
    "give access_token, a refresh token (client_id, client_secret, refresh_token), a service-account key "
    "(service_account_key or service_account_file) or a credentials_file";

// One kind of explicit credentials (a token, a user's refresh token, a
// service-account key, a credentials file of any type), or else Application
// Default Credentials.
Result<DriveCredentials> drive_credentials(const GDriveOptions& o, std::shared_ptr<http::Transport> transport) {
  bool has_token = !o.access_token.empty();
  bool has_user = !o.refresh_token.empty() || !o.client_id.empty() || !o.client_secret.empty();
  bool has_sa = !o.service_account_key.empty() || !o.service_account_file.empty();
  bool has_file = !o.credentials_file.empty();
  if (int(has_token) + int(has_user) + int(has_sa) + int(has_file) > 1) {
    return make_error(ErrorCode::InvalidArgument,
                      "give one kind of Google credentials: an access token, a refresh token (with client_id and "
                      "client_secret), a service-account key or a credentials_file");
  }
  if ((!o.scope.empty() || !o.subject.empty()) && (has_token || has_user)) {
    return make_error(ErrorCode::InvalidArgument, "scope and subject apply to service accounts only");
  }
  auth::GoogleAuthSettings settings;
  CLOUDSYNC_ASSIGN_OR_RETURN(std::string scope, scope_url(o.scope));
  settings.scopes = {scope};
  settings.subject = o.subject;
  settings.token_uri = o.token_uri;
  settings.transport = std::move(transport);
  if (has_token) {
    return DriveCredentials{
        std::make_shared<auth::StaticTokenProvider>(auth::AccessToken{o.access_token, TimePoint::max(), {}}), {}};
  }
  if (has_user) {
    CLOUDSYNC_ASSIGN_OR_RETURN(std::shared_ptr<auth::TokenProvider> tokens,
                               auth::make_refresh_token_provider({o.client_id, o.client_secret, o.refresh_token},
                                                                 settings.endpoint(settings.token_uri)));
    return DriveCredentials{std::move(tokens), {}};
  }
  if (has_sa) {
    CLOUDSYNC_ASSIGN_OR_RETURN(std::shared_ptr<auth::TokenProvider> tokens, service_account_provider(o, settings));
    return DriveCredentials{std::move(tokens), {}};
  }
  if (has_file) {
    CLOUDSYNC_ASSIGN_OR_RETURN(auth::GoogleCredentials credentials,
                               auth::load_google_credentials(o.credentials_file, settings));
    return cached(std::move(credentials));
  }
  if (!o.use_environment) {
    return make_error(ErrorCode::Unauthenticated, "no Google credentials: {} (use_environment is off)", kWhatToGive);
  }
  auth::DefaultCredentialsOptions adc;
  adc.use_metadata_server = o.metadata_server;
  adc.metadata.detect_timeout = o.metadata_timeout;
  Result<auth::GoogleCredentials> found = auth::find_default_credentials(settings, adc, OpContext{});
  if (!found.ok() && found.status().code() == ErrorCode::Unauthenticated) {
    return make_error(ErrorCode::Unauthenticated, "no Google credentials: {}; {}", kWhatToGive,
                      found.status().message());
  }
  if (!found.ok()) return found.status();
  return cached(std::move(found).value());
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

  // One transport for Drive and the token requests: the same proxy, CA
  // bundle and TLS verification.
  http::ClientOptions client_options;
  client_options.ca_bundle = options.ca_bundle;
  client_options.proxy = options.proxy;
  client_options.verify_tls = options.verify_tls;
  std::shared_ptr<http::Transport> transport = http::make_curl_transport(client_options);
  CLOUDSYNC_ASSIGN_OR_RETURN(DriveCredentials credentials, drive_credentials(options, transport));

  gdrive::DriveClientConfig config;
  config.endpoint = std::move(endpoint);
  config.transport = std::move(transport);
  config.tokens = std::move(credentials.tokens);
  config.quota_project = std::move(credentials.quota_project);
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
  CLOUDSYNC_ASSIGN_OR_RETURN(
      std::shared_ptr<StorageBackend> tree,
      gdrive::make_drive_backend(std::move(settings), std::make_shared<gdrive::DriveClient>(std::move(config))));
  if (options.prefix.empty()) return tree;
  CLOUDSYNC_ASSIGN_OR_RETURN(Path scope, Path::parse(options.prefix));
  return make_prefixed_backend(std::move(tree), std::move(scope));
}

}  // namespace cloudsync

namespace cloudsync::backends {

namespace {

constexpr OptionSpec<GDriveOptions> kDriveOptions[] = {
    {.name = "endpoint",
     .target = &GDriveOptions::endpoint,
     .help = "Drive API base URL",
     .default_text = kDefaultEndpoint},
    {.name = "access_token",
     .target = &GDriveOptions::access_token,
     .help = "a ready OAuth2 access token (hosts that manage tokens themselves)",
     .secret = true},
    {.name = "client_id", .target = &GDriveOptions::client_id, .help = "OAuth2 client of a user's authorisation"},
    {.name = "client_secret",
     .target = &GDriveOptions::client_secret,
     .help = "the OAuth2 client's secret",
     .secret = true},
    {.name = "refresh_token",
     .target = &GDriveOptions::refresh_token,
     .help = "the user's OAuth2 refresh token",
     .secret = true},
    {.name = "service_account_key",
     .target = &GDriveOptions::service_account_key,
     .help = "a service account's JSON key, as text",
     .secret = true},
    {.name = "service_account_file",
     .target = &GDriveOptions::service_account_file,
     .help = "path of a service account's JSON key file"},
    {.name = "credentials_file",
     .target = &GDriveOptions::credentials_file,
     .help = "path of a Google credentials file: service_account, authorized_user (gcloud's application default "
             "credentials), external_account (workload identity federation) or impersonated_service_account"},
    {.name = "use_environment",
     .target = &GDriveOptions::use_environment,
     .help = "without explicit credentials, use Application Default Credentials: GOOGLE_APPLICATION_CREDENTIALS, "
             "gcloud's application_default_credentials.json, the GCE metadata server"},
    {.name = "metadata_server",
     .target = &GDriveOptions::metadata_server,
     .help = "let Application Default Credentials ask the GCE metadata server (GCE_METADATA_HOST)"},
    {.name = "metadata_timeout_ms",
     .target = &GDriveOptions::metadata_timeout,
     .help = "how long the GCE metadata server may take to answer whether it is there",
     .min = 1,
     .max = 60'000},
    {.name = "scope",
     .target = &GDriveOptions::scope,
     .help = "scope of service-account, metadata-server and federated tokens: drive, drive.readonly, drive.file or "
             "a full scope URL (empty: drive)"},
    {.name = "subject",
     .target = &GDriveOptions::subject,
     .help = "service-account domain-wide delegation: the user to act as"},
    {.name = "token_uri",
     .target = &GDriveOptions::token_uri,
     .help = "token endpoint replacing Google's (and a key file's token_uri)"},
    {.name = "export_formats",
     .target = &GDriveOptions::export_formats,
     .help = "export formats of Google Docs, Sheets, Slides and Drawings, in order of preference (none: hide "
             "them); known: docx, xlsx, pptx, pdf, csv, tsv, txt, odt, ods, odp, rtf, epub, svg, png, jpg"},
    {.name = "use_trash", .target = &GDriveOptions::use_trash, .help = "deletes move files to the trash"},
    {.name = "follow_shortcuts",
     .target = &GDriveOptions::follow_shortcuts,
     .help = "follow shortcuts (read-only) instead of skipping them"},
    {.name = "acknowledge_abuse",
     .target = &GDriveOptions::acknowledge_abuse,
     .help = "download files Google flagged as malware or spam"},
    {.name = "stop_on_upload_limit",
     .target = &GDriveOptions::stop_on_upload_limit,
     .help = "treat a user rate limit on an upload as the daily upload cap: stop instead of retrying"},
    {.name = "upload_cutoff",
     .target = &GDriveOptions::upload_cutoff,
     .help = "files at least this large are uploaded with a resumable session"},
    {.name = "chunk_size", .target = &GDriveOptions::chunk_size, .help = "resumable chunk size, a multiple of 256KiB"},
    {.name = "page_size", .target = &GDriveOptions::page_size, .help = "files.list page size", .min = 1, .max = 1000},
    {.name = "pacer_min_sleep_ms",
     .target = &GDriveOptions::pacer_min_sleep,
     .help = "at most one call per this many milliseconds on average (0: no pacing)",
     .min = 0,
     .max = 60'000},
    {.name = "pacer_burst",
     .target = &GDriveOptions::pacer_burst,
     .help = "calls the pacer lets through in a burst",
     .min = 1,
     .max = 10'000},
    {.name = "max_attempts",
     .target = &GDriveOptions::max_attempts,
     .help = "attempts per request, the first included",
     .min = 1,
     .max = 100},
    {.name = "ca_bundle",
     .target = &GDriveOptions::ca_bundle,
     .help = "PEM file of trusted CAs (empty: the system store)"},
    {.name = "proxy", .target = &GDriveOptions::proxy, .help = "HTTP proxy URL (empty: the *_proxy variables)"},
    {.name = "verify_tls",
     .target = &GDriveOptions::verify_tls,
     .help = "verify the server's TLS certificate (Drive's and the token services')"},
};

// gdrive://<folder id>[/path]
Result<std::shared_ptr<StorageBackend>> open_gdrive_url(const StorageUrl& url, const BackendOptions& options,
                                                        const BackendOpenContext& /*context*/) {
  GDriveOptions drive;
  drive.folder_id = url.root;
  drive.prefix = url.path;
  CLOUDSYNC_RETURN_IF_ERROR(apply_options(kDriveOptions, "gdrive", options, drive));
  return make_gdrive_backend(std::move(drive));
}

}  // namespace

const ProviderEntry& gdrive_provider() {
  static constexpr ProviderEntry kEntry{.scheme = "gdrive",
                                        .url_form = "gdrive://folder-id/path",
                                        .title = "Google Drive v3, rooted at a folder (the whole tree below it)",
                                        .describe = [] { return describe_options<GDriveOptions>(kDriveOptions); },
                                        .open = open_gdrive_url};
  return kEntry;
}

}  // namespace cloudsync::backends
