// open_backend(): from a URL to a backend. Every provider is listed here
// explicitly (no static self-registration, which static linking would drop).
#include "backends/registry.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <span>
#include <utility>

#include "cloudsync/backend.hpp"
#include "cloudsync/backends/azure.hpp"
#include "cloudsync/backends/gdrive.hpp"
#include "cloudsync/backends/local.hpp"
#include "cloudsync/backends/memory.hpp"
#include "cloudsync/backends/s3.hpp"
#include "cloudsync/size.hpp"
#include "core/error.hpp"
#include "core/redact.hpp"
#include "core/url.hpp"

namespace cloudsync {
namespace {

// Takes option `key` out of `options`; the caller rejects what is left over.
std::optional<std::string> take(BackendOptions& options, const std::string& key) {
  auto it = options.find(key);
  if (it == options.end()) return std::nullopt;
  std::string value = it->second;
  options.erase(it);
  return value;
}

Result<bool> parse_bool(const std::string& key, const std::string& value) {
  if (value == "true" || value == "1" || value == "yes") return true;
  if (value == "false" || value == "0" || value == "no") return false;
  return make_error(ErrorCode::InvalidArgument, "option {} must be true or false, not '{}'", key, value);
}

// A size option: the one size parser (cloudsync/size.hpp), named after its option.
Result<uint64_t> parse_size(const std::string& key, const std::string& value) {
  auto size = cloudsync::parse_size(value);
  if (!size.ok()) return size.status().with_context(fmt::format("option {}", key));
  return size;
}

// A whole number within [low, high] (sizes in bytes, counts, milliseconds).
Result<uint64_t> parse_number(const std::string& key, const std::string& value, uint64_t low, uint64_t high) {
  uint64_t n = 0;
  bool ok = !value.empty() && value.size() <= 19;
  for (char c : value) {
    ok = ok && c >= '0' && c <= '9';
    if (ok) n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  if (!ok || n < low || n > high) {
    return make_error(ErrorCode::InvalidArgument, "option {} must be a whole number from {} to {}, not '{}'", key, low,
                      high, value);
  }
  return n;
}

// The option names each factory below takes: what integration add checks
// before it stores options (tests/unit/registry_test.cpp keeps it in step).
constexpr std::string_view kFileOptions[] = {"fsync"};
constexpr std::string_view kS3Options[] = {
    "provider",      "checksum",        "addressing_style", "conditional_writes", "region",        "endpoint",
    "access_key_id", "secret_access_key", "session_token",  "profile",            "ca_bundle",     "proxy",
    "anonymous",     "use_environment", "sign_payload",     "verify_tls",         "part_size",     "multipart_threshold",
    "min_part_size", "max_attempts"};
constexpr std::string_view kAzureOptions[] = {"account",    "account_key",      "sas",        "connection_string",
                                              "endpoint",   "create_container", "block_size", "upload_cutoff"};
constexpr std::string_view kDriveOptions[] = {
    "endpoint",      "access_token",     "client_id",            "client_secret",   "refresh_token",
    "service_account_key", "service_account_file", "scope",      "subject",         "token_uri",
    "export_formats", "ca_bundle",       "proxy",                "use_trash",       "follow_shortcuts",
    "acknowledge_abuse", "stop_on_upload_limit", "upload_cutoff", "chunk_size",     "page_size",
    "pacer_min_sleep_ms", "pacer_burst", "max_attempts"};
struct SchemeOptions {
  std::string_view scheme;
  std::span<const std::string_view> names;
};
constexpr SchemeOptions kOptionNames[] = {
    {"file", kFileOptions}, {"mem", {}}, {"s3", kS3Options}, {"az", kAzureOptions}, {"gdrive", kDriveOptions}};

Status reject_unknown(const BackendOptions& left, std::string_view scheme) {
  if (left.empty()) return Status::OK();
  return make_error(ErrorCode::InvalidArgument, "unknown option '{}' for {} URLs", left.begin()->first, scheme);
}

Result<std::shared_ptr<StorageBackend>> open_local(const StorageUrl& url, BackendOptions options) {
  LocalBackendOptions local;
  if (auto v = take(options, "fsync")) {
    CLOUDSYNC_ASSIGN_OR_RETURN(local.fsync, parse_bool("fsync", *v));
  }
  CLOUDSYNC_RETURN_IF_ERROR(reject_unknown(options, "file"));
  return make_local_backend(url.path, local);
}

Result<std::shared_ptr<StorageBackend>> open_memory(const StorageUrl& url, BackendOptions options) {
  CLOUDSYNC_RETURN_IF_ERROR(reject_unknown(options, "mem"));
  std::shared_ptr<StorageBackend> backend = shared_memory_backend(url.root);
  CLOUDSYNC_ASSIGN_OR_RETURN(Path prefix, Path::parse(url.path));
  return make_prefixed_backend(std::move(backend), std::move(prefix));
}

// s3://bucket/prefix; option keys as documented in cloudsync/backends/s3.hpp.
Result<std::shared_ptr<StorageBackend>> open_s3(const StorageUrl& url, BackendOptions options) {
  S3Options s3;
  s3.bucket = url.root;
  s3.prefix = url.path;
  auto text = [&](const char* key, std::string& out) {
    if (auto v = take(options, key)) out = *v;
  };
  auto flag = [&](const char* key, bool& out) -> Status {
    if (auto v = take(options, key)) {
      CLOUDSYNC_ASSIGN_OR_RETURN(out, parse_bool(key, *v));
    }
    return Status::OK();
  };
  auto size = [&](const char* key, uint64_t& out) -> Status {
    if (auto v = take(options, key)) {
      CLOUDSYNC_ASSIGN_OR_RETURN(out, parse_size(key, *v));
    }
    return Status::OK();
  };
  if (auto v = take(options, "provider")) {
    CLOUDSYNC_ASSIGN_OR_RETURN(s3.provider, parse_s3_provider(*v));
  }
  if (auto v = take(options, "checksum")) {
    CLOUDSYNC_ASSIGN_OR_RETURN(s3.checksum, parse_s3_checksum(*v));
  }
  if (auto v = take(options, "addressing_style")) {
    if (*v == "path") {
      s3.path_style = true;
    } else if (*v == "virtual") {
      s3.path_style = false;
    } else if (*v != "auto") {
      return make_error(ErrorCode::InvalidArgument, "option addressing_style must be auto, path or virtual, not '{}'",
                        *v);
    }
  }
  if (auto v = take(options, "conditional_writes"); v && *v != "auto") {
    CLOUDSYNC_ASSIGN_OR_RETURN(bool on, parse_bool("conditional_writes", *v));
    s3.conditional_writes = on;
  }
  text("region", s3.region);
  text("endpoint", s3.endpoint);
  text("access_key_id", s3.access_key_id);
  text("secret_access_key", s3.secret_access_key);
  text("session_token", s3.session_token);
  text("profile", s3.profile);
  text("ca_bundle", s3.ca_bundle);
  text("proxy", s3.proxy);
  CLOUDSYNC_RETURN_IF_ERROR(flag("anonymous", s3.anonymous));
  CLOUDSYNC_RETURN_IF_ERROR(flag("use_environment", s3.use_environment));
  CLOUDSYNC_RETURN_IF_ERROR(flag("sign_payload", s3.sign_payload));
  CLOUDSYNC_RETURN_IF_ERROR(flag("verify_tls", s3.verify_tls));
  CLOUDSYNC_RETURN_IF_ERROR(size("part_size", s3.part_size));
  CLOUDSYNC_RETURN_IF_ERROR(size("multipart_threshold", s3.multipart_threshold));
  CLOUDSYNC_RETURN_IF_ERROR(size("min_part_size", s3.min_part_size));
  if (auto v = take(options, "max_attempts")) {
    CLOUDSYNC_ASSIGN_OR_RETURN(uint64_t n, parse_number("max_attempts", *v, 1, 100));
    s3.max_attempts = static_cast<uint32_t>(n);
  }
  CLOUDSYNC_RETURN_IF_ERROR(reject_unknown(options, "s3"));
  if (s3.bucket.empty()) return make_error(ErrorCode::InvalidArgument, "S3 URLs are s3://bucket[/prefix]");
  return make_s3_backend(std::move(s3));
}

// az://container[/prefix]
Result<std::shared_ptr<StorageBackend>> open_azure(const StorageUrl& url, BackendOptions options) {
  AzureBackendOptions azure;
  azure.container = url.root;
  for (auto [key, field] : {std::pair<const char*, std::string*>{"account", &azure.account},
                            {"account_key", &azure.account_key},
                            {"sas", &azure.sas},
                            {"connection_string", &azure.connection_string},
                            {"endpoint", &azure.endpoint}}) {
    if (auto v = take(options, key)) *field = *v;
  }
  if (auto v = take(options, "create_container")) {
    CLOUDSYNC_ASSIGN_OR_RETURN(azure.create_container, parse_bool("create_container", *v));
  }
  if (auto v = take(options, "block_size")) {
    CLOUDSYNC_ASSIGN_OR_RETURN(azure.block_size, parse_size("block_size", *v));
  }
  if (auto v = take(options, "upload_cutoff")) {
    CLOUDSYNC_ASSIGN_OR_RETURN(azure.upload_cutoff, parse_size("upload_cutoff", *v));
  }
  if (options.count("key")) {
    // Not echoed: the value is a key.
    return make_error(ErrorCode::InvalidArgument, "unknown option 'key' for az URLs: the account key option is "
                                                  "'account_key'");
  }
  CLOUDSYNC_RETURN_IF_ERROR(reject_unknown(options, "az"));
  CLOUDSYNC_ASSIGN_OR_RETURN(std::shared_ptr<StorageBackend> backend, make_azure_backend(std::move(azure)));
  if (url.path.empty()) return backend;
  CLOUDSYNC_ASSIGN_OR_RETURN(Path prefix, Path::parse(url.path));
  return make_prefixed_backend(std::move(backend), std::move(prefix));
}

// gdrive://<folder id>[/path]; option keys as documented in cloudsync/backends/gdrive.hpp.
Result<std::shared_ptr<StorageBackend>> open_gdrive(const StorageUrl& url, BackendOptions options) {
  GDriveOptions g;
  g.folder_id = url.root;
  for (auto [key, field] : std::initializer_list<std::pair<const char*, std::string*>>{
           {"endpoint", &g.endpoint},
           {"access_token", &g.access_token},
           {"client_id", &g.client_id},
           {"client_secret", &g.client_secret},
           {"refresh_token", &g.refresh_token},
           {"service_account_key", &g.service_account_key},
           {"service_account_file", &g.service_account_file},
           {"scope", &g.scope},
           {"subject", &g.subject},
           {"token_uri", &g.token_uri},
           {"export_formats", &g.export_formats},
           {"ca_bundle", &g.ca_bundle},
           {"proxy", &g.proxy}}) {
    if (auto v = take(options, key)) *field = *v;
  }
  for (auto [key, field] : std::initializer_list<std::pair<const char*, bool*>>{
           {"use_trash", &g.use_trash},
           {"follow_shortcuts", &g.follow_shortcuts},
           {"acknowledge_abuse", &g.acknowledge_abuse},
           {"stop_on_upload_limit", &g.stop_on_upload_limit}}) {
    if (auto v = take(options, key)) {
      CLOUDSYNC_ASSIGN_OR_RETURN(*field, parse_bool(key, *v));
    }
  }
  if (auto v = take(options, "upload_cutoff")) {
    CLOUDSYNC_ASSIGN_OR_RETURN(g.upload_cutoff, parse_size("upload_cutoff", *v));
  }
  if (auto v = take(options, "chunk_size")) {
    CLOUDSYNC_ASSIGN_OR_RETURN(g.chunk_size, parse_size("chunk_size", *v));
  }
  if (auto v = take(options, "page_size")) {
    CLOUDSYNC_ASSIGN_OR_RETURN(uint64_t n, parse_number("page_size", *v, 1, 1000));
    g.page_size = static_cast<uint32_t>(n);
  }
  if (auto v = take(options, "pacer_min_sleep_ms")) {
    CLOUDSYNC_ASSIGN_OR_RETURN(uint64_t n, parse_number("pacer_min_sleep_ms", *v, 0, 60'000));
    g.pacer_min_sleep = std::chrono::milliseconds(n);
  }
  if (auto v = take(options, "pacer_burst")) {
    CLOUDSYNC_ASSIGN_OR_RETURN(uint64_t n, parse_number("pacer_burst", *v, 1, 10'000));
    g.pacer_burst = static_cast<uint32_t>(n);
  }
  if (auto v = take(options, "max_attempts")) {
    CLOUDSYNC_ASSIGN_OR_RETURN(uint64_t n, parse_number("max_attempts", *v, 1, 100));
    g.max_attempts = static_cast<uint32_t>(n);
  }
  CLOUDSYNC_RETURN_IF_ERROR(reject_unknown(options, "gdrive"));
  CLOUDSYNC_ASSIGN_OR_RETURN(std::shared_ptr<StorageBackend> backend, make_gdrive_backend(std::move(g)));
  if (url.path.empty()) return backend;
  CLOUDSYNC_ASSIGN_OR_RETURN(Path prefix, Path::parse(url.path));
  return make_prefixed_backend(std::move(backend), std::move(prefix));
}

}  // namespace

Status check_option_names(std::string_view url_text, const BackendOptions& options) {
  CLOUDSYNC_ASSIGN_OR_RETURN(StorageUrl url, parse_storage_url(url_text));
  for (const SchemeOptions& known : kOptionNames) {
    if (known.scheme != url.scheme) continue;
    for (const auto& [key, value] : options) {
      if (std::find(known.names.begin(), known.names.end(), key) == known.names.end()) {
        return make_error(ErrorCode::InvalidArgument, "unknown option '{}' for {} URLs", key, url.scheme);
      }
    }
  }
  return Status::OK();
}

Result<std::shared_ptr<StorageBackend>> open_backend(std::string_view url_text, const BackendOptions& options) {
  CLOUDSYNC_ASSIGN_OR_RETURN(StorageUrl url, parse_storage_url(url_text));
  if (url.scheme == "file") return open_local(url, options);
  if (url.scheme == "mem") return open_memory(url, options);
  if (url.scheme == "s3") return open_s3(url, options);
  if (url.scheme == "az") return open_azure(url, options);
  if (url.scheme == "gdrive") return open_gdrive(url, options);
  return make_error(ErrorCode::InvalidArgument,
                    "unsupported URL scheme '{}' in '{}' (this build knows: file, mem, s3, az, gdrive)",
                    url.scheme, redact_url(url_text));
}

}  // namespace cloudsync
