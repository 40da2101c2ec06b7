#include "cloudsync/workspace.hpp"

#include <algorithm>
#include <mutex>
#include <set>

#include "cloudsync/backends/local.hpp"
#include "core/error.hpp"
#include "core/file_io.hpp"
#include "core/hash.hpp"
#include "core/log.hpp"
#include "core/parallel.hpp"
#include "core/time.hpp"
#include "core/url.hpp"
#include "core/utf8.hpp"
#include "engine/integration_spec.hpp"
#include "engine/manifest.hpp"
#include "engine/selection.hpp"
#include "engine/workspace_state.hpp"
#include "sync/executor.hpp"
#include "sync/planner.hpp"

namespace cloudsync {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kExternalFiles = "external-files";
// Registering or removing an integration waits this long for a running
// operation's lock instead of failing at once.
constexpr std::chrono::milliseconds kStateUpdateWait{10'000};

enum class Orientation { Pull, Push };

// Editor and OS droppings that must not be written back.
bool ignored_for_export(std::string_view key) {
  std::string_view name = key.substr(key.rfind('/') == std::string_view::npos ? 0 : key.rfind('/') + 1);
  return name == ".DS_Store" || name == "Thumbs.db" || name.starts_with(".~lock.") || name.starts_with("~$") ||
         name.ends_with("~") || (name.starts_with(".") && (name.ends_with(".swp") || name.ends_with(".swx")));
}

// The state as stored, with every field that names a file checked: an id
// names the integration's manifest, so "../../x" in a tampered state file
// must not become a path.
Result<std::vector<Integration>> load_checked_integrations(const fs::path& state_file) {
  CLOUDSYNC_ASSIGN_OR_RETURN(std::vector<Integration> loaded, load_integrations(state_file));
  for (const Integration& i : loaded) {
    if (i.id.empty() || i.id.size() > 64 || i.id.find_first_not_of("0123456789abcdef") != std::string::npos) {
      return make_error(ErrorCode::InvalidArgument,
                        "the project state {} gives integration '{}' the id '{}', which is not one this library "
                        "makes; refusing to use the state",
                        state_file.string(), i.spec.name, i.id);
    }
  }
  return loaded;
}

bool iequals_ascii(std::string_view a, std::string_view b) { return fold_case(a) == fold_case(b); }

// HEADs many keys in parallel; absent keys are left out, other errors fail.
Result<std::vector<ObjectMeta>> head_many(StorageBackend& backend, const std::vector<std::string>& keys,
                                          uint32_t concurrency, const OpContext& ctx) {
  std::vector<std::optional<ObjectMeta>> found(keys.size());
  std::mutex mutex;
  Status first_error;
  parallel_for(keys.size(), concurrency, [&](size_t i) {
    auto path = Path::parse(keys[i]);
    if (!path.ok()) return;
    auto head = backend.head(*path, ctx);
    std::lock_guard lock(mutex);
    if (head.ok()) {
      found[i] = std::move(head).value();
    } else if (head.status().code() != ErrorCode::NotFound && first_error.ok()) {
      first_error = head.status();
    }
  }, ctx.cancel);
  if (!first_error.ok()) return first_error;
  if (ctx.cancelled()) return Status(ErrorCode::Cancelled, "cancelled");
  std::vector<ObjectMeta> out;
  for (auto& f : found) {
    if (f) out.push_back(std::move(*f));
  }
  return out;
}

// The local state of `meta` still is `recorded`? Hashes only when needed.
bool local_unchanged(const Fingerprint& recorded, ObjectMeta meta, const LocalFolder& folder, const OpContext& ctx) {
  if (same_version(recorded, meta)) return true;
  if (recorded.size != meta.size || recorded.hashes.empty()) return false;
  auto key = Path::parse(meta.key);
  if (!key.ok()) return false;
  auto hashes = hash_local_file(folder.anchor, folder.key_path(*key), HashKind::Md5 | HashKind::Sha256, ctx);
  if (!hashes.ok()) return false;
  meta.hashes = *hashes;
  return same_version(recorded, meta);
}

Fingerprint merged(const ObjectMeta& meta, const HashSet& content) {
  Fingerprint f = fingerprint_of(meta);
  f.hashes.merge(content);
  return f;
}

// Keeps the hashes of a recorded fingerprint when a refreshed one has none and
// the object is evidently the same version.
Fingerprint refreshed(const Fingerprint* old, const ObjectMeta& now) {
  Fingerprint f = fingerprint_of(now);
  if (old != nullptr && f.hashes.empty() && same_version(*old, now)) f.hashes = old->hashes;
  return f;
}

}  // namespace

struct Workspace::Impl {
  fs::path root;
  fs::path state_dir;
  WorkspaceOptions options;
  std::vector<Integration> integrations;
  mutable std::mutex mutex;  // one operation at a time
  std::map<std::string, std::shared_ptr<StorageBackend>> remotes;

  fs::path state_file() const { return state_dir / "workspace.json"; }
  fs::path manifest_file(const Integration& i) const { return state_dir / "manifests" / (i.id + ".json"); }
  fs::path lock_file() const { return state_dir / "lock"; }

  // Takes the project's lock and rereads the state under it: another process
  // may have changed it since this one last looked, and a change made from a
  // stale copy would silently undo theirs.
  Result<WorkspaceLock> lock(std::chrono::milliseconds wait = std::chrono::milliseconds(0)) {
    CLOUDSYNC_ASSIGN_OR_RETURN(WorkspaceLock held, WorkspaceLock::acquire(lock_file(), wait));
    CLOUDSYNC_ASSIGN_OR_RETURN(integrations, load_checked_integrations(state_file()));
    return held;
  }

  // The integration's folder below the project root. Whatever the state file
  // says, it must be external-files/{type}/{name}: a folder elsewhere (an
  // absolute path, "..", a tampered state) is refused, never written to.
  Result<Path> folder_of(const Integration& i) const {
    auto folder = Path::parse(i.folder);
    std::vector<std::string_view> segments;
    if (folder.ok()) segments = folder->segments();
    if (!folder.ok() || segments.size() != 3 || segments[0] != kExternalFiles) {
      return make_error(ErrorCode::InvalidArgument,
                        "integration '{}' has the folder '{}' in the project state, which is not "
                        "{}/<type>/<name>; refusing to use it",
                        i.spec.name, i.folder, kExternalFiles);
    }
    return std::move(folder).value();
  }

  Result<const Integration*> require(std::string_view name) const {
    for (const Integration& i : integrations) {
      if (i.spec.name == name) return &i;
    }
    return make_error(ErrorCode::NotFound, "no integration named '{}' in this project", name);
  }

  Result<std::shared_ptr<StorageBackend>> remote(const Integration& integ) {
    if (auto it = remotes.find(integ.id); it != remotes.end()) return it->second;
    BackendOptions merged_options = integ.spec.options;
    if (options.credentials) {
      for (auto& [k, v] : options.credentials(integ)) merged_options[k] = v;
    }
    auto backend = options.backend_factory ? options.backend_factory(integ, merged_options)
                                           : open_backend(integ.spec.url, merged_options);
    if (!backend.ok()) return backend.status().with_context(fmt::format("integration '{}'", integ.spec.name));
    remotes[integ.id] = *backend;
    return backend;
  }

  // The integration's folder as a backend, anchored at the project root so
  // that no symlinked ancestor (external-files/ itself included) is followed.
  Result<std::shared_ptr<StorageBackend>> local(const Integration& integ) const {
    CLOUDSYNC_ASSIGN_OR_RETURN(Path folder, folder_of(integ));
    LocalBackendOptions local_options;
    local_options.anchor = root;
    auto backend = make_local_backend(root / folder.str(), local_options);
    if (!backend.ok()) return backend.status().with_context(fmt::format("integration '{}'", integ.spec.name));
    // Temporaries a killed run left in the folder go before anything else
    // (an export does not write there, so the executor's sweep would miss
    // them). The project's lock is held: no writer of ours can be at work.
    SweepOptions sweep;
    sweep.temporary_grace = std::chrono::milliseconds(0);
    auto swept = (*backend)->sweep_interrupted_uploads(sweep, OpContext{});
    if (!swept.ok()) log(LogLevel::Warn, "integration '{}': {}", integ.spec.name, swept.status().to_string());
    return backend;
  }

  Result<uint64_t> tracked_file_count() const {
    uint64_t total = 0;
    for (const Integration& i : integrations) {
      CLOUDSYNC_ASSIGN_OR_RETURN(Manifest m, Manifest::load(manifest_file(i)));
      total += m.size();
    }
    return total;
  }

  // The project's limits, checked before anything moves.
  Status check_limits(const Manifest& manifest, const std::vector<const ObjectMeta*>& incoming) const {
    for (const ObjectMeta* m : incoming) {
      if (m->size > options.limits.max_file_size) {
        return make_error(ErrorCode::LimitExceeded, "'{}' is {} bytes; the limit per file is {} bytes", m->key,
                          m->size, options.limits.max_file_size);
      }
    }
    uint64_t added = 0;
    for (const ObjectMeta* m : incoming) added += manifest.find(m->key) == nullptr;
    CLOUDSYNC_ASSIGN_OR_RETURN(uint64_t current, tracked_file_count());
    if (current + added > options.limits.max_files) {
      return make_error(ErrorCode::LimitExceeded,
                        "this would bring the project to {} files ({} already, {} new); the limit is {}",
                        current + added, current, added, options.limits.max_files);
    }
    return Status::OK();
  }

  void record(Manifest& manifest, const PlanAction& a, const TransferResult* r, Orientation o,
              ManifestEntry::Origin origin) {
    if (r == nullptr) {  // a deletion
      const ManifestEntry* e = o == Orientation::Pull ? manifest.find(a.destination.key)
                                                      : manifest.find_by_remote_key(a.destination.key);
      if (e != nullptr) manifest.erase(e->path);
      return;
    }
    ManifestEntry entry;
    if (o == Orientation::Pull) {
      entry.path = a.has_destination ? a.destination.key : a.source.key;
      entry.remote_key = a.source.key;
      entry.remote = merged(r->source, r->content_hashes);
      entry.local = merged(r->destination, r->content_hashes);
      entry.remote_version = r->source.version;
      entry.remote_id = r->source.id;
    } else {
      entry.path = a.source.key;
      entry.remote_key = a.has_destination ? a.destination.key : a.source.key;
      entry.local = merged(r->source, r->content_hashes);
      entry.remote = merged(r->destination, r->content_hashes);
      entry.remote_version = r->destination.version;
      entry.remote_id = r->destination.id;
    }
    const ManifestEntry* old = manifest.find(entry.path);
    entry.origin = old != nullptr ? old->origin : origin;
    entry.synced_at = now_utc();
    manifest.upsert(std::move(entry));
  }

  // Pairs found in sync join (or refresh) the manifest.
  void adopt(Manifest& manifest, const Plan& plan, Orientation o, ManifestEntry::Origin origin) {
    for (const PlanAction& a : plan.unchanged) {
      const ObjectMeta& remote_meta = o == Orientation::Pull ? a.source : a.destination;
      const ObjectMeta& local_meta = o == Orientation::Pull ? a.destination : a.source;
      const ManifestEntry* old = manifest.find(local_meta.key);
      ManifestEntry entry = old != nullptr ? *old : ManifestEntry{};
      entry.path = local_meta.key;
      entry.remote_key = remote_meta.key;
      entry.remote = refreshed(old ? &old->remote : nullptr, remote_meta);
      entry.local = refreshed(old ? &old->local : nullptr, local_meta);
      if (old == nullptr) {
        entry.origin = origin;
        entry.synced_at = now_utc();
      }
      entry.remote_version = remote_meta.version;
      entry.remote_id = remote_meta.id;
      manifest.upsert(std::move(entry));
    }
  }

  Result<OperationResult> run(const Integration& integ, std::string operation, Plan plan, Orientation o,
                              StorageBackend& remote_backend, StorageBackend& local_backend, Manifest& manifest,
                              bool dry_run, std::optional<uint64_t> max_delete, const ProgressCallback& progress,
                              const CancelToken* cancel) {
    StorageBackend& src = o == Orientation::Pull ? remote_backend : local_backend;
    StorageBackend& dst = o == Orientation::Pull ? local_backend : remote_backend;
    auto origin = o == Orientation::Pull ? ManifestEntry::Origin::Imported : ManifestEntry::Origin::Exported;
    CancelToken token(cancel);
    OpContext ctx{&token};
    ProgressTracker tracker(progress, &token);
    ApplyOptions apply;
    apply.dry_run = dry_run;
    apply.transfers = options.transfers;
    apply.max_delete = max_delete;
    TransferOptions transfer;
    transfer.hash_kinds = hash_kinds(HashKind::Sha256);  // the manifest's content fingerprint
    ExecuteHooks hooks;
    hooks.on_done = [&](const PlanAction& a, const TransferResult* r) { record(manifest, a, r, o, origin); };
    CLOUDSYNC_ASSIGN_OR_RETURN(SyncReport report, execute_plan(plan, src, dst, apply, transfer, tracker, hooks, ctx));
    if (!dry_run) {
      adopt(manifest, plan, o, origin);
      CLOUDSYNC_RETURN_IF_ERROR(manifest.save(manifest_file(integ)));
    }
    OperationResult result;
    result.integration = integ.spec.name;
    result.operation = std::move(operation);
    result.plan = std::move(plan);
    result.report = std::move(report);
    return result;
  }

  PlanInput plan_input(StorageBackend& src, StorageBackend& dst, const OpContext& ctx) const {
    PlanInput in;
    in.source_name = src.describe();
    in.destination_name = dst.describe();
    in.source_caps = src.capabilities();
    in.destination_caps = dst.capabilities();
    in.hash = local_hasher(src, dst, ctx);
    in.head = object_header(src, dst, ctx);
    return in;
  }
};

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
  auto impl = std::make_unique<Impl>();
  impl->root = abs;
  impl->state_dir = options.state_dir.empty() ? abs / ".cloudsync" : fs::absolute(options.state_dir);
  impl->options = std::move(options);
  CLOUDSYNC_ASSIGN_OR_RETURN(impl->integrations, load_checked_integrations(impl->state_file()));
  return std::unique_ptr<Workspace>(new Workspace(std::move(impl)));
}

Result<Integration> Workspace::add_integration(IntegrationSpec spec) {
  std::lock_guard guard(impl_->mutex);
  CLOUDSYNC_ASSIGN_OR_RETURN(WorkspaceLock lock, impl_->lock(kStateUpdateWait));
  if (spec.name.find_first_not_of(" \t") == std::string::npos) {
    return make_error(ErrorCode::InvalidArgument, "an integration needs a name");
  }
  std::string sanitized = sanitize_integration_name(spec.name);
  if (sanitized.empty()) {
    return make_error(ErrorCode::InvalidArgument,
                      "integration name '{}' has no letters or digits to name its folder after", spec.name);
  }
  for (const Integration& i : impl_->integrations) {
    if (iequals_ascii(i.spec.name, spec.name)) {
      return make_error(ErrorCode::AlreadyExists, "an integration named '{}' already exists", i.spec.name);
    }
  }
  auto url = parse_storage_url(spec.url);
  if (!url.ok()) return url.status().with_context(fmt::format("integration '{}'", spec.name));
  if (spec.type.empty()) spec.type = integration_type_for_url(spec.url);
  if (spec.type.empty() || spec.type.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") != std::string::npos) {
    return make_error(ErrorCode::InvalidArgument, "integration type '{}' must be lower-case letters, digits or '_'",
                      spec.type);
  }
  CLOUDSYNC_RETURN_IF_ERROR(check_integration_spec(spec, !impl_->options.backend_factory));
  for (const std::string& f : spec.selected_folders) {
    std::string trimmed = f;
    while (!trimmed.empty() && trimmed.back() == '/') trimmed.pop_back();
    Status valid = Path::validate(trimmed);
    if (!valid.ok()) return valid.with_context(fmt::format("selected folder '{}'", f));
  }
  Integration integ;
  integ.folder = fmt::format("{}/{}/{}", kExternalFiles, spec.type, sanitized);
  for (const Integration& i : impl_->integrations) {
    if (i.folder == integ.folder) {
      return make_error(ErrorCode::Conflict,
                        "integrations '{}' and '{}' would share the folder {}: rename one of them", i.spec.name,
                        spec.name, integ.folder);
    }
  }
  integ.id = random_hex(8);
  integ.spec = std::move(spec);
  impl_->integrations.push_back(integ);
  Status saved = save_integrations(impl_->state_file(), impl_->integrations);
  if (!saved.ok()) {
    impl_->integrations.pop_back();
    return saved;
  }
  return integ;
}

Status Workspace::remove_integration(std::string_view name, bool delete_files) {
  std::lock_guard guard(impl_->mutex);
  CLOUDSYNC_ASSIGN_OR_RETURN(WorkspaceLock lock, impl_->lock(kStateUpdateWait));
  CLOUDSYNC_ASSIGN_OR_RETURN(const Integration* found, impl_->require(name));
  Integration integ = *found;
  Result<Path> folder = impl_->folder_of(integ);
  if (delete_files && !folder.ok()) return folder.status();
  std::vector<Integration> rest;
  for (const Integration& i : impl_->integrations) {
    if (i.id != integ.id) rest.push_back(i);
  }
  CLOUDSYNC_RETURN_IF_ERROR(save_integrations(impl_->state_file(), rest));
  impl_->integrations = std::move(rest);
  impl_->remotes.erase(integ.id);
  std::error_code ec;
  fs::remove(impl_->manifest_file(integ), ec);
  // Through directory descriptors from the project root: a symlinked
  // ancestor or a symlink inside is never followed.
  if (delete_files) return remove_tree_below(impl_->root, *folder);
  return Status::OK();
}

std::vector<Integration> Workspace::integrations() const {
  std::lock_guard guard(impl_->mutex);
  // What another process registered meanwhile counts too (the state file is
  // replaced atomically, so reading it needs no lock).
  auto current = load_checked_integrations(impl_->state_file());
  return current.ok() ? std::move(current).value() : impl_->integrations;
}

Result<Integration> Workspace::integration(std::string_view name) const {
  for (Integration& i : integrations()) {
    if (i.spec.name == name) return std::move(i);
  }
  return make_error(ErrorCode::NotFound, "no integration named '{}' in this project", name);
}

Result<std::vector<TrackedFile>> Workspace::tracked_files(std::string_view name) const {
  CLOUDSYNC_ASSIGN_OR_RETURN(Integration integ, integration(name));
  std::lock_guard guard(impl_->mutex);
  CLOUDSYNC_ASSIGN_OR_RETURN(Manifest manifest, Manifest::load(impl_->manifest_file(integ)));
  std::vector<TrackedFile> out;
  for (const auto& [path, e] : manifest.entries()) {
    out.push_back(TrackedFile{path, e.origin == ManifestEntry::Origin::Exported ? "export" : "import", e.local.size,
                              e.remote.etag, e.local.hashes.sha256});
  }
  return out;
}

Result<OperationResult> Workspace::import_files(std::string_view name, const ImportRequest& request,
                                                const ProgressCallback& progress, const CancelToken* cancel) {
  std::lock_guard guard(impl_->mutex);
  CLOUDSYNC_ASSIGN_OR_RETURN(WorkspaceLock lock, impl_->lock());
  CLOUDSYNC_ASSIGN_OR_RETURN(const Integration* integ, impl_->require(name));
  CLOUDSYNC_RETURN_IF_ERROR(check_import_request(request));
  CLOUDSYNC_ASSIGN_OR_RETURN(auto remote, impl_->remote(*integ));
  CLOUDSYNC_ASSIGN_OR_RETURN(auto local, impl_->local(*integ));
  OpContext ctx{cancel};
  CLOUDSYNC_ASSIGN_OR_RETURN(Manifest manifest, Manifest::load(impl_->manifest_file(*integ)));
  CLOUDSYNC_ASSIGN_OR_RETURN(std::vector<ObjectMeta> selected, resolve_selection(*remote, request.selectors, ctx));

  std::vector<const ObjectMeta*> incoming;
  std::set<std::string> selected_keys;
  for (const ObjectMeta& m : selected) {
    if (!Path::validate(m.key).ok()) continue;  // reported as skipped by the plan
    incoming.push_back(&m);
    selected_keys.insert(to_nfc(m.key));
  }
  CLOUDSYNC_RETURN_IF_ERROR(impl_->check_limits(manifest, incoming));

  // The local side of the selection: the same files, plus whatever could be in
  // their way (a file named like one of their folders, a folder named like them).
  CLOUDSYNC_ASSIGN_OR_RETURN(Listing local_all, list_folders(*local, {}, true, ctx));
  std::vector<ObjectMeta> local_side;
  for (ObjectMeta& m : local_all.objects) {
    std::string key = to_nfc(m.key);
    bool relevant = selected_keys.count(key) > 0;
    if (!relevant) {
      auto next = selected_keys.lower_bound(key + "/");
      relevant = next != selected_keys.end() && next->compare(0, key.size() + 1, key + "/") == 0;
    }
    for (size_t slash = key.find('/'); !relevant && slash != std::string::npos; slash = key.find('/', slash + 1)) {
      relevant = selected_keys.count(key.substr(0, slash)) > 0;
    }
    if (relevant) local_side.push_back(std::move(m));
  }
  Baseline baseline = manifest.pull_baseline();
  PlanInput in = impl_->plan_input(*remote, *local, ctx);
  in.source = std::move(selected);
  in.destination = std::move(local_side);
  in.baseline = &baseline;
  CLOUDSYNC_ASSIGN_OR_RETURN(Plan plan, compute_plan(in));
  return impl_->run(*integ, "import", std::move(plan), Orientation::Pull, *remote, *local, manifest, request.dry_run,
                    std::nullopt, progress, cancel);
}

Result<OperationResult> Workspace::export_files(std::string_view name, const ExportRequest& request,
                                                const ProgressCallback& progress, const CancelToken* cancel) {
  std::lock_guard guard(impl_->mutex);
  CLOUDSYNC_ASSIGN_OR_RETURN(WorkspaceLock lock, impl_->lock());
  CLOUDSYNC_ASSIGN_OR_RETURN(const Integration* integ, impl_->require(name));
  if (!integ->spec.writeback) {
    return make_error(ErrorCode::PermissionDenied,
                      "integration '{}' is read-only: writeback is disabled, so files cannot be exported",
                      integ->spec.name);
  }
  CLOUDSYNC_ASSIGN_OR_RETURN(auto remote, impl_->remote(*integ));
  CLOUDSYNC_ASSIGN_OR_RETURN(auto local, impl_->local(*integ));
  OpContext ctx{cancel};
  CLOUDSYNC_ASSIGN_OR_RETURN(Manifest manifest, Manifest::load(impl_->manifest_file(*integ)));
  std::vector<Path> only;
  for (const std::string& p : request.paths) {
    CLOUDSYNC_ASSIGN_OR_RETURN(Path path, Path::parse(p));
    only.push_back(std::move(path));
  }
  CLOUDSYNC_ASSIGN_OR_RETURN(Listing local_all, list_folders(*local, {}, true, ctx));
  // Only new or locally changed files are candidates; the remote is asked
  // about those alone (a HEAD each), not listed whole.
  const LocalFolder folder = *local->local_root();
  std::vector<ObjectMeta> candidates;
  std::vector<std::string> remote_keys;
  for (ObjectMeta& m : local_all.objects) {
    if (ignored_for_export(m.key)) continue;
    auto path = Path::parse(m.key);
    if (path.ok() && !only.empty() &&
        std::none_of(only.begin(), only.end(), [&](const Path& p) { return path->is_within(p); })) {
      continue;
    }
    const ManifestEntry* entry = manifest.find(m.key);
    if (entry != nullptr && local_unchanged(entry->local, m, folder, ctx)) continue;
    remote_keys.push_back(entry != nullptr ? entry->remote_key : m.key);
    candidates.push_back(std::move(m));
  }
  CLOUDSYNC_ASSIGN_OR_RETURN(std::vector<ObjectMeta> remote_side,
                             head_many(*remote, remote_keys, impl_->options.transfers, ctx));
  Baseline baseline = manifest.push_baseline();
  PlanInput in = impl_->plan_input(*local, *remote, ctx);
  in.source = std::move(candidates);
  in.source_unreadable = std::move(local_all.unreadable);
  in.destination = std::move(remote_side);
  in.baseline = &baseline;
  CLOUDSYNC_ASSIGN_OR_RETURN(Plan plan, compute_plan(in));
  return impl_->run(*integ, "export", std::move(plan), Orientation::Push, *remote, *local, manifest, request.dry_run,
                    std::nullopt, progress, cancel);
}

Result<std::vector<OperationResult>> Workspace::restore(std::string_view name, const RestoreRequest& request,
                                                        const ProgressCallback& progress, const CancelToken* cancel) {
  std::lock_guard guard(impl_->mutex);
  CLOUDSYNC_ASSIGN_OR_RETURN(WorkspaceLock lock, impl_->lock());
  std::vector<const Integration*> targets;
  if (name.empty()) {
    for (const Integration& i : impl_->integrations) targets.push_back(&i);
  } else {
    CLOUDSYNC_ASSIGN_OR_RETURN(const Integration* integ, impl_->require(name));
    targets.push_back(integ);
  }
  std::vector<OperationResult> results;
  for (const Integration* integ : targets) {
    CLOUDSYNC_ASSIGN_OR_RETURN(Manifest manifest, Manifest::load(impl_->manifest_file(*integ)));
    CLOUDSYNC_ASSIGN_OR_RETURN(auto remote, impl_->remote(*integ));
    CLOUDSYNC_ASSIGN_OR_RETURN(auto local, impl_->local(*integ));
    OpContext ctx{cancel};
    std::vector<std::string> remote_keys, local_keys;
    for (const auto& [path, e] : manifest.entries()) {
      remote_keys.push_back(e.remote_key);
      local_keys.push_back(path);
    }
    // One HEAD per tracked file on each side: nothing is downloaded unless it
    // is missing or changed.
    CLOUDSYNC_ASSIGN_OR_RETURN(std::vector<ObjectMeta> remote_side,
                               head_many(*remote, remote_keys, impl_->options.transfers, ctx));
    CLOUDSYNC_ASSIGN_OR_RETURN(std::vector<ObjectMeta> local_side,
                               head_many(*local, local_keys, impl_->options.transfers, ctx));
    Baseline baseline = manifest.pull_baseline();
    PlanInput in = impl_->plan_input(*remote, *local, ctx);
    in.source = std::move(remote_side);
    in.destination = std::move(local_side);
    in.baseline = &baseline;
    CLOUDSYNC_ASSIGN_OR_RETURN(Plan plan, compute_plan(in));
    CLOUDSYNC_ASSIGN_OR_RETURN(OperationResult r,
                               impl_->run(*integ, "restore", std::move(plan), Orientation::Pull, *remote, *local,
                                          manifest, request.dry_run, std::nullopt, progress, cancel));
    results.push_back(std::move(r));
  }
  return results;
}

Result<OperationResult> Workspace::sync(std::string_view name, const SyncRequest& request,
                                        const ProgressCallback& progress, const CancelToken* cancel) {
  std::lock_guard guard(impl_->mutex);
  CLOUDSYNC_ASSIGN_OR_RETURN(WorkspaceLock lock, impl_->lock());
  CLOUDSYNC_ASSIGN_OR_RETURN(const Integration* integ, impl_->require(name));
  bool push = request.direction == SyncDirection::Push;
  if (push && !integ->spec.writeback) {
    return make_error(ErrorCode::PermissionDenied,
                      "integration '{}' is read-only: writeback is disabled, so the project cannot be pushed",
                      integ->spec.name);
  }
  CLOUDSYNC_ASSIGN_OR_RETURN(auto remote, impl_->remote(*integ));
  CLOUDSYNC_ASSIGN_OR_RETURN(auto local, impl_->local(*integ));
  OpContext ctx{cancel};
  CLOUDSYNC_ASSIGN_OR_RETURN(Manifest manifest, Manifest::load(impl_->manifest_file(*integ)));
  std::vector<Path> folders;
  for (std::string f : request.folders.empty() ? integ->spec.selected_folders : request.folders) {
    while (!f.empty() && f.back() == '/') f.pop_back();
    CLOUDSYNC_ASSIGN_OR_RETURN(Path p, Path::parse(f));
    folders.push_back(std::move(p));
  }
  CLOUDSYNC_ASSIGN_OR_RETURN(Listing remote_side, list_folders(*remote, folders, false, ctx));
  CLOUDSYNC_ASSIGN_OR_RETURN(Listing local_side, list_folders(*local, folders, true, ctx));
  Baseline baseline = push ? manifest.push_baseline() : manifest.pull_baseline();
  StorageBackend& src = push ? *local : *remote;
  StorageBackend& dst = push ? *remote : *local;
  PlanInput in = impl_->plan_input(src, dst, ctx);
  Listing& source_side = push ? local_side : remote_side;
  in.source = std::move(source_side.objects);
  in.source_unreadable = std::move(source_side.unreadable);
  in.destination = std::move(push ? remote_side.objects : local_side.objects);
  if (push) {
    std::erase_if(in.source, [](const ObjectMeta& m) { return ignored_for_export(m.key); });
  }
  in.baseline = &baseline;
  in.delete_extraneous = request.delete_extraneous;
  for (const Path& folder : folders) in.folders.push_back(folder.str());
  CLOUDSYNC_ASSIGN_OR_RETURN(Plan plan, compute_plan(in));
  if (!push) {
    std::vector<const ObjectMeta*> incoming;
    for (const PlanAction& a : plan.actions) {
      if (a.kind == ActionKind::Add || a.kind == ActionKind::Update) incoming.push_back(&a.source);
    }
    CLOUDSYNC_RETURN_IF_ERROR(impl_->check_limits(manifest, incoming));
  }
  return impl_->run(*integ, "sync", std::move(plan), push ? Orientation::Push : Orientation::Pull, *remote, *local,
                    manifest, request.dry_run, request.max_delete, progress, cancel);
}

}  // namespace cloudsync
