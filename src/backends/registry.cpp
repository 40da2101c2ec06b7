// open_backend(): from a URL to a backend, through the provider of its
// scheme. Every provider is listed here explicitly (no static
// self-registration, which static linking would drop); each parses its
// options through its own table (backends/option_spec.hpp).
#include "backends/registry.hpp"

#include <algorithm>
#include <array>

#include "backends/option_spec.hpp"
#include "backends/provider.hpp"
#include "backends/refused_action.hpp"
#include "cloudsync/backend.hpp"
#include "cloudsync/backend_options.hpp"
#include "cloudsync/endpoint_facts.hpp"
#include "core/error.hpp"
#include "core/redact.hpp"
#include "core/url.hpp"

namespace cloudsync {
namespace {

const std::array<const backends::ProviderEntry*, 5>& provider_entries() {
  static const std::array<const backends::ProviderEntry*, 5> entries{
      &backends::local_provider(), &backends::memory_provider(), &backends::s3_provider(), &backends::azure_provider(),
      &backends::gdrive_provider()};
  return entries;
}

const backends::ProviderEntry* find_entry(std::string_view scheme) {
  for (const backends::ProviderEntry* entry : provider_entries()) {
    if (entry->scheme == scheme) return entry;
  }
  return nullptr;
}

}  // namespace

std::string_view backend_option_kind_name(BackendOptionKind kind) {
  switch (kind) {
    case BackendOptionKind::String: return "string";
    case BackendOptionKind::Bool: return "bool";
    case BackendOptionKind::AutoBool: return "auto|bool";
    case BackendOptionKind::Integer: return "integer";
    case BackendOptionKind::Size: return "size";
    case BackendOptionKind::Milliseconds: return "milliseconds";
    case BackendOptionKind::Enum: return "enum";
  }
  return "string";
}

const std::vector<BackendProvider>& backend_providers() {
  static const std::vector<BackendProvider> providers = [] {
    std::vector<BackendProvider> list;
    for (const backends::ProviderEntry* entry : provider_entries()) {
      list.push_back(
          {std::string(entry->scheme), std::string(entry->url_form), std::string(entry->title), entry->describe()});
    }
    return list;
  }();
  return providers;
}

const BackendProvider* find_backend_provider(std::string_view scheme) {
  for (const BackendProvider& provider : backend_providers()) {
    if (provider.scheme == scheme) return &provider;
  }
  return nullptr;
}

bool is_secret_backend_option(std::string_view name) {
  return std::any_of(backend_providers().begin(), backend_providers().end(), [&](const BackendProvider& p) {
    return std::any_of(p.options.begin(), p.options.end(),
                       [&](const BackendOption& o) { return o.secret && o.name == name; });
  });
}

Status check_option_names(std::string_view url_text, const BackendOptions& options) {
  CLOUDSYNC_ASSIGN_OR_RETURN(StorageUrl url, parse_storage_url(url_text));
  const BackendProvider* provider = find_backend_provider(url.scheme);
  if (provider == nullptr) return Status::OK();  // a host's own backend factory
  std::vector<std::string_view> known;
  for (const BackendOption& option : provider->options) known.push_back(option.name);
  for (const auto& [name, value] : options) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      return backends::unknown_option(name, url.scheme, known);
    }
  }
  return Status::OK();
}

Status check_backend_option_names(std::string_view url, const BackendOptions& options) {
  return check_option_names(url, options);
}

std::optional<std::string_view> closest_name(std::string_view name, std::span<const std::string_view> known) {
  return backends::closest_option_name(name, known);
}

Result<std::shared_ptr<StorageBackend>> open_backend(std::string_view url_text, const BackendOptions& options) {
  return open_backend(url_text, options, BackendOpenContext{});
}

Result<std::shared_ptr<StorageBackend>> open_backend(std::string_view url_text, const BackendOptions& options,
                                                     const BackendOpenContext& context) {
  CLOUDSYNC_ASSIGN_OR_RETURN(StorageUrl url, parse_storage_url(url_text));
  if (const backends::ProviderEntry* entry = find_entry(url.scheme)) {
    CLOUDSYNC_ASSIGN_OR_RETURN(std::shared_ptr<StorageBackend> backend, entry->open(url, options, context));
    return backends::label_refused_actions(std::move(backend));
  }
  std::string known;
  for (const backends::ProviderEntry* entry : provider_entries()) {
    known += known.empty() ? "" : ", ";
    known += entry->scheme;
  }
  return make_error(ErrorCode::InvalidArgument, "unsupported URL scheme '{}' in '{}' (this build knows: {})",
                    url.scheme, redact_url(url_text), known);
}

}  // namespace cloudsync
