// Checks on what a host hands the workspace, made before anything is stored
// or runs: an integration's spec (integration add) and an import request.
#pragma once

#include "cloudsync/workspace.hpp"

namespace cloudsync {

/// The longest integration name and type, in bytes: each names a folder
/// (external-files/{type}/{sanitized name}), and a longer one than NAME_MAX
/// would make every later import fail.
inline constexpr size_t kMaxIntegrationNameBytes = 255;

/// The project folder every integration's files live under.
inline constexpr std::string_view kExternalFiles = "external-files";

/// Refuses (InvalidArgument) a name or type too long to name a folder or with
/// control characters, any credential among the options (by exact name, or a
/// URL value carrying "user:password@"), and, with `check_names`, option names
/// the URL's provider does not take (a host with its own backend factory has
/// its own names). The URL itself is checked by parse_storage_url.
Status check_integration_spec(const IntegrationSpec& spec, bool check_names);

/// Refuses an import that selects nothing, or a selector that is empty (or
/// only '/'), which would select the whole remote.
Status check_import_request(const ImportRequest& request);

}  // namespace cloudsync
