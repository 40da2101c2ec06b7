#include "engine/operations.hpp"

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "cloudsync/backends/local.hpp"
#include "core/error.hpp"
#include "core/file_io.hpp"
#include "core/glob.hpp"
#include "core/hash.hpp"
#include "core/log.hpp"
#include "core/parallel.hpp"
#include "core/time.hpp"
#include "core/utf8.hpp"
#include "engine/ignore_list.hpp"
#include "engine/integration_spec.hpp"
#include "engine/scope.hpp"
#include "engine/selection.hpp"
#include "engine/status_probe.hpp"
#include "sync/executor.hpp"
#include "sync/planner.hpp"
#include "transfer/transfer.hpp"

namespace cloudsync {

namespace fs = std::filesystem;

namespace {

// Manifest changes go to the catalog in transactions of this many entries (or
// sooner, after kManifestFlushInterval): a kill -9 loses at most one batch of
// records, which the next run finds unchanged on both sides and adopts again.
constexpr size_t kManifestBatch = 256;
constexpr std::chrono::milliseconds kManifestFlushInterval{1000};

enum class Orientation { Pull, Push };

// Editor, tool and OS droppings that must not be written back (the
// watcher's list, so that `export` and the watcher agree).
bool ignored_for_export(std::string_view key) {
  static const IgnoreList ignore = std::move(IgnoreList::make(export_ignores())).value();
  return ignore.ignores(key, /*is_dir=*/false);
}

// HEADs many keys in parallel and hands each object found to `visit`, one at
// a time and in no particular order; absent keys are left out, other errors
// fail.
Status head_each(StorageBackend& backend, const std::vector<std::string>& keys, uint32_t concurrency,
                 const std::function<void(ObjectMeta&&)>& visit, const OpContext& ctx) {
  std::mutex mutex;
  Status first_error;
  parallel_for(
      keys.size(), concurrency,
      [&](size_t i) {
        auto path = Path::parse(keys[i]);
        if (!path.ok()) return;
        auto head = backend.head(*path, ctx);
        std::lock_guard lock(mutex);
        if (head.ok()) {
          if (first_error.ok()) visit(std::move(head).value());
        } else if (head.status().code() != ErrorCode::NotFound && first_error.ok()) {
          first_error = head.status();
        }
      },
      ctx.cancel);
  if (!first_error.ok()) return first_error;
  if (ctx.cancelled()) return Status(ErrorCode::Cancelled, "cancelled");
  return Status::OK();
}

Result<std::vector<ObjectMeta>> head_many(StorageBackend& backend, const std::vector<std::string>& keys,
                                          uint32_t concurrency, const OpContext& ctx) {
  std::vector<ObjectMeta> out;
  CLOUDSYNC_RETURN_IF_ERROR(head_each(
      backend, keys, concurrency, [&](ObjectMeta&& m) { out.push_back(std::move(m)); }, ctx));
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

// What the manifest should say about a pair found in sync, when it does not
// say so already (a pair it lacks, or whose fingerprints were refreshed).
std::optional<ManifestEntry> adoption(const Manifest& manifest, const ObjectMeta& remote_meta,
                                      const ObjectMeta& local_meta, ManifestEntry::Origin origin) {
  const std::optional<ManifestEntry> old = manifest.find(local_meta.key);
  ManifestEntry entry = old ? *old : ManifestEntry{};
  entry.path = local_meta.key;
  entry.remote_key = remote_meta.key;
  entry.remote = refreshed(old ? &old->remote : nullptr, remote_meta);
  entry.local = refreshed(old ? &old->local : nullptr, local_meta);
  if (!old) {
    entry.origin = origin;
    entry.synced_at = now_utc();
  }
  entry.remote_version = remote_meta.version;
  entry.remote_id = remote_meta.id;
  bool same = old && old->remote_key == entry.remote_key && old->remote == entry.remote && old->local == entry.local &&
              old->remote_version == entry.remote_version && old->remote_id == entry.remote_id;
  if (same) return std::nullopt;
  return entry;
}

// Records in the manifest what a run did, and writes it to the catalog in
// batches as the executor reports transfers done (from its worker threads).
// The manifest is read and changed under one lock: what the plan was
// computed against is not copied to be read beside the changes.
class ManifestRecorder {
 public:
  ManifestRecorder(OperationTarget& target, Orientation orientation)
      : target_(target),
        orientation_(orientation),
        origin_(orientation == Orientation::Pull ? ManifestEntry::Origin::Imported : ManifestEntry::Origin::Exported),
        last_flush_(std::chrono::steady_clock::now()) {}

  // One action done: `r` is its transfer, or null for a deletion.
  void record(const PlanAction& a, const TransferResult* r) {
    bool pull = orientation_ == Orientation::Pull;
    if (r == nullptr) {
      std::lock_guard lock(mutex_);
      const Manifest& manifest = target_.manifest;
      std::optional<ManifestEntry> e =
          pull ? manifest.find(a.destination.key) : manifest.find_by_remote_key(a.destination.key);
      if (e) erase_locked(e->path);
      return;
    }
    ManifestEntry entry;
    if (pull) {
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
    entry.synced_at = now_utc();
    std::lock_guard lock(mutex_);
    std::optional<ManifestEntry> old = target_.manifest.find(entry.path);
    entry.origin = old ? old->origin : origin_;
    upsert_locked(std::move(entry));
  }

  // The pairs a plan found in sync and kept (those adoption() changes) join
  // the manifest or refresh it.
  void adopt(const Plan& plan) {
    bool pull = orientation_ == Orientation::Pull;
    std::lock_guard lock(mutex_);
    for (const PlanAction& a : plan.unchanged) {
      auto entry =
          adoption(target_.manifest, pull ? a.source : a.destination, pull ? a.destination : a.source, origin_);
      if (entry) upsert_locked(std::move(*entry));
    }
  }

  Status finish() {
    std::lock_guard lock(mutex_);
    flush();
    return first_error_;
  }

 private:
  void upsert_locked(ManifestEntry entry) {
    erased_.erase(entry.path);
    pending_[entry.path] = entry;
    target_.manifest.upsert(std::move(entry));
    maybe_flush();
  }

  void erase_locked(const std::string& path) {
    pending_.erase(path);
    erased_.insert(path);
    target_.manifest.erase(path);
    maybe_flush();
  }

  void maybe_flush() {
    if (pending_.size() + erased_.size() >= kManifestBatch ||
        std::chrono::steady_clock::now() - last_flush_ >= kManifestFlushInterval) {
      flush();
    }
  }

  void flush() {
    last_flush_ = std::chrono::steady_clock::now();
    if (pending_.empty() && erased_.empty()) return;
    if (!target_.connection_stored) return;
    std::vector<ManifestEntry> upserts;
    for (auto& [path, e] : pending_) upserts.push_back(std::move(e));
    std::vector<std::string> erased(erased_.begin(), erased_.end());
    pending_.clear();
    erased_.clear();
    Status s = target_.store->write_manifest(target_.connection.id, upserts, erased);
    if (!s.ok() && first_error_.ok()) first_error_ = s.with_context("recording what was transferred");
  }

  OperationTarget& target_;
  const Orientation orientation_;
  const ManifestEntry::Origin origin_;
  std::mutex mutex_;
  std::map<std::string, ManifestEntry> pending_;
  std::set<std::string> erased_;
  std::chrono::steady_clock::time_point last_flush_;
  Status first_error_;
};

// What every engine plan starts from. `o`: which side the manifest calls
// remote; the pairs found in sync are kept only where the manifest is to
// learn of them (ManifestRecorder::adopt), so a run that changes nothing
// holds no copy of what it found.
PlanInput plan_input(const OperationTarget& t, StorageBackend& src, StorageBackend& dst, Orientation o,
                     const OpContext& ctx) {
  PlanInput in;
  in.keep_unchanged = [&t, o](const ObjectMeta& source, const ObjectMeta& destination) {
    bool pull = o == Orientation::Pull;
    // The origin does not decide whether an entry changes; Imported stands in.
    return adoption(t.manifest, pull ? source : destination, pull ? destination : source,
                    ManifestEntry::Origin::Imported)
        .has_value();
  };
  in.source_name = src.describe();
  in.destination_name = dst.describe();
  in.source_caps = src.capabilities();
  in.destination_caps = dst.capabilities();
  in.hash = local_hasher(src, dst, ctx);
  in.head = object_header(src, dst, ctx);
  return in;
}

// What a run would bring into the project, counted as it is found and
// checked against the project's limits before anything moves.
class IncomingFiles {
 public:
  explicit IncomingFiles(const OperationTarget& t) : t_(t) {}

  void add(const std::string& key, uint64_t size) {
    if (size > t_.limits.max_file_size && oversized_key_.empty()) {
      oversized_key_ = key;
      oversized_size_ = size;
    }
    added_ += !t_.manifest.contains(key);
  }

  Status check() const {
    if (!oversized_key_.empty()) {
      return make_error(ErrorCode::LimitExceeded, "'{}' is {} bytes; the limit per file is {} bytes", oversized_key_,
                        oversized_size_, t_.limits.max_file_size);
    }
    if (added_ == 0) return Status::OK();  // the limit bounds what comes in, not what the project already tracks
    CLOUDSYNC_ASSIGN_OR_RETURN(uint64_t current, t_.store->tracked_files_in_project(t_.project.id));
    if (current + added_ > t_.limits.max_files) {
      return make_error(ErrorCode::LimitExceeded,
                        "this would bring the project to {} files ({} already, {} new); the limit is {}",
                        current + added_, current, added_, t_.limits.max_files);
    }
    return Status::OK();
  }

 private:
  const OperationTarget& t_;
  std::string oversized_key_;  // the first file over the size limit
  uint64_t oversized_size_ = 0;
  uint64_t added_ = 0;  // files the project does not track yet
};

// The limits on what a pull plan would bring in (its adds and updates).
Status check_plan_limits(const OperationTarget& t, const Plan& plan) {
  IncomingFiles incoming(t);
  for (const PlanAction& a : plan.actions) {
    if (a.kind == ActionKind::Add || a.kind == ActionKind::Update) incoming.add(a.source.key, a.source.size);
  }
  return incoming.check();
}

// A folder holding at least this many tracked keys is listed rather than
// HEADed key by key.
constexpr size_t kListFolderFrom = 4;

// Lists one folder (not below it) for `wanted`, at most `budget` pages, so
// that the listing never costs more requests than the HEADs it replaces.
// Hands each wanted object it sees to `visit` and takes it out of `wanted`;
// a listing that fails finds nothing (the caller HEADs what was not seen).
void list_for(StorageBackend& backend, const std::string& folder, std::set<std::string>& wanted, size_t budget,
              const std::function<void(ObjectMeta&&)>& visit, const OpContext& ctx) {
  ListOptions options;
  options.prefix = folder.empty() ? "" : folder + "/";
  options.recursive = false;
  for (size_t page = 0; page < budget && !wanted.empty(); ++page) {
    auto listed = backend.list_page(options, ctx);
    if (!listed.ok()) {
      log(LogLevel::Debug, "listing '{}' to restore: {}; asking for each file instead", options.prefix,
          listed.status().to_string());
      return;
    }
    for (ObjectMeta& m : listed->objects) {
      if (wanted.erase(m.key) > 0) visit(std::move(m));
    }
    if (listed->next_page_token.empty()) return;
    options.page_token = std::move(listed->next_page_token);
  }
}

// Hands the objects at `keys` that exist to `visit`: folders with many of
// them are listed, the other keys (and any a listing did not reach) are HEADed.
Status find_tracked_objects(StorageBackend& backend, const std::vector<std::string>& keys, uint32_t concurrency,
                            const std::function<void(ObjectMeta&&)>& visit, const OpContext& ctx) {
  std::map<std::string, std::set<std::string>> by_folder;
  for (const std::string& key : keys) {
    size_t slash = key.rfind('/');
    by_folder[slash == std::string::npos ? std::string() : key.substr(0, slash)].insert(key);
  }
  std::vector<std::string> to_head;
  for (auto& [folder, wanted] : by_folder) {
    if (wanted.size() >= kListFolderFrom) {
      list_for(backend, folder, wanted, wanted.size(), visit, ctx);
      if (ctx.cancelled()) return Status(ErrorCode::Cancelled, "cancelled");
    }
    to_head.insert(to_head.end(), wanted.begin(), wanted.end());
  }
  return head_each(backend, to_head, concurrency, visit, ctx);
}

Result<OperationResult> run(OperationTarget& t, std::string operation, Plan plan, Orientation o, bool dry_run,
                            std::optional<uint64_t> max_delete, const ProgressCallback& progress,
                            const CancelToken* cancel) {
  StorageBackend& src = o == Orientation::Pull ? *t.remote : *t.local;
  StorageBackend& dst = o == Orientation::Pull ? *t.local : *t.remote;
  CancelToken token(cancel);
  OpContext ctx{&token};
  ProgressTracker tracker(progress, &token);
  ApplyOptions apply;
  apply.dry_run = dry_run;
  apply.transfers = t.transfers;
  apply.max_delete = max_delete;
  TransferOptions transfer;
  transfer.hash_kinds = hash_kinds(HashKind::Sha256);  // the manifest's content fingerprint
  ManifestRecorder recorder(t, o);
  ExecuteHooks hooks;
  hooks.on_done = [&](const PlanAction& a, const TransferResult* r) { recorder.record(a, r); };
  Result<SyncReport> report = execute_plan(plan, src, dst, apply, transfer, tracker, hooks, ctx);
  if (!dry_run && report.ok()) recorder.adopt(plan);
  // What finished is recorded even when the run as a whole failed.
  Status recorded = recorder.finish();
  if (!report.ok()) return report.status();
  CLOUDSYNC_RETURN_IF_ERROR(recorded);
  OperationResult result;
  result.integration = t.integration.spec.name;
  result.operation = std::move(operation);
  result.plan = std::move(plan);
  result.report = std::move(report).value();
  return result;
}

// The connection's include and exclude globs, compiled once for every key
// of both listings.
class GlobFilter {
 public:
  explicit GlobFilter(const SyncScope& scope) {
    for (const std::string& g : scope.include) include_.emplace_back(g);
    for (const std::string& g : scope.exclude) exclude_.emplace_back(g);
  }

  Result<bool> covers(std::string_view key, const CancelToken* cancel) const {
    bool included = include_.empty();
    for (const GlobPattern& g : include_) {
      CLOUDSYNC_ASSIGN_OR_RETURN(included, g.match(key, cancel));
      if (included) break;
    }
    if (!included) return false;
    for (const GlobPattern& g : exclude_) {
      CLOUDSYNC_ASSIGN_OR_RETURN(bool excluded, g.match(key, cancel));
      if (excluded) return false;
    }
    return true;
  }

 private:
  std::vector<GlobPattern> include_;
  std::vector<GlobPattern> exclude_;
};

// `key` is one of `paths` or lies below one of them (each ancestor looked up,
// rather than every path tried against every key).
bool within_any(std::string_view key, const std::set<std::string>& paths) {
  for (;;) {
    if (paths.count(std::string(key)) > 0) return true;
    size_t slash = key.rfind('/');
    if (slash == std::string_view::npos) return false;
    key = key.substr(0, slash);
  }
}

// A local file goes out when it is not ignored and is new or changed since
// the manifest's record of it.
bool export_candidate(const OperationTarget& t, const ObjectMeta& m, const LocalFolder& folder, const OpContext& ctx) {
  if (ignored_for_export(m.key)) return false;
  std::optional<ManifestEntry> entry = t.manifest.find(m.key);
  return !entry || !local_unchanged(entry->local, m, folder, ctx);
}

// An export once its candidates (new or changed local files) are known: the
// remote is asked about those alone (a HEAD each), not listed whole.
Result<OperationResult> export_candidates(OperationTarget& t, std::vector<ObjectMeta> candidates,
                                          std::vector<UnreadableEntry> unreadable, bool dry_run,
                                          const ProgressCallback& progress, const CancelToken* cancel) {
  OpContext ctx{cancel};
  std::vector<std::string> remote_keys;
  remote_keys.reserve(candidates.size());
  for (const ObjectMeta& m : candidates) {
    std::optional<ManifestEntry> entry = t.manifest.find(m.key);
    remote_keys.push_back(entry ? entry->remote_key : m.key);
  }
  CLOUDSYNC_RETURN_IF_ERROR(check_remote_keys_allowed(t.integration, remote_keys, "export"));
  CLOUDSYNC_ASSIGN_OR_RETURN(std::vector<ObjectMeta> remote_side, head_many(*t.remote, remote_keys, t.transfers, ctx));
  auto baseline = t.manifest.push_baseline();
  PlanInput in = plan_input(t, *t.local, *t.remote, Orientation::Push, ctx);
  in.source = std::move(candidates);
  in.source_unreadable = std::move(unreadable);
  in.destination = std::move(remote_side);
  in.baseline = &baseline;
  CLOUDSYNC_ASSIGN_OR_RETURN(Plan plan, compute_plan(std::move(in)));
  return run(t, "export", std::move(plan), Orientation::Push, dry_run, std::nullopt, progress, cancel);
}

}  // namespace

Result<Path> integration_folder(const Integration& integration) {
  auto folder = Path::parse(integration.folder);
  std::vector<std::string_view> segments;
  if (folder.ok()) segments = folder->segments();
  if (!folder.ok() || segments.size() != 3 || segments[0] != kExternalFiles) {
    return make_error(ErrorCode::InvalidArgument,
                      "integration '{}' has the folder '{}' in the catalog, which is not {}/<type>/<name>; refusing "
                      "to use it",
                      integration.spec.name, integration.folder, kExternalFiles);
  }
  return std::move(folder).value();
}

Result<std::shared_ptr<StorageBackend>> open_connection_folder(const Project& project, const Integration& integration,
                                                               bool dry_run) {
  CLOUDSYNC_ASSIGN_OR_RETURN(Path folder, integration_folder(integration));
  LocalBackendOptions local_options;
  local_options.anchor = project.root;
  auto backend = make_local_backend(project.root / folder.str(), local_options);
  if (!backend.ok()) return backend.status().with_context(fmt::format("integration '{}'", integration.spec.name));
  if (!dry_run) {
    // Temporaries a killed run left in the folder go before anything else
    // (an export does not write there, so the executor's sweep would miss
    // them). The connection's lock is held: no writer of ours is at work.
    SweepOptions sweep;
    sweep.temporary_grace = std::chrono::milliseconds(0);
    auto swept = (*backend)->sweep_interrupted_uploads(sweep, OpContext{});
    if (!swept.ok()) log(LogLevel::Warn, "integration '{}': {}", integration.spec.name, swept.status().to_string());
  }
  return backend;
}

Result<OperationResult> run_import(OperationTarget& t, const ImportRequest& request, const ProgressCallback& progress,
                                   const CancelToken* cancel) {
  CLOUDSYNC_RETURN_IF_ERROR(check_import_request(request));
  OpContext ctx{cancel};
  // Both sides go into compact listings as they are listed (no ObjectMeta is
  // kept per file), and they are listed side by side: the integration's
  // selection on this thread, the project's folder on another. A selection
  // that fails stops the folder's walk.
  PlanInput in = plan_input(t, *t.remote, *t.local, Orientation::Pull, ctx);
  const bool fold = needs_case_folding(in.source_caps, in.destination_caps);
  in.source_listing = ListingIndex(fold);
  in.destination_listing = ListingIndex(fold);
  ListingIndex local_all(fold);
  std::vector<UnreadableEntry> local_unreadable;
  CancelToken local_cancel(cancel);
  Status local_walked;
  std::thread local_walk([&] {
    local_walked = visit_folders(
        *t.local, {}, true, [&](const ObjectMeta& m) { local_all.add(m); }, local_unreadable, OpContext{&local_cancel});
  });
  IncomingFiles incoming(t);
  std::set<std::string> selected_keys;
  Status selected = resolve_selection(
      *t.remote, request.selectors,
      [&](const ObjectMeta& m) {
        if (is_probe_object_key(m.key)) return;
        in.source_listing.add(m);
        if (!Path::validate(m.key).ok()) return;  // reported as skipped by the plan
        incoming.add(m.key, m.size);
        selected_keys.insert(to_nfc(m.key));
      },
      ctx);
  if (selected.ok()) selected = incoming.check();
  if (!selected.ok()) local_cancel.cancel();
  local_walk.join();
  CLOUDSYNC_RETURN_IF_ERROR(selected);
  CLOUDSYNC_RETURN_IF_ERROR(local_walked);

  // The local side of the selection: the same files, plus whatever could be in
  // their way (a file named like one of their folders, a folder named like them).
  local_all.order();
  for (size_t i = 0; i < local_all.size(); ++i) {
    std::string key = to_nfc(local_all.key(i));
    bool relevant = selected_keys.count(key) > 0;
    if (!relevant) {
      auto next = selected_keys.lower_bound(key + "/");
      relevant = next != selected_keys.end() && next->compare(0, key.size() + 1, key + "/") == 0;
    }
    for (size_t slash = key.find('/'); !relevant && slash != std::string::npos; slash = key.find('/', slash + 1)) {
      relevant = selected_keys.count(key.substr(0, slash)) > 0;
    }
    if (relevant) in.destination_listing.add(local_all.meta(i));
  }
  local_all = ListingIndex();
  auto baseline = t.manifest.pull_baseline();
  in.baseline = &baseline;
  CLOUDSYNC_ASSIGN_OR_RETURN(Plan plan, compute_plan(std::move(in)));
  return run(t, "import", std::move(plan), Orientation::Pull, request.dry_run, std::nullopt, progress, cancel);
}

Result<OperationResult> run_export(OperationTarget& t, const ExportRequest& request, const ProgressCallback& progress,
                                   const CancelToken* cancel) {
  OpContext ctx{cancel};
  std::set<std::string> only;
  for (const std::string& p : request.paths) {
    CLOUDSYNC_ASSIGN_OR_RETURN(Path path, Path::parse(p));
    if (path.is_root()) {  // the whole folder
      only.clear();
      break;
    }
    only.insert(path.str());
  }
  // Only the candidates are kept from the walk: an export of a few changed
  // files in a big project holds those few.
  const LocalFolder folder = *t.local->local_root();
  std::vector<ObjectMeta> candidates;
  std::vector<UnreadableEntry> unreadable;
  CLOUDSYNC_RETURN_IF_ERROR(visit_folders(
      *t.local, {}, true,
      [&](const ObjectMeta& m) {
        if (!only.empty() && !within_any(m.key, only)) return;
        if (export_candidate(t, m, folder, ctx)) candidates.push_back(m);
      },
      unreadable, ctx));
  return export_candidates(t, std::move(candidates), std::move(unreadable), request.dry_run, progress, cancel);
}

Result<OperationResult> run_export_files(OperationTarget& t, const std::vector<std::string>& paths,
                                         const ProgressCallback& progress, const CancelToken* cancel) {
  OpContext ctx{cancel};
  std::set<std::string> keys;
  for (const std::string& p : paths) {
    CLOUDSYNC_ASSIGN_OR_RETURN(Path path, Path::parse(p));
    if (path.is_root()) return make_error(ErrorCode::InvalidArgument, "'{}' is not a file of the folder", p);
    if (is_partial_file_name(path.name())) continue;  // one of our own temporaries
    keys.insert(path.str());
  }
  // One stat each; a path that vanished (or is a folder) is left out.
  CLOUDSYNC_ASSIGN_OR_RETURN(std::vector<ObjectMeta> local_side,
                             head_many(*t.local, std::vector<std::string>(keys.begin(), keys.end()), t.transfers, ctx));
  const LocalFolder folder = *t.local->local_root();
  std::vector<ObjectMeta> candidates;
  for (ObjectMeta& m : local_side) {
    if (export_candidate(t, m, folder, ctx)) candidates.push_back(std::move(m));
  }
  return export_candidates(t, std::move(candidates), {}, false, progress, cancel);
}

Result<ObjectMeta> upload_untracked_copy(OperationTarget& t, const std::string& path, const std::string& remote_key,
                                         const CancelToken* cancel) {
  OpContext ctx{cancel};
  CLOUDSYNC_ASSIGN_OR_RETURN(Path src, Path::parse(path));
  CLOUDSYNC_ASSIGN_OR_RETURN(Path dst, Path::parse(remote_key));
  CLOUDSYNC_RETURN_IF_ERROR(check_remote_keys_allowed(t.integration, {dst.str()}, "export"));
  CLOUDSYNC_ASSIGN_OR_RETURN(ObjectMeta local, t.local->head(src, ctx));
  DestinationExpectation create_only;
  create_only.kind = DestinationExpectation::Kind::Absent;
  TransferOptions options;
  options.hash_kinds = hash_kinds(HashKind::Sha256);
  auto copied = transfer_object(*t.local, src, local, *t.remote, dst, create_only, options, nullptr, ctx);
  if (copied.ok()) return std::move(copied->destination);
  // A create-only write refused (the destination changed) is reported as the key being taken.
  if (copied.status().code() == ErrorCode::Conflict) {
    return make_error(ErrorCode::AlreadyExists, "'{}' already exists at the destination", dst.str());
  }
  return copied.status();
}

Result<OperationResult> run_restore(OperationTarget& t, const RestoreRequest& request, const ProgressCallback& progress,
                                    const CancelToken* cancel) {
  OpContext ctx{cancel};
  std::vector<std::string> remote_keys, local_keys;
  t.manifest.for_each([&](const ManifestEntry& e) {
    remote_keys.push_back(e.remote_key);
    local_keys.push_back(e.path);
  });
  CLOUDSYNC_RETURN_IF_ERROR(check_remote_keys_allowed(t.integration, remote_keys, "restore"));
  // Nothing is downloaded unless it is missing or changed; the remote side
  // costs listings where they are cheaper than a HEAD per file. What is found
  // goes straight into the planner's compact listings.
  PlanInput in = plan_input(t, *t.remote, *t.local, Orientation::Pull, ctx);
  const bool fold = needs_case_folding(in.source_caps, in.destination_caps);
  in.source_listing = ListingIndex(fold);
  in.destination_listing = ListingIndex(fold);
  CLOUDSYNC_RETURN_IF_ERROR(find_tracked_objects(
      *t.remote, remote_keys, t.transfers, [&](ObjectMeta&& m) { in.source_listing.add(m); }, ctx));
  CLOUDSYNC_RETURN_IF_ERROR(head_each(
      *t.local, local_keys, t.transfers, [&](ObjectMeta&& m) { in.destination_listing.add(m); }, ctx));
  auto baseline = t.manifest.pull_baseline();
  in.baseline = &baseline;
  CLOUDSYNC_ASSIGN_OR_RETURN(Plan plan, compute_plan(std::move(in)));
  CLOUDSYNC_RETURN_IF_ERROR(check_plan_limits(t, plan));
  return run(t, "restore", std::move(plan), Orientation::Pull, request.dry_run, std::nullopt, progress, cancel);
}

Result<Plan> plan_connection_sync(OperationTarget& t, SyncDirection direction, const SyncScope& scope,
                                  bool delete_extraneous, const CancelToken* cancel) {
  bool push = direction == SyncDirection::Push;
  OpContext ctx{cancel};
  std::vector<Path> folders;
  for (std::string f : scope.folders) {
    while (!f.empty() && f.back() == '/') f.pop_back();
    CLOUDSYNC_ASSIGN_OR_RETURN(Path p, Path::parse(f));
    folders.push_back(std::move(p));
  }
  StorageBackend& src = push ? *t.local : *t.remote;
  StorageBackend& dst = push ? *t.remote : *t.local;
  PlanInput in = plan_input(t, src, dst, push ? Orientation::Push : Orientation::Pull, ctx);
  // Both listings go straight into the planner's compact form as they arrive.
  const bool fold = needs_case_folding(in.source_caps, in.destination_caps);
  in.source_listing = ListingIndex(fold);
  in.destination_listing = ListingIndex(fold);
  ListingIndex& remote_listing = push ? in.destination_listing : in.source_listing;
  ListingIndex& local_listing = push ? in.source_listing : in.destination_listing;
  // Both sides through the same filter: a local file the globs do not cover
  // is not extraneous, it is outside the connection.
  std::optional<GlobFilter> filter;
  if (!scope.include.empty() || !scope.exclude.empty()) filter.emplace(scope);
  Status filter_error;
  auto covered = [&](const ObjectMeta& m) {
    if (!filter || !filter_error.ok()) return filter_error.ok();
    Result<bool> covers = filter->covers(m.key, ctx.cancel);
    if (!covers.ok()) filter_error = covers.status();
    return covers.ok() && *covers;
  };
  std::vector<UnreadableEntry> remote_unreadable, local_unreadable;
  CLOUDSYNC_RETURN_IF_ERROR(visit_folders(
      *t.remote, folders, false,
      [&](const ObjectMeta& m) {
        // A status check's probe object is nobody's file: never pulled, never
        // deleted as extraneous.
        if (!is_probe_object_key(m.key) && covered(m)) remote_listing.add(m);
      },
      remote_unreadable, ctx));
  CLOUDSYNC_RETURN_IF_ERROR(visit_folders(
      *t.local, folders, true,
      [&](const ObjectMeta& m) {
        if (push && ignored_for_export(m.key)) return;
        if (covered(m)) local_listing.add(m);
      },
      local_unreadable, ctx));
  CLOUDSYNC_RETURN_IF_ERROR(filter_error);
  auto baseline = push ? t.manifest.push_baseline() : t.manifest.pull_baseline();
  in.source_unreadable = std::move(push ? local_unreadable : remote_unreadable);
  in.baseline = &baseline;
  in.delete_extraneous = delete_extraneous;
  for (const Path& folder : folders) in.folders.push_back(folder.str());
  return compute_plan(std::move(in));
}

Result<OperationResult> apply_connection_sync(OperationTarget& t, SyncDirection direction, Plan plan, bool dry_run,
                                              std::optional<uint64_t> max_delete, const ProgressCallback& progress,
                                              const CancelToken* cancel) {
  bool push = direction == SyncDirection::Push;
  if (!push) CLOUDSYNC_RETURN_IF_ERROR(check_plan_limits(t, plan));
  return run(t, "sync", std::move(plan), push ? Orientation::Push : Orientation::Pull, dry_run, max_delete, progress,
             cancel);
}

std::string plan_digest(const Plan& plan) {
  Hasher digest(hash_kinds(HashKind::Sha256));
  auto add = [&](std::string_view s) {
    digest.update(s);
    digest.update(std::string_view("\0", 1));
  };
  auto add_meta = [&](const ObjectMeta& m) {
    add(m.key);
    add(std::to_string(m.size));
    add(m.etag);
    add(m.mtime ? std::to_string(to_unix_nanos(*m.mtime)) : "");
  };
  add(plan.delete_extraneous ? "delete" : "keep");
  for (const PlanAction& a : plan.actions) {
    add(action_kind_name(a.kind));
    add(a.path);
    if (a.has_source) add_meta(a.source);
    if (a.has_destination) add_meta(a.destination);
  }
  for (const UnreadableEntry& u : plan.unreadable) add(u.key);
  return digest.finish().sha256;
}

}  // namespace cloudsync
