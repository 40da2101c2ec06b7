// open_backend(): from a URL to a backend. Every provider is listed here
// explicitly (no static self-registration, which static linking would drop).
#include <cstdlib>

#include "cloudsync/backend.hpp"
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

}  // namespace

Result<std::shared_ptr<StorageBackend>> open_backend(std::string_view url_text, const BackendOptions& options) {
  CLOUDSYNC_ASSIGN_OR_RETURN(StorageUrl url, parse_storage_url(url_text));
  if (url.scheme == "file") return open_local(url, options);
  if (url.scheme == "mem") return open_memory(url, options);
  return make_error(ErrorCode::InvalidArgument, "unsupported URL scheme '{}' in '{}' (this build knows: file, mem)",
                    url.scheme, url_text);
}

}  // namespace cloudsync
