#include "engine/scope.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "core/glob.hpp"

namespace cloudsync {

namespace {

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && s.front() == '/') s.remove_prefix(1);
  while (!s.empty() && s.back() == '/') s.remove_suffix(1);
  return s;
}

bool allowed(const Integration& integration, std::string_view key) {
  const auto& paths = integration.spec.allowed_paths;
  return paths.empty() ||
         std::any_of(paths.begin(), paths.end(), [&](const std::string& p) { return path_within(key, p); });
}

std::string allowed_list(const Integration& integration) {
  std::string out;
  for (const std::string& p : integration.spec.allowed_paths)
    out += (out.empty() ? "" : ", ") + std::string(trimmed(p)) + "/";
  return out;
}

}  // namespace

bool path_within(std::string_view key, std::string_view folder) {
  key = trimmed(key);
  folder = trimmed(folder);
  if (folder.empty()) return true;
  if (!key.starts_with(folder)) return false;
  return key.size() == folder.size() || key[folder.size()] == '/';
}

Status check_project_allowed(const Integration& integration, const Project& project) {
  const auto& projects = integration.spec.allowed_projects;
  if (projects.empty()) return Status::OK();
  for (const std::string& p : projects) {
    if (p == project.id || p == project.name) return Status::OK();
  }
  return make_error(ErrorCode::PermissionDenied, "integration '{}' is not available to project '{}'",
                    integration.spec.name, project.name);
}

Status check_remote_keys_allowed(const Integration& integration, const std::vector<std::string>& keys,
                                 std::string_view operation) {
  size_t outside = 0;
  const std::string* first = nullptr;
  for (const std::string& k : keys) {
    if (allowed(integration, k)) continue;
    if (first == nullptr) first = &k;
    ++outside;
  }
  if (first == nullptr) return Status::OK();
  return make_error(ErrorCode::PermissionDenied,
                    "{} refused: '{}'{} lies outside the paths integration '{}' allows ({}); nothing was transferred",
                    operation, *first, outside > 1 ? fmt::format(" (and {} more)", outside - 1) : "",
                    integration.spec.name, allowed_list(integration));
}

Status check_selectors_allowed(const Integration& integration, const std::vector<std::string>& selectors,
                               std::string_view operation) {
  if (integration.spec.allowed_paths.empty()) return Status::OK();
  for (const std::string& s : selectors) {
    std::string reach = has_glob_chars(s) ? glob_literal_prefix(s) : s;
    if (trimmed(reach).empty() || !allowed(integration, reach)) {
      return make_error(ErrorCode::PermissionDenied,
                        "{} refused: '{}' reaches outside the paths integration '{}' allows ({}); nothing was "
                        "transferred",
                        operation, s, integration.spec.name, allowed_list(integration));
    }
  }
  return Status::OK();
}

std::vector<std::string> effective_folders(const Integration& integration, const std::vector<std::string>& requested,
                                           const std::vector<std::string>& connection_folders) {
  if (!requested.empty()) return requested;
  if (!connection_folders.empty()) return connection_folders;
  if (!integration.spec.selected_folders.empty()) return integration.spec.selected_folders;
  return integration.spec.allowed_paths;
}

}  // namespace cloudsync
