#include "cloudsync/catalog.hpp"

#include <sys/stat.h>

#include <algorithm>

#include "cloudsync/endpoint_facts.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "core/parallel.hpp"
#include "core/redact.hpp"
#include "core/time.hpp"
#include "core/url.hpp"
#include "core/utf8.hpp"
#include "engine/catalog_impl.hpp"
#include "engine/integration_spec.hpp"
#include "engine/scope.hpp"
#include "engine/status_probe.hpp"

namespace cloudsync {

namespace fs = std::filesystem;

namespace {

// An operation waits this long for a connection's or a check's lock before it
// calls the other holder busy: a query that asks whether it is held takes it
// for a moment (FileLock::is_held), which must not fail a starting operation.
constexpr std::chrono::milliseconds kLockGrace{250};

Status check_folder_list(const std::vector<std::string>& folders, std::string_view what) {
  for (const std::string& f : folders) {
    std::string trimmed = f;
    while (!trimmed.empty() && trimmed.back() == '/') trimmed.pop_back();
    Status valid = trimmed.empty() ? make_error(ErrorCode::InvalidArgument, "an empty folder would mean everything")
                                   : Path::validate(trimmed);
    if (!valid.ok()) return valid.with_context(fmt::format("{} '{}'", what, f));
  }
  return Status::OK();
}

std::vector<std::string> without_trailing_slashes(std::vector<std::string> folders) {
  for (std::string& f : folders) {
    while (!f.empty() && f.back() == '/') f.pop_back();
  }
  return folders;
}

// Everything about an integration's settings that create and update check.
Status validate_integration(Integration& integ, bool check_option_names) {
  IntegrationSpec& spec = integ.spec;
  if (spec.name.find_first_not_of(" \t") == std::string::npos) {
    return make_error(ErrorCode::InvalidArgument, "an integration needs a name");
  }
  std::string sanitized = sanitize_integration_name(spec.name);
  if (sanitized.empty()) {
    return make_error(ErrorCode::InvalidArgument,
                      "integration name '{}' has no letters or digits to name its folder after", spec.name);
  }
  auto url = parse_storage_url(spec.url);
  if (!url.ok()) return url.status().with_context(fmt::format("integration '{}'", spec.name));
  if (spec.type.empty()) spec.type = integration_type_for_url(spec.url);
  if (spec.type.empty() || spec.type.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") != std::string::npos) {
    return make_error(ErrorCode::InvalidArgument, "integration type '{}' must be lower-case letters, digits or '_'",
                      spec.type);
  }
  CLOUDSYNC_RETURN_IF_ERROR(check_integration_spec(spec, check_option_names));
  CLOUDSYNC_RETURN_IF_ERROR(check_folder_list(spec.selected_folders, "selected folder"));
  CLOUDSYNC_RETURN_IF_ERROR(check_folder_list(spec.allowed_paths, "allowed path"));
  spec.allowed_paths = without_trailing_slashes(std::move(spec.allowed_paths));
  for (const std::string& f : spec.selected_folders) {
    if (!spec.allowed_paths.empty() && std::none_of(spec.allowed_paths.begin(), spec.allowed_paths.end(),
                                                    [&](const std::string& p) { return path_within(f, p); })) {
      return make_error(ErrorCode::InvalidArgument, "selected folder '{}' lies outside the allowed paths", f);
    }
  }
  for (const std::string& p : spec.allowed_projects) {
    if (p.empty()) return make_error(ErrorCode::InvalidArgument, "an allowed project cannot be empty");
  }
  integ.folder = fmt::format("{}/{}/{}", kExternalFiles, spec.type, sanitized);
  integ.platform = std::string(platform_name(platform_of(spec.url, spec.options)));
  return Status::OK();
}

Status check_secrets(const SecretOptions& secrets) {
  for (const auto& [k, v] : secrets) {
    if (k.empty() || v.empty()) {
      return make_error(ErrorCode::InvalidArgument, "a secret needs a name and a value (secret '{}')", k);
    }
  }
  return Status::OK();
}

std::string settings_digest(const Integration& integ, const BackendOptions& merged) {
  Hasher h(hash_kinds(HashKind::Sha256));
  h.update(integ.spec.url);
  for (const auto& [k, v] : merged) {
    h.update(std::string_view("\0", 1));
    h.update(k);
    h.update(std::string_view("\0", 1));
    h.update(v);
  }
  return h.finish().sha256;
}

StoredStatus stored(const StatusCheck& check) {
  StoredStatus s;
  s.status = check.status;
  if (check.status == IntegrationStatus::Disconnected) s.reason = std::string(disconnect_reason_name(check.reason));
  if (check.missing_action && check.reason == DisconnectReason::MissingPermission) {
    s.missing_action = std::string(probe_action_name(*check.missing_action));
  }
  s.message = check.message;
  s.json = status_check_to_json(check);
  s.checked_at = check.checked_at;
  return s;
}

}  // namespace

// --- Impl -------------------------------------------------------------------

Result<Integration> Catalog::Impl::require_integration(std::string_view id_or_name) const {
  recover_abandoned_checks();
  CLOUDSYNC_ASSIGN_OR_RETURN(std::optional<Integration> found, store->find_integration(std::string(id_or_name)));
  if (!found) return make_error(ErrorCode::NotFound, "no integration with the id or name '{}'", id_or_name);
  return std::move(*found);
}

Result<Project> Catalog::Impl::require_project(std::string_view id_or_name) const {
  CLOUDSYNC_ASSIGN_OR_RETURN(std::optional<Project> found, store->find_project(std::string(id_or_name)));
  if (!found) return make_error(ErrorCode::NotFound, "no project with the id or name '{}'", id_or_name);
  return std::move(*found);
}

void Catalog::Impl::recover_abandoned_checks() const {
  auto checking = store->checking_integrations();
  if (!checking.ok()) return;
  for (const std::string& id : *checking) {
    if (!FileLock::is_held(lock_file("check", id))) (void)store->abandon_check(id);
  }
}

Connection Catalog::Impl::with_live_state(Connection connection) const {
  connection.is_checking = FileLock::is_held(lock_file("connection", connection.id));
  return connection;
}

Result<std::shared_ptr<StorageBackend>> Catalog::Impl::open_remote(const Integration& integ,
                                                                   const CredentialsCallback& extra) {
  BackendOptions merged = integ.spec.options;
  CLOUDSYNC_ASSIGN_OR_RETURN(SecretOptions stored_secrets, secrets.get(integ.id));
  CLOUDSYNC_ASSIGN_OR_RETURN(SecretOptions resolved, resolve_secret_references(stored_secrets));
  for (auto& [k, v] : resolved) merged[k] = v;
  if (options.credentials) {
    for (auto& [k, v] : options.credentials(integ)) merged[k] = v;
  }
  if (extra) {
    for (auto& [k, v] : extra(integ)) merged[k] = v;
  }
  std::string digest = settings_digest(integ, merged);
  std::lock_guard lock(backends_mutex);
  if (auto it = backends.find(integ.id); it != backends.end() && it->second.first == digest) return it->second.second;
  auto backend = options.backend_factory ? options.backend_factory(integ, merged)
                                         : open_backend(integ.spec.url, merged, BackendOpenContext{endpoint_facts});
  if (!backend.ok()) return backend.status().with_context(fmt::format("integration '{}'", integ.spec.name));
  backends[integ.id] = {digest, *backend};
  return backend;
}

Result<Connection> Catalog::Impl::ensure_connection(const Project& project, const Integration& integ) {
  CLOUDSYNC_ASSIGN_OR_RETURN(std::optional<Connection> existing, store->find_connection_for(project.id, integ.id));
  if (existing) return std::move(*existing);
  Connection c;
  c.id = random_hex(8);
  c.project_id = project.id;
  c.integration_id = integ.id;
  c.created_at = now_utc();
  Status inserted = store->insert_connection(c);
  // Another process may have made it a moment ago: use theirs.
  if (!inserted.ok() && inserted.code() != ErrorCode::AlreadyExists) return inserted;
  CLOUDSYNC_ASSIGN_OR_RETURN(existing, store->find_connection_for(project.id, integ.id));
  if (!existing) return make_error(ErrorCode::Internal, "the new connection vanished");
  return std::move(*existing);
}

Result<OperationResult> Catalog::Impl::operate(const Project& project, const Integration& integ, bool dry_run,
                                               const CredentialsCallback& extra, const Operation& operation) {
  CLOUDSYNC_RETURN_IF_ERROR(check_project_allowed(integ, project));
  OperationTarget target;
  target.store = store.get();
  target.integration = integ;
  target.project = project;
  target.limits = options.limits;
  target.transfers = options.transfers;
  CLOUDSYNC_ASSIGN_OR_RETURN(std::optional<Connection> existing, store->find_connection_for(project.id, integ.id));
  if (!existing && !dry_run) {
    CLOUDSYNC_ASSIGN_OR_RETURN(Connection made, ensure_connection(project, integ));
    existing = std::move(made);
  }
  std::string lock_id = existing ? existing->id : "new-" + project.id + "-" + integ.id;
  CLOUDSYNC_ASSIGN_OR_RETURN(
      FileLock lock,
      FileLock::acquire(lock_file("connection", lock_id),
                        fmt::format("integration '{}' in project '{}'", integ.spec.name, project.name), kLockGrace));
  if (existing) {
    target.connection = *existing;
    CLOUDSYNC_ASSIGN_OR_RETURN(target.manifest, store->load_manifest(existing->id));
  } else {
    target.connection_stored = false;
    target.connection.project_id = project.id;
    target.connection.integration_id = integ.id;
    target.connection.folder = integ.folder;
  }
  CLOUDSYNC_ASSIGN_OR_RETURN(target.remote, open_remote(integ, extra));
  CLOUDSYNC_ASSIGN_OR_RETURN(target.local, open_connection_folder(project, integ, dry_run));
  return operation(target);
}

// --- Catalog ----------------------------------------------------------------

Catalog::Catalog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Catalog::~Catalog() = default;

const fs::path& Catalog::state_dir() const { return impl_->options.state_dir; }

Result<std::shared_ptr<Catalog>> Catalog::open(CatalogOptions options) {
  if (options.state_dir.empty()) return make_error(ErrorCode::InvalidArgument, "a catalog needs a state folder");
  if (options.limits.max_files == 0) return make_error(ErrorCode::InvalidArgument, "max_files must be at least 1");
  std::error_code ec;
  options.state_dir = fs::absolute(options.state_dir, ec).lexically_normal();
  if (ec) return errno_error(ec.value(), "resolve", options.state_dir);
  if (!fs::exists(options.state_dir, ec)) {
    fs::create_directories(options.state_dir, ec);
    if (ec) return errno_error(ec.value(), "create catalog folder", options.state_dir);
    ::chmod(options.state_dir.c_str(), 0700);
  }
  if (!fs::is_directory(options.state_dir, ec)) {
    return make_error(ErrorCode::InvalidArgument, "'{}' is not a folder", options.state_dir.string());
  }
  CLOUDSYNC_ASSIGN_OR_RETURN(std::unique_ptr<CatalogStore> store, open_catalog_store(options));
  auto impl = std::make_unique<Impl>(std::move(options), std::move(store));
  return std::shared_ptr<Catalog>(new Catalog(std::move(impl)));
}

Result<Integration> Catalog::create_integration(IntegrationSpec spec, SecretOptions secrets) {
  Integration integ;
  integ.spec = std::move(spec);
  CLOUDSYNC_RETURN_IF_ERROR(validate_integration(integ, !impl_->options.backend_factory));
  CLOUDSYNC_RETURN_IF_ERROR(check_secrets(secrets));
  integ.id = random_hex(8);
  integ.status = std::string(integration_status_name(IntegrationStatus::Unchecked));
  integ.created_at = integ.updated_at = now_utc();
  // Secrets first: an integration whose row exists must be able to open.
  if (!secrets.empty()) CLOUDSYNC_RETURN_IF_ERROR(impl_->secrets.put(integ.id, secrets));
  Status inserted = impl_->store->insert_integration(integ);
  if (!inserted.ok()) {
    if (!secrets.empty()) (void)impl_->secrets.remove(integ.id);
    return inserted;
  }
  return integ;
}

Result<Integration> Catalog::integration(std::string_view id_or_name) const {
  return impl_->require_integration(id_or_name);
}

Result<Integration> Catalog::update_integration(std::string_view id_or_name, const IntegrationUpdate& update) {
  CLOUDSYNC_ASSIGN_OR_RETURN(Integration integ, impl_->require_integration(id_or_name));
  bool settings_changed = false;
  if (update.name) integ.spec.name = *update.name;
  if (update.url) {
    settings_changed |= *update.url != integ.spec.url;
    integ.spec.url = *update.url;
    integ.spec.type.clear();  // from the new URL
  }
  if (update.writeback) {
    settings_changed |= *update.writeback != integ.spec.writeback;
    integ.spec.writeback = *update.writeback;
  }
  if (update.options) {
    settings_changed |= *update.options != integ.spec.options;
    integ.spec.options = *update.options;
  }
  if (update.selected_folders) integ.spec.selected_folders = *update.selected_folders;
  if (update.allowed_projects) integ.spec.allowed_projects = *update.allowed_projects;
  if (update.allowed_paths) {
    settings_changed |= *update.allowed_paths != integ.spec.allowed_paths;
    integ.spec.allowed_paths = *update.allowed_paths;
  }
  std::string old_folder = integ.folder;
  CLOUDSYNC_RETURN_IF_ERROR(validate_integration(integ, !impl_->options.backend_factory));
  if (integ.folder != old_folder) {
    CLOUDSYNC_ASSIGN_OR_RETURN(uint64_t connections, impl_->store->count_connections(ConnectionQuery{{}, integ.id}));
    if (connections > 0) {
      return make_error(ErrorCode::Conflict,
                        "renaming integration '{}' would move its project folders ({} -> {}); remove its {} "
                        "connection(s) first",
                        id_or_name, old_folder, integ.folder, connections);
    }
  }
  if (update.secrets) {
    CLOUDSYNC_RETURN_IF_ERROR(check_secrets(*update.secrets));
    CLOUDSYNC_RETURN_IF_ERROR(impl_->secrets.put(integ.id, *update.secrets));
    settings_changed = true;
  }
  if (settings_changed) {
    integ.status = std::string(integration_status_name(IntegrationStatus::Unchecked));
    integ.status_reason.clear();
    integ.missing_action.clear();
    integ.status_message.clear();
  }
  integ.updated_at = now_utc();
  CLOUDSYNC_RETURN_IF_ERROR(impl_->store->update_integration(integ));
  return integ;
}

Status Catalog::delete_integration(std::string_view id_or_name, bool force) {
  CLOUDSYNC_ASSIGN_OR_RETURN(Integration integ, impl_->require_integration(id_or_name));
  CLOUDSYNC_ASSIGN_OR_RETURN(uint64_t connections, impl_->store->count_connections(ConnectionQuery{{}, integ.id}));
  if (connections > 0 && !force) {
    return make_error(ErrorCode::Conflict,
                      "integration '{}' still has {} connection(s); remove them first (or force the deletion)",
                      integ.spec.name, connections);
  }
  // Its export jobs go with it (the store cascades), so they too need force;
  // their sources' passwords leave the secrets file with them.
  CLOUDSYNC_ASSIGN_OR_RETURN(std::vector<StoredExportJob> all_jobs,
                             impl_->store->list_export_jobs(PageRequest{UINT64_MAX, 0}));
  std::vector<std::string> jobs;
  for (const StoredExportJob& j : all_jobs) {
    if (j.job.integration_id == integ.id) jobs.push_back(j.job.id);
  }
  if (!jobs.empty() && !force) {
    return make_error(ErrorCode::Conflict,
                      "integration '{}' is the destination of {} record export job(s); remove them first (or force "
                      "the deletion)",
                      integ.spec.name, jobs.size());
  }
  CLOUDSYNC_RETURN_IF_ERROR(impl_->store->delete_integration(integ.id));
  {
    std::lock_guard lock(impl_->backends_mutex);
    impl_->backends.erase(integ.id);
  }
  for (const std::string& job : jobs) CLOUDSYNC_RETURN_IF_ERROR(impl_->secrets.remove(export_job_secrets_key(job)));
  return impl_->secrets.remove(integ.id);
}

namespace {

Result<IntegrationQuery> resolve_query(const Catalog::Impl& impl, const IntegrationFilter& filter) {
  IntegrationQuery q{filter, {}};
  if (filter.project) {
    CLOUDSYNC_ASSIGN_OR_RETURN(std::optional<Project> p, impl.store->find_project(*filter.project));
    if (p) q.project_keys = {p->id, p->name};
  }
  return q;
}

}  // namespace

Result<std::vector<Integration>> Catalog::integrations(const IntegrationFilter& filter, PageRequest page) const {
  impl_->recover_abandoned_checks();
  CLOUDSYNC_ASSIGN_OR_RETURN(IntegrationQuery q, resolve_query(*impl_, filter));
  return impl_->store->query_integrations(q, page);
}

Result<uint64_t> Catalog::count_integrations(const IntegrationFilter& filter) const {
  impl_->recover_abandoned_checks();
  CLOUDSYNC_ASSIGN_OR_RETURN(IntegrationQuery q, resolve_query(*impl_, filter));
  return impl_->store->count_integrations(q);
}

Status Catalog::for_each_integration(const IntegrationFilter& filter,
                                     const std::function<bool(const Integration&)>& visit, uint64_t page_size) const {
  if (page_size == 0) page_size = 100;
  for (uint64_t skip = 0;; skip += page_size) {
    CLOUDSYNC_ASSIGN_OR_RETURN(std::vector<Integration> page, integrations(filter, PageRequest{page_size, skip}));
    for (const Integration& i : page) {
      if (!visit(i)) return Status::OK();
    }
    if (page.size() < page_size) return Status::OK();
  }
}

Result<std::vector<std::string>> Catalog::secret_names(std::string_view id_or_name) const {
  CLOUDSYNC_ASSIGN_OR_RETURN(Integration integ, impl_->require_integration(id_or_name));
  CLOUDSYNC_ASSIGN_OR_RETURN(SecretOptions secrets, impl_->secrets.get(integ.id));
  std::vector<std::string> names;
  for (const auto& [k, v] : secrets) names.push_back(k);
  return names;
}

Result<StatusCheck> Catalog::check_integration(std::string_view id_or_name, const CancelToken* cancel) {
  CLOUDSYNC_ASSIGN_OR_RETURN(Integration integ, impl_->require_integration(id_or_name));
  CLOUDSYNC_ASSIGN_OR_RETURN(
      FileLock lock,
      FileLock::acquire(impl_->lock_file("check", integ.id),
                        fmt::format("the status check of integration '{}'", integ.spec.name), kLockGrace));
  CLOUDSYNC_RETURN_IF_ERROR(impl_->store->begin_check(integ.id));
  auto started = std::chrono::steady_clock::now();
  StatusCheck check;
  auto backend = impl_->open_remote(integ, {});
  if (!backend.ok()) {
    check = classify_probe_failure(ProbeAction::List, backend.status());
    check.checked_at = now_utc();
    check.duration = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  } else {
    ProbeOptions probe;
    probe.prefixes = integ.spec.allowed_paths.empty() ? integ.spec.selected_folders : integ.spec.allowed_paths;
    probe.writeback = integ.spec.writeback;
    probe.probe_folder = integ.spec.allowed_paths.empty() ? "" : integ.spec.allowed_paths.front();
    CatalogStore* store = impl_->store.get();
    const std::string id = integ.id;
    ProbeJournal journal;
    journal.begin = [store, id](const std::string& key) { return store->add_probe(id, key); };
    journal.end = [store, id](const std::string& key) { return store->remove_probe(id, key); };
    journal.leftovers = [store, id]() { return store->probes(id); };
    CancelToken token(cancel);
    check = probe_backend(**backend, probe, journal, OpContext{&token});
  }
  Status saved = impl_->store->set_status(integ.id, stored(check));
  if (!saved.ok()) {
    (void)impl_->store->abandon_check(integ.id);
    return saved;
  }
  return check;
}

Result<std::vector<std::pair<std::string, StatusCheck>>> Catalog::check_integrations(const IntegrationFilter& filter,
                                                                                     uint32_t concurrency,
                                                                                     const CancelToken* cancel) {
  std::vector<Integration> targets;
  CLOUDSYNC_RETURN_IF_ERROR(for_each_integration(filter, [&](const Integration& i) {
    targets.push_back(i);
    return true;
  }));
  std::vector<std::pair<std::string, StatusCheck>> out(targets.size());
  std::mutex mutex;
  Status first_error;
  parallel_for(
      targets.size(), std::max<uint32_t>(1, concurrency),
      [&](size_t n) {
        auto check = check_integration(targets[n].id, cancel);
        std::lock_guard lock(mutex);
        out[n].first = targets[n].id;
        if (check.ok()) {
          out[n].second = std::move(check).value();
        } else {
          // A check that could not run (another holds it): reported, not fatal.
          out[n].second.status = IntegrationStatus::Checking;
          out[n].second.reason = DisconnectReason::Error;
          out[n].second.message = check.status().to_string();
        }
      },
      cancel);
  if (cancel != nullptr && cancel->is_cancelled()) return Status(ErrorCode::Cancelled, "cancelled");
  return out;
}

Result<Project> Catalog::add_project(std::string_view name, const fs::path& root) {
  if (name.find_first_not_of(" \t") == std::string::npos) {
    return make_error(ErrorCode::InvalidArgument, "a project needs a name");
  }
  if (name.find_first_of("\r\n\t") != std::string::npos || name.size() > 255) {
    return make_error(ErrorCode::InvalidArgument,
                      "a project name must be at most 255 bytes, without control characters");
  }
  std::error_code ec;
  fs::path abs = fs::absolute(root, ec).lexically_normal();
  if (ec || root.empty()) return make_error(ErrorCode::InvalidArgument, "project '{}' needs a root folder", name);
  CLOUDSYNC_ASSIGN_OR_RETURN(std::optional<Project> existing, impl_->store->find_project(std::string(name)));
  if (existing) {
    if (existing->root == abs) return std::move(*existing);
    return make_error(ErrorCode::AlreadyExists, "a project named '{}' already exists (at {})", existing->name,
                      existing->root.string());
  }
  Project p;
  p.id = random_hex(8);
  p.name = std::string(name);
  p.root = abs;
  p.created_at = now_utc();
  CLOUDSYNC_RETURN_IF_ERROR(impl_->store->insert_project(p));
  return p;
}

Result<Project> Catalog::project(std::string_view id_or_name) const { return impl_->require_project(id_or_name); }

Result<std::vector<Project>> Catalog::projects() const { return impl_->store->list_projects(); }

Status Catalog::remove_project(std::string_view id_or_name) {
  CLOUDSYNC_ASSIGN_OR_RETURN(Project p, impl_->require_project(id_or_name));
  return impl_->store->delete_project(p.id);
}

Result<Connection> Catalog::add_connection(const ConnectionSpec& spec) {
  CLOUDSYNC_ASSIGN_OR_RETURN(Project project, impl_->require_project(spec.project));
  CLOUDSYNC_ASSIGN_OR_RETURN(Integration integ, impl_->require_integration(spec.integration));
  CLOUDSYNC_RETURN_IF_ERROR(check_project_allowed(integ, project));
  CLOUDSYNC_RETURN_IF_ERROR(check_folder_list(spec.selected_folders, "selected folder"));
  Connection c;
  c.selected_folders = without_trailing_slashes(spec.selected_folders);
  CLOUDSYNC_RETURN_IF_ERROR(
      check_selectors_allowed(integ, effective_folders(integ, {}, c.selected_folders), "the connection"));
  for (const auto* globs : {&spec.include, &spec.exclude}) {
    for (const std::string& g : *globs) {
      if (g.empty()) return make_error(ErrorCode::InvalidArgument, "an include or exclude pattern cannot be empty");
    }
  }
  c.id = random_hex(8);
  c.project_id = project.id;
  c.integration_id = integ.id;
  c.folder = integ.folder;
  c.include = spec.include;
  c.exclude = spec.exclude;
  c.created_at = now_utc();
  Status inserted = impl_->store->insert_connection(c);
  if (inserted.code() == ErrorCode::AlreadyExists) {
    return make_error(ErrorCode::AlreadyExists, "project '{}' is already connected to integration '{}'", project.name,
                      integ.spec.name);
  }
  CLOUDSYNC_RETURN_IF_ERROR(inserted);
  return c;
}

Result<Connection> Catalog::connection(std::string_view id) const {
  CLOUDSYNC_ASSIGN_OR_RETURN(std::optional<Connection> c, impl_->store->find_connection(std::string(id)));
  if (!c) return make_error(ErrorCode::NotFound, "no connection with the id '{}'", id);
  return impl_->with_live_state(std::move(*c));
}

Result<Connection> Catalog::connection_for(std::string_view project, std::string_view integration) const {
  CLOUDSYNC_ASSIGN_OR_RETURN(Project p, impl_->require_project(project));
  CLOUDSYNC_ASSIGN_OR_RETURN(Integration i, impl_->require_integration(integration));
  CLOUDSYNC_ASSIGN_OR_RETURN(std::optional<Connection> c, impl_->store->find_connection_for(p.id, i.id));
  if (!c) {
    return make_error(ErrorCode::NotFound, "project '{}' has no connection to integration '{}'", p.name, i.spec.name);
  }
  return impl_->with_live_state(std::move(*c));
}

namespace {

Result<ConnectionQuery> resolve_query(const Catalog::Impl& impl, const ConnectionFilter& filter) {
  ConnectionQuery q;
  if (filter.project) {
    CLOUDSYNC_ASSIGN_OR_RETURN(Project p, impl.require_project(*filter.project));
    q.project_id = p.id;
  }
  if (filter.integration) {
    CLOUDSYNC_ASSIGN_OR_RETURN(Integration i, impl.require_integration(*filter.integration));
    q.integration_id = i.id;
  }
  return q;
}

}  // namespace

Result<std::vector<Connection>> Catalog::connections(const ConnectionFilter& filter, PageRequest page) const {
  CLOUDSYNC_ASSIGN_OR_RETURN(ConnectionQuery q, resolve_query(*impl_, filter));
  CLOUDSYNC_ASSIGN_OR_RETURN(std::vector<Connection> found, impl_->store->query_connections(q, page));
  for (Connection& c : found) c = impl_->with_live_state(std::move(c));
  return found;
}

Result<uint64_t> Catalog::count_connections(const ConnectionFilter& filter) const {
  CLOUDSYNC_ASSIGN_OR_RETURN(ConnectionQuery q, resolve_query(*impl_, filter));
  return impl_->store->count_connections(q);
}

Status Catalog::remove_connection(std::string_view id) {
  CLOUDSYNC_ASSIGN_OR_RETURN(Connection c, connection(id));
  // Not under a running operation's feet: it records into this manifest.
  CLOUDSYNC_ASSIGN_OR_RETURN(FileLock lock,
                             FileLock::acquire(impl_->lock_file("connection", c.id), fmt::format("connection {}", c.id),
                                               std::chrono::seconds(10)));
  return impl_->store->delete_connection(c.id);
}

Result<std::vector<TrackedFile>> Catalog::tracked_files(std::string_view connection_id) const {
  CLOUDSYNC_ASSIGN_OR_RETURN(Manifest manifest, impl_->store->load_manifest(std::string(connection_id)));
  std::vector<TrackedFile> out;
  manifest.for_each([&](const ManifestEntry& e) {
    out.push_back(TrackedFile{e.path, e.origin == ManifestEntry::Origin::Exported ? "export" : "import", e.local.size,
                              e.remote.etag, e.local.hashes.sha256});
  });
  return out;
}

namespace {

struct ConnectionParts {
  Connection connection;
  Project project;
  Integration integration;
  SyncScope scope;
};

Result<ConnectionParts> connection_parts(const Catalog& catalog, const Catalog::Impl& impl, std::string_view id) {
  ConnectionParts parts;
  CLOUDSYNC_ASSIGN_OR_RETURN(parts.connection, catalog.connection(id));
  CLOUDSYNC_ASSIGN_OR_RETURN(parts.project, impl.require_project(parts.connection.project_id));
  CLOUDSYNC_ASSIGN_OR_RETURN(parts.integration, impl.require_integration(parts.connection.integration_id));
  parts.scope.folders = effective_folders(parts.integration, {}, parts.connection.selected_folders);
  parts.scope.include = parts.connection.include;
  parts.scope.exclude = parts.connection.exclude;
  CLOUDSYNC_RETURN_IF_ERROR(check_selectors_allowed(parts.integration, parts.scope.folders, "synchronize"));
  return parts;
}

}  // namespace

Result<Plan> Catalog::compute_differences(std::string_view connection_id, const DifferenceOptions& options,
                                          const CancelToken* cancel) {
  CLOUDSYNC_ASSIGN_OR_RETURN(ConnectionParts parts, connection_parts(*this, *impl_, connection_id));
  Plan plan;
  CLOUDSYNC_RETURN_IF_ERROR(impl_
                                ->operate(parts.project, parts.integration, /*dry_run=*/true, {},
                                          [&](OperationTarget& t) -> Result<OperationResult> {
                                            CLOUDSYNC_ASSIGN_OR_RETURN(
                                                plan, plan_connection_sync(t, SyncDirection::Pull, parts.scope,
                                                                           options.delete_extraneous_files, cancel));
                                            return OperationResult{};
                                          })
                                .status());
  return plan;
}

Result<OperationResult> Catalog::synchronize(std::string_view connection_id, const SynchronizeOptions& options,
                                             const ProgressCallback& progress, const CancelToken* cancel) {
  CLOUDSYNC_ASSIGN_OR_RETURN(ConnectionParts parts, connection_parts(*this, *impl_, connection_id));
  return impl_->operate(
      parts.project, parts.integration, options.dry_run, {}, [&](OperationTarget& t) -> Result<OperationResult> {
        CLOUDSYNC_ASSIGN_OR_RETURN(Plan plan, plan_connection_sync(t, SyncDirection::Pull, parts.scope,
                                                                   options.delete_extraneous_files, cancel));
        if (options.expected_plan != nullptr && plan_digest(*options.expected_plan) != plan_digest(plan)) {
          return make_error(ErrorCode::Conflict,
                            "the plan is stale: the remote or the project changed since it was computed ({} actions "
                            "planned then, {} now); compute the differences again",
                            options.expected_plan->actions.size(), plan.actions.size());
        }
        CLOUDSYNC_ASSIGN_OR_RETURN(OperationResult result,
                                   apply_connection_sync(t, SyncDirection::Pull, std::move(plan), options.dry_run,
                                                         options.max_delete, progress, cancel));
        if (!options.dry_run) CLOUDSYNC_RETURN_IF_ERROR(impl_->store->set_last_checked(t.connection.id, now_utc()));
        return result;
      });
}

}  // namespace cloudsync
