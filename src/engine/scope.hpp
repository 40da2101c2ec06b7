// An integration's scope (Kili's allowed projects and allowed paths), enforced
// before any request: what lies outside is refused with a clear error and
// nothing is touched.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cloudsync/catalog.hpp"

namespace cloudsync {

/// True when `key` is `folder` or lies below it, on path boundaries: "data"
/// covers "data" and "data/x", never "data2/x" or "database.csv". An empty
/// folder covers everything.
bool path_within(std::string_view key, std::string_view folder);

/// PermissionDenied unless the integration allows the project (by id or name).
Status check_project_allowed(const Integration& integration, const Project& project);

/// PermissionDenied naming the first key (and how many) outside the allowed paths.
Status check_remote_keys_allowed(const Integration& integration, const std::vector<std::string>& keys,
                                 std::string_view operation);

/// PermissionDenied for a folder, selector or glob that reaches outside the
/// allowed paths (a glob's literal folder must lie within one).
Status check_selectors_allowed(const Integration& integration, const std::vector<std::string>& selectors,
                               std::string_view operation);

/// The folders a sync covers: the requested ones, else the connection's, else
/// the integration's selected folders, else its allowed paths (else all).
std::vector<std::string> effective_folders(const Integration& integration, const std::vector<std::string>& requested,
                                           const std::vector<std::string>& connection_folders);

}  // namespace cloudsync
