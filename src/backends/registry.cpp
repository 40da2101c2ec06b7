// open_backend(): from a URL to a backend. Every provider is listed here
// explicitly (no static self-registration, which static linking would drop).
#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <utility>

#include "cloudsync/backend.hpp"
#include "cloudsync/backends/gdrive.hpp"
#include "cloudsync/backends/local.hpp"
#include "cloudsync/backends/memory.hpp"
#include "core/error.hpp"
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
  constexpr uint64_t kGiB = 1ull << 30;
  if (auto v = take(options, "upload_cutoff")) {
    CLOUDSYNC_ASSIGN_OR_RETURN(g.upload_cutoff, parse_number("upload_cutoff", *v, 0, UINT64_MAX / 2));
  }
  if (auto v = take(options, "chunk_size")) {
    CLOUDSYNC_ASSIGN_OR_RETURN(g.chunk_size, parse_number("chunk_size", *v, 1, kGiB));
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

Result<std::shared_ptr<StorageBackend>> open_backend(std::string_view url_text, const BackendOptions& options) {
  CLOUDSYNC_ASSIGN_OR_RETURN(StorageUrl url, parse_storage_url(url_text));
  if (url.scheme == "file") return open_local(url, options);
  if (url.scheme == "mem") return open_memory(url, options);
  if (url.scheme == "gdrive") return open_gdrive(url, options);
  return make_error(ErrorCode::InvalidArgument,
                    "unsupported URL scheme '{}' in '{}' (this build knows: file, mem, gdrive)", url.scheme, url_text);
}

}  // namespace cloudsync
