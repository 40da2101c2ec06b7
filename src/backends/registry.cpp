// open_backend(): from a URL to a backend. Every provider is listed here
// explicitly (no static self-registration, which static linking would drop).
#include <cstdlib>

#include "cloudsync/backend.hpp"
#include "cloudsync/backends/azure.hpp"
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

// "1048576", "256K", "8M", "1G" (binary multiples) -> bytes.
Result<uint64_t> parse_size(const std::string& key, const std::string& value) {
  auto invalid = [&] {
    return make_error(ErrorCode::InvalidArgument, "option {} must be a size in bytes (e.g. 8M), not '{}'", key, value);
  };
  uint64_t number = 0;
  size_t digits = 0;
  for (; digits < value.size() && value[digits] >= '0' && value[digits] <= '9'; ++digits) {
    if (number > (UINT64_MAX - 9) / 10) return invalid();
    number = number * 10 + static_cast<uint64_t>(value[digits] - '0');
  }
  std::string unit = value.substr(digits);
  int shift = unit.empty() ? 0 : unit == "K" || unit == "k" ? 10 : unit == "M" || unit == "m" ? 20
                           : unit == "G" || unit == "g"   ? 30 : -1;
  if (digits == 0 || shift < 0 || number > (UINT64_MAX >> shift)) return invalid();
  return number << shift;
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

}  // namespace

Result<std::shared_ptr<StorageBackend>> open_backend(std::string_view url_text, const BackendOptions& options) {
  CLOUDSYNC_ASSIGN_OR_RETURN(StorageUrl url, parse_storage_url(url_text));
  if (url.scheme == "file") return open_local(url, options);
  if (url.scheme == "mem") return open_memory(url, options);
  if (url.scheme == "az") return open_azure(url, options);
  return make_error(ErrorCode::InvalidArgument, "unsupported URL scheme '{}' in '{}' (this build knows: file, mem, az)",
                    url.scheme, url_text);
}

}  // namespace cloudsync
