#include "engine/integration_spec.hpp"

#include <algorithm>

#include "backends/registry.hpp"
#include "cloudsync/backend_options.hpp"
#include "core/error.hpp"
#include "core/redact.hpp"
#include "core/url.hpp"

namespace cloudsync {

namespace {

bool has_control_characters(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

Status check_folder_name(std::string_view what, std::string_view value) {
  if (value.size() > kMaxIntegrationNameBytes) {
    // Not echoed whole: 300 characters help nobody.
    return make_error(ErrorCode::InvalidArgument,
                      "integration {} '{}...' is {} bytes long; at most {} are allowed, because it names a folder",
                      what, value.substr(0, 40), value.size(), kMaxIntegrationNameBytes);
  }
  if (has_control_characters(value)) {
    return make_error(ErrorCode::InvalidArgument, "integration {} must not contain control characters", what);
  }
  return Status::OK();
}

}  // namespace

Status check_integration_spec(const IntegrationSpec& spec, bool check_names) {
  CLOUDSYNC_RETURN_IF_ERROR(check_folder_name("name", spec.name));
  CLOUDSYNC_RETURN_IF_ERROR(check_folder_name("type", spec.type));
  auto url = parse_storage_url(spec.url);
  std::string_view scheme = url.ok() ? std::string_view(url->scheme) : std::string_view();
  for (const auto& [key, value] : spec.options) {
    // The value is never quoted: it is, or may hold, a secret.
    if (is_secret_backend_option(key)) {
      return make_error(ErrorCode::InvalidArgument,
                        "option '{}' is a credential, and a project never stores credentials: {}; a host passes "
                        "them with its credentials callback (WorkspaceOptions::credentials, "
                        "cloudsync_workspace_set_credentials) when the workspace runs",
                        key, credentials_hint(scheme));
    }
    if (redact(value) != value) {
      return make_error(ErrorCode::InvalidArgument,
                        "the value of option '{}' carries a credential (a password in a URL, a signature); a project "
                        "never stores credentials: {}",
                        key, credentials_hint(scheme));
    }
  }
  if (check_names && url.ok()) {
    Status known = check_option_names(spec.url, spec.options);
    if (!known.ok()) return known.with_context("nothing was stored");
  }
  return Status::OK();
}

Status check_import_request(const ImportRequest& request) {
  if (request.selectors.empty()) return make_error(ErrorCode::InvalidArgument, "nothing selected to import");
  for (const std::string& selector : request.selectors) {
    if (selector.find_first_not_of("/ \t") == std::string::npos) {
      return make_error(ErrorCode::InvalidArgument,
                        "the selector '{}' is empty and would select the whole remote; name keys, folders or globs "
                        "(\"**\" if you do mean everything)",
                        selector);
    }
  }
  return Status::OK();
}

}  // namespace cloudsync
