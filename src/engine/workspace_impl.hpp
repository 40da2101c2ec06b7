// The workspace's internals, shared by the Workspace (Hex's flow on one
// project) and the kernel session that watches it (src/watch).
#pragma once

#include <filesystem>
#include <memory>

#include "cloudsync/catalog.hpp"
#include "cloudsync/workspace.hpp"
#include "core/error.hpp"
#include "engine/catalog_impl.hpp"
#include "engine/scope.hpp"

namespace cloudsync {

struct Workspace::Impl {
  std::filesystem::path root;
  WorkspaceOptions options;
  std::shared_ptr<Catalog> catalog;
  Project project;  // with root: the folder this workspace was opened on

  Catalog::Impl& cat() { return *catalog->impl_; }

  Result<Integration> require(std::string_view name) const {
    auto found = catalog->integration(name);
    if (!found.ok() && found.status().code() == ErrorCode::NotFound) {
      return make_error(ErrorCode::NotFound, "no integration named '{}' in this project", name);
    }
    CLOUDSYNC_RETURN_IF_ERROR(found.status());
    CLOUDSYNC_RETURN_IF_ERROR(check_project_allowed(*found, project));
    return found;
  }

  Result<OperationResult> operate(const Integration& integ, bool dry_run, const Catalog::Impl::Operation& op) {
    return cat().operate(project, integ, dry_run, options.credentials, op);
  }
};

}  // namespace cloudsync
