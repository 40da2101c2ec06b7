// Hex's flow on one project: a Workspace is a project of a catalog (its own,
// in <root>/.cloudsync, unless the host shares one), and each operation runs
// on the project's connection to the integration.
#include "cloudsync/workspace.hpp"

#include "cloudsync/catalog.hpp"
#include "core/error.hpp"
#include "core/file_io.hpp"
#include "engine/catalog_impl.hpp"
#include "engine/workspace_impl.hpp"
#include "engine/scope.hpp"
#include "engine/v1_state.hpp"

namespace cloudsync {

namespace fs = std::filesystem;

Workspace::Workspace(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Workspace::~Workspace() = default;

const fs::path& Workspace::root() const { return impl_->root; }

Result<std::unique_ptr<Workspace>> Workspace::open(const fs::path& root, WorkspaceOptions options) {
  if (root.empty()) return make_error(ErrorCode::InvalidArgument, "a workspace needs a root folder");
  std::error_code ec;
  fs::path abs = fs::absolute(root, ec).lexically_normal();
  if (ec) return errno_error(ec.value(), "resolve", root);
  fs::create_directories(abs, ec);
  if (ec) return errno_error(ec.value(), "create workspace folder", abs);
  if (!fs::is_directory(abs, ec)) return make_error(ErrorCode::InvalidArgument, "'{}' is not a folder", abs.string());
  if (options.limits.max_files == 0) return make_error(ErrorCode::InvalidArgument, "max_files must be at least 1");
  if (options.project.empty()) options.project = "default";
  auto impl = std::make_unique<Impl>();
  impl->root = abs;
  if (options.catalog) {
    impl->catalog = options.catalog;
  } else {
    CatalogOptions catalog_options;
    catalog_options.state_dir = options.state_dir.empty() ? abs / ".cloudsync" : fs::absolute(options.state_dir);
    catalog_options.backend_factory = options.backend_factory;
    catalog_options.limits = options.limits;
    catalog_options.transfers = options.transfers;
    CLOUDSYNC_ASSIGN_OR_RETURN(impl->catalog, Catalog::open(std::move(catalog_options)));
    CLOUDSYNC_RETURN_IF_ERROR(
        migrate_v1_state(*impl->cat().store, impl->catalog->state_dir(), options.project, abs).status());
  }
  auto project = impl->catalog->project(options.project);
  if (!project.ok() && project.status().code() == ErrorCode::NotFound) {
    project = impl->catalog->add_project(options.project, abs);
    // Another process registered it a moment ago.
    if (!project.ok() && project.status().code() == ErrorCode::AlreadyExists)
      project = impl->catalog->project(options.project);
  }
  CLOUDSYNC_RETURN_IF_ERROR(project.status());
  impl->project = std::move(project).value();
  // Files live where this workspace was opened, whatever root the project
  // was registered with (a moved project folder keeps its state).
  impl->project.root = abs;
  impl->options = std::move(options);
  return std::unique_ptr<Workspace>(new Workspace(std::move(impl)));
}

Result<Integration> Workspace::add_integration(IntegrationSpec spec) {
  return impl_->catalog->create_integration(std::move(spec));
}

Status Workspace::remove_integration(std::string_view name, bool delete_files) {
  CLOUDSYNC_ASSIGN_OR_RETURN(Integration integ, impl_->require(name));
  Result<Path> folder = integration_folder(integ);
  if (delete_files) CLOUDSYNC_RETURN_IF_ERROR(folder.status());
  // Not while an operation of this project runs on it.
  auto connection = impl_->catalog->connection_for(impl_->project.id, integ.id);
  std::optional<FileLock> lock;
  if (connection.ok()) {
    CLOUDSYNC_ASSIGN_OR_RETURN(
        lock, FileLock::acquire(impl_->cat().lock_file("connection", connection->id),
                                fmt::format("integration '{}'", integ.spec.name), std::chrono::seconds(10)));
  }
  CLOUDSYNC_RETURN_IF_ERROR(impl_->catalog->delete_integration(integ.id, /*force=*/true));
  // Through directory descriptors from the project root: a symlinked
  // ancestor or a symlink inside is never followed.
  if (delete_files) return remove_tree_below(impl_->root, *folder);
  return Status::OK();
}

std::vector<Integration> Workspace::integrations() const {
  std::vector<Integration> out;
  IntegrationFilter filter;
  filter.project = impl_->project.id;
  (void)impl_->catalog->for_each_integration(filter, [&](const Integration& i) {
    out.push_back(i);
    return true;
  });
  return out;
}

Result<Integration> Workspace::integration(std::string_view name) const { return impl_->require(name); }

Result<std::vector<TrackedFile>> Workspace::tracked_files(std::string_view name) const {
  CLOUDSYNC_ASSIGN_OR_RETURN(Integration integ, impl_->require(name));
  auto connection = impl_->catalog->connection_for(impl_->project.id, integ.id);
  if (!connection.ok()) {
    if (connection.status().code() == ErrorCode::NotFound) return std::vector<TrackedFile>{};
    return connection.status();
  }
  return impl_->catalog->tracked_files(connection->id);
}

Result<OperationResult> Workspace::import_files(std::string_view name, const ImportRequest& request,
                                                const ProgressCallback& progress, const CancelToken* cancel) {
  CLOUDSYNC_ASSIGN_OR_RETURN(Integration integ, impl_->require(name));
  CLOUDSYNC_RETURN_IF_ERROR(check_selectors_allowed(integ, request.selectors, "import"));
  return impl_->operate(integ, request.dry_run,
                        [&](OperationTarget& t) { return run_import(t, request, progress, cancel); });
}

Result<OperationResult> Workspace::export_files(std::string_view name, const ExportRequest& request,
                                                const ProgressCallback& progress, const CancelToken* cancel) {
  CLOUDSYNC_ASSIGN_OR_RETURN(Integration integ, impl_->require(name));
  if (!integ.spec.writeback) {
    return make_error(ErrorCode::PermissionDenied,
                      "integration '{}' is read-only: writeback is disabled, so files cannot be exported",
                      integ.spec.name);
  }
  return impl_->operate(integ, request.dry_run,
                        [&](OperationTarget& t) { return run_export(t, request, progress, cancel); });
}

Result<std::vector<OperationResult>> Workspace::restore(std::string_view name, const RestoreRequest& request,
                                                        const ProgressCallback& progress, const CancelToken* cancel) {
  std::vector<Integration> targets;
  if (name.empty()) {
    // Every integration this project has a connection to.
    ConnectionFilter filter;
    filter.project = impl_->project.id;
    CLOUDSYNC_ASSIGN_OR_RETURN(std::vector<Connection> connections,
                               impl_->catalog->connections(filter, PageRequest{UINT64_MAX, 0}));
    for (const Connection& c : connections) {
      auto integ = impl_->catalog->integration(c.integration_id);
      if (integ.ok()) targets.push_back(std::move(integ).value());
    }
  } else {
    CLOUDSYNC_ASSIGN_OR_RETURN(Integration integ, impl_->require(name));
    targets.push_back(std::move(integ));
  }
  std::vector<OperationResult> results;
  for (const Integration& integ : targets) {
    auto r = impl_->operate(integ, request.dry_run,
                            [&](OperationTarget& t) { return run_restore(t, request, progress, cancel); });
    if (r.ok()) {
      results.push_back(std::move(r).value());
      continue;
    }
    if (!name.empty() || r.status().code() == ErrorCode::Cancelled) return r.status();
    // A kernel start restores what it can: one unreachable store does not
    // keep the others' files away. Each failure is reported.
    OperationResult failed;
    failed.integration = integ.spec.name;
    failed.operation = "restore";
    failed.error = r.status();
    results.push_back(std::move(failed));
  }
  return results;
}

Result<OperationResult> Workspace::sync(std::string_view name, const SyncRequest& request,
                                        const ProgressCallback& progress, const CancelToken* cancel) {
  CLOUDSYNC_ASSIGN_OR_RETURN(Integration integ, impl_->require(name));
  bool push = request.direction == SyncDirection::Push;
  if (push && !integ.spec.writeback) {
    return make_error(ErrorCode::PermissionDenied,
                      "integration '{}' is read-only: writeback is disabled, so the project cannot be pushed",
                      integ.spec.name);
  }
  return impl_->operate(integ, request.dry_run, [&](OperationTarget& t) -> Result<OperationResult> {
    SyncScope scope;
    scope.folders = effective_folders(integ, request.folders, t.connection.selected_folders);
    scope.include = t.connection.include;
    scope.exclude = t.connection.exclude;
    CLOUDSYNC_RETURN_IF_ERROR(check_selectors_allowed(integ, scope.folders, "sync"));
    CLOUDSYNC_ASSIGN_OR_RETURN(Plan plan,
                               plan_connection_sync(t, request.direction, scope, request.delete_extraneous, cancel));
    return apply_connection_sync(t, request.direction, std::move(plan), request.dry_run, request.max_delete, progress,
                                 cancel);
  });
}

}  // namespace cloudsync
