#include "watch/watcher.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "catalog/file_lock.hpp"
#include "core/error.hpp"
#include "core/file_io.hpp"
#include "core/log.hpp"
#include "core/time.hpp"
#include "engine/operations.hpp"
#include "watch/fs_watcher.hpp"
#include "engine/ignore_list.hpp"
#include "watch/queue_exporter.hpp"
#include "watch/settling_files.hpp"

namespace cloudsync {

namespace fs = std::filesystem;

namespace {

using SteadyClock = std::chrono::steady_clock;

// How long the threads sleep when nothing is due: wake-ups cost CPU, and
// every real cause of work (an event, a flush, a stop) wakes them anyway.
constexpr std::chrono::seconds kIdleWait{60};

SteadyClock::time_point steady_from(TimePoint t) {
  auto left = t - now_utc();
  return SteadyClock::now() + std::chrono::duration_cast<SteadyClock::duration>(left);
}

bool counts_as_pending(const QueueRow& row) {
  return row.state == QueuedState::Waiting || row.state == QueuedState::InFlight ||
         (row.state == QueuedState::Failed && row.retry_at.has_value());
}

}  // namespace

struct Watcher::State {
  // The size and mtime a file had when the manifest last recorded it.
  struct KnownFile {
    uint64_t size = 0;
    std::optional<TimePoint> mtime;
  };

  State(Workspace::Impl& w, WatchOptions o, WatchEventCallback cb)
      : ws(w),
        options(std::move(o)),
        on_event(std::move(cb)),
        settling(options.quiet_window, options.open_file_quiet,
                 [this](const SettlingFiles::Key& key) { return stat_file(key); }) {}

  Workspace::Impl& ws;
  const WatchOptions options;
  const WatchEventCallback on_event;
  std::optional<FileLock> project_lock;
  std::vector<WatchedFolder> folders;  // index = the file watcher's root index
  std::optional<IgnoreList> ignore;
  std::unique_ptr<FsWatcher> files;

  // The event thread's own.
  SettlingFiles settling;

  // What the manifests say each file looked like (Found changes that match are no change).
  std::mutex known_mutex;
  std::vector<std::map<std::string, KnownFile>> known;

  struct FolderRuntime {
    bool reachable = true;
    std::optional<TimePoint> blocked_until;  // a transient failure: the queue waits, in order
    uint64_t exported = 0;
    std::optional<TimePoint> last_export;
    std::string last_error;
  };

  mutable std::mutex mutex;
  std::condition_variable changed;  // work queued, a pass settled, a flush step done, stop
  bool stopping = false;
  bool work = false;
  uint64_t hurry_requested = 0;
  uint64_t hurry_done = 0;
  size_t settling_count = 0;
  WatchMode mode = WatchMode::Stopped;
  std::string mode_reason;
  uint64_t watched_folders = 0;
  std::vector<FolderRuntime> runtime;

  CancelToken cancel;
  std::mutex callback_mutex;
  std::thread event_thread;
  std::thread export_thread;

  CatalogStore& store() { return *ws.cat().store; }

  std::optional<FileInfo> stat_file(const SettlingFiles::Key& key) const {
    const fs::path file = folders[key.first].folder / key.second;
    struct ::stat st {};
    if (::lstat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
    return file_info_from_stat(st);
  }

  void emit(const WatchEvent& event) {
    if (!on_event) return;
    std::lock_guard lock(callback_mutex);
    try {
      on_event(event);
    } catch (...) {
      log(LogLevel::Warn, "the watch event callback threw; the event is dropped");
    }
  }

  void emit_status(const std::string& integration, const std::string& message) {
    WatchEvent e;
    e.kind = WatchEventKind::Status;
    e.at = now_utc();
    e.integration = integration;
    {
      std::lock_guard lock(mutex);
      e.mode = mode;
    }
    e.message = message;
    emit(e);
  }

  bool matches_known(const FsChange& change) {
    std::lock_guard lock(known_mutex);
    const auto& known_files = known[change.root];
    auto it = known_files.find(change.path);
    return it != known_files.end() && it->second.size == change.info.size && it->second.mtime == change.info.mtime;
  }

  void remember(size_t folder, const std::map<std::string, Fingerprint>& recorded) {
    std::lock_guard lock(known_mutex);
    for (const auto& [path, fp] : recorded) known[folder][path] = KnownFile{fp.size, fp.mtime};
  }

  void note_mode() {
    WatchMode now_mode = files->mode();
    std::string reason = files->mode_reason();
    uint64_t count = files->watched_folders();
    bool switched = false;
    {
      std::lock_guard lock(mutex);
      switched = mode != now_mode && mode != WatchMode::Stopped;
      mode = now_mode;
      mode_reason = reason;
      watched_folders = count;
    }
    if (switched)
      emit_status("", reason.empty() ? std::string("watching by ") + std::string(watch_mode_name(now_mode)) : reason);
  }

  // Files ready to go: into the durable queue, one transaction per folder.
  void enqueue(const std::vector<SettlingFiles::Key>& ready) {
    std::map<size_t, std::vector<std::string>> by_folder;
    for (const auto& [root, path] : ready) by_folder[root].push_back(path);
    bool queued = false;
    for (auto& [root, paths] : by_folder) {
      Status s = store().enqueue_exports(folders[root].connection_id, paths, now_utc());
      if (s.ok()) {
        queued = true;
        continue;
      }
      // The catalog is busy or broken: the files settle again and are retried.
      log(LogLevel::Warn, "could not queue {} file(s) of '{}' for export: {}", paths.size(),
          folders[root].integration.spec.name, s.to_string());
      auto later = SteadyClock::now();
      for (const std::string& p : paths) {
        FsChange again;
        again.kind = FsChange::Kind::Closed;
        again.root = root;
        again.path = p;
        settling.on_change(again, later);
      }
    }
    if (queued) {
      std::lock_guard lock(mutex);
      work = true;
      changed.notify_all();
    }
  }

  void event_loop() {
    std::vector<FsChange> batch;
    for (;;) {
      auto now = SteadyClock::now();
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(kIdleWait);
      if (auto next = settling.next_deadline()) {
        wait =
            std::clamp(std::chrono::ceil<std::chrono::milliseconds>(*next - now), std::chrono::milliseconds(0), wait);
      }
      Status waited = files->wait(wait, batch);
      uint64_t hurry = 0;
      {
        std::lock_guard lock(mutex);
        if (stopping) return;
        hurry = hurry_requested;
      }
      if (!waited.ok()) {
        log(LogLevel::Warn, "watching the project's files: {}", waited.to_string());
        std::unique_lock lock(mutex);
        changed.wait_for(lock, std::chrono::seconds(1), [&] { return stopping; });
        continue;
      }
      note_mode();
      now = SteadyClock::now();
      for (const FsChange& c : batch) {
        if (c.root >= folders.size()) continue;
        if (c.kind == FsChange::Kind::Found && matches_known(c)) continue;
        settling.on_change(c, now);
      }
      batch.clear();
      bool hurried = false;
      {
        std::lock_guard lock(mutex);
        hurried = hurry_done < hurry;
      }
      if (hurried) settling.hurry();
      enqueue(settling.take_ready(now));
      std::lock_guard lock(mutex);
      settling_count = settling.size();
      if (hurried) {
        hurry_done = hurry;
        changed.notify_all();
      }
    }
  }

  // One pass over one folder's queue; false when there was nothing to do.
  bool export_pass(size_t i, std::optional<SteadyClock::time_point>& next_wake) {
    const WatchedFolder& folder = folders[i];
    bool was_blocked = false;
    {
      std::lock_guard lock(mutex);
      auto& blocked = runtime[i].blocked_until;
      if (blocked && *blocked > now_utc()) {
        auto at = steady_from(*blocked);
        if (!next_wake || at < *next_wake) next_wake = at;
        return false;
      }
      was_blocked = blocked.has_value();
      blocked.reset();
    }
    if (was_blocked) {
      // The store was unreachable and its wait is over: whatever failed
      // meanwhile goes again now, in queue order (each file's own backoff
      // would let later files overtake earlier ones).
      Status requeued = store().requeue_exports(folder.connection_id, /*in_flight=*/false, /*retry_now=*/true);
      if (!requeued.ok())
        log(LogLevel::Warn, "requeueing '{}': {}", folder.integration.spec.name, requeued.to_string());
    }
    auto rows = store().claim_exports(folder.connection_id, now_utc(), std::max<uint32_t>(options.batch_size, 1));
    if (!rows.ok()) {
      log(LogLevel::Warn, "reading the export queue of '{}': {}", folder.integration.spec.name,
          rows.status().to_string());
      return false;
    }
    if (rows->empty()) {
      auto next = store().next_retry(folder.connection_id);
      if (next.ok() && *next) {
        auto at = steady_from(**next);
        if (!next_wake || at < *next_wake) next_wake = at;
      }
      return false;
    }
    ExportPass pass = export_claimed(ws, folder, *rows, options, &cancel);
    if (cancel.is_cancelled()) return false;
    Status settled = store().settle_exports(folder.connection_id, pass.settled);
    if (!settled.ok()) {
      log(LogLevel::Warn, "recording exports of '{}': {}", folder.integration.spec.name, settled.to_string());
    }
    remember(i, pass.recorded);
    std::optional<std::string> reachability;
    {
      std::lock_guard lock(mutex);
      FolderRuntime& rt = runtime[i];
      uint64_t exported = 0;
      for (const WatchEvent& e : pass.events) exported += e.kind == WatchEventKind::Exported;
      if (exported > 0) {
        rt.exported += exported;
        rt.last_export = now_utc();
      }
      if (!pass.last_error.empty()) rt.last_error = pass.last_error;
      if (pass.unreachable) {
        rt.blocked_until = pass.retry_at;
        if (rt.reachable) reachability = "the store cannot be reached; exports wait in the queue and go out in order";
        rt.reachable = false;
      } else if (!rt.reachable && (exported > 0 || pass.last_error.empty())) {
        rt.reachable = true;
        reachability = "the store is reachable again";
      }
    }
    if (reachability) emit_status(folder.integration.spec.name, *reachability);
    for (const WatchEvent& e : pass.events) emit(e);
    std::lock_guard lock(mutex);
    changed.notify_all();
    return true;
  }

  void export_loop() {
    for (;;) {
      {
        std::lock_guard lock(mutex);
        if (stopping) return;
        work = false;
      }
      bool did = false;
      std::optional<SteadyClock::time_point> next_wake;
      for (size_t i = 0; i < folders.size(); ++i) {
        did = export_pass(i, next_wake) || did;
        if (cancel.is_cancelled()) return;
      }
      if (did) continue;  // there may be more
      std::unique_lock lock(mutex);
      auto until = SteadyClock::now() + kIdleWait;
      if (next_wake && *next_wake < until) until = *next_wake;
      changed.wait_until(lock, until, [&] { return stopping || work; });
    }
  }

  uint64_t pending_rows() {
    uint64_t pending = 0;
    for (const WatchedFolder& f : folders) {
      auto rows = store().queued_exports(f.connection_id);
      if (!rows.ok()) return 1;  // unknown: not flushed
      for (const QueueRow& r : *rows) pending += counts_as_pending(r);
    }
    return pending;
  }

  std::vector<QueuedExport> queue_entries() {
    std::vector<QueuedExport> out;
    for (const WatchedFolder& f : folders) {
      auto rows = store().queued_exports(f.connection_id);
      if (!rows.ok()) continue;
      for (const QueueRow& r : *rows) {
        QueuedExport q;
        q.integration = f.integration.spec.name;
        q.path = r.path;
        q.state = r.state;
        q.attempts = r.attempts;
        q.queued_at = r.queued_at;
        q.retry_at = r.retry_at;
        q.error_code = r.error_code;
        q.error_message = r.error_message;
        out.push_back(std::move(q));
      }
    }
    return out;
  }
};

Watcher::Watcher(std::unique_ptr<State> state) : state_(std::move(state)) {}

Watcher::~Watcher() { stop(); }

Result<FileLock> Watcher::lock_project(Workspace::Impl& workspace) {
  return FileLock::acquire(workspace.cat().lock_file("watch", workspace.project.id),
                           fmt::format("the writeback watcher of project '{}'", workspace.project.name));
}

Result<std::unique_ptr<Watcher>> Watcher::start(Workspace::Impl& workspace, FileLock lock, WatchOptions options,
                                                WatchEventCallback on_event) {
  auto state = std::make_unique<State>(workspace, std::move(options), std::move(on_event));
  State& s = *state;
  const Project& project = workspace.project;
  s.project_lock = std::move(lock);
  CLOUDSYNC_ASSIGN_OR_RETURN(IgnoreList ignore, IgnoreList::make(s.options.ignore));
  s.ignore = std::move(ignore);

  IntegrationFilter filter;
  filter.project = project.id;
  std::vector<Integration> integrations;
  CLOUDSYNC_RETURN_IF_ERROR(workspace.catalog->for_each_integration(filter, [&](const Integration& i) {
    integrations.push_back(i);
    return true;
  }));
  FsWatcherOptions watch;
  for (const Integration& integ : integrations) {
    CLOUDSYNC_ASSIGN_OR_RETURN(Path folder, integration_folder(integ));
    if (integ.spec.writeback) {
      // The folder a user writes into exists from the start, so that a write
      // into it is seen (through descriptors: no symlinked ancestor followed).
      CLOUDSYNC_RETURN_IF_ERROR(open_dir_below(project.root, folder, /*create=*/true).status());
    } else {
      std::error_code ec;
      bool present = fs::is_directory(project.root / folder.str(), ec);
      auto existing = s.store().find_connection_for(project.id, integ.id);
      // A read-only integration nobody imported from has nothing to watch.
      if (!present && (!existing.ok() || !*existing)) continue;
    }
    CLOUDSYNC_ASSIGN_OR_RETURN(Connection connection, workspace.cat().ensure_connection(project, integ));
    // What a killed session had in flight goes again (the engine finds out
    // whether the store already has it); a writeback integration's parked
    // files are looked at again, its settings may have changed.
    CLOUDSYNC_RETURN_IF_ERROR(s.store().requeue_exports(connection.id, /*in_flight=*/true, /*retry_now=*/false));
    if (integ.spec.writeback) CLOUDSYNC_RETURN_IF_ERROR(s.store().unpark_exports(connection.id));
    CLOUDSYNC_ASSIGN_OR_RETURN(Manifest manifest, s.store().load_manifest(connection.id));
    std::map<std::string, State::KnownFile> known;
    manifest.for_each([&](const ManifestEntry& entry) {
      known[entry.path] = State::KnownFile{entry.local.size, entry.local.mtime};
    });
    s.known.push_back(std::move(known));
    WatchedFolder wf;
    wf.integration = integ;
    wf.connection_id = connection.id;
    wf.folder = project.root / folder.str();
    watch.roots.push_back(wf.folder);
    s.folders.push_back(std::move(wf));
  }
  s.runtime.resize(s.folders.size());
  watch.force_polling = s.options.force_polling;
  watch.poll_interval = s.options.poll_interval;
  const IgnoreList* ignore_list = &*s.ignore;
  watch.ignored = [ignore_list](std::string_view path, bool is_dir) { return ignore_list->ignores(path, is_dir); };
  CLOUDSYNC_ASSIGN_OR_RETURN(s.files, FsWatcher::open(std::move(watch)));
  s.mode = s.files->mode();
  s.mode_reason = s.files->mode_reason();
  s.watched_folders = s.files->watched_folders();

  auto watcher = std::unique_ptr<Watcher>(new Watcher(std::move(state)));
  State* st = watcher->state_.get();
  st->emit_status(
      "", fmt::format("watching {} integration folder(s) by {}{}", st->folders.size(), watch_mode_name(st->mode),
                      st->mode_reason.empty() ? std::string() : ": " + st->mode_reason));
  st->event_thread = std::thread([st] { st->event_loop(); });
  st->export_thread = std::thread([st] { st->export_loop(); });
  return watcher;
}

FlushResult Watcher::flush(std::chrono::milliseconds timeout) {
  State& s = *state_;
  const auto deadline = SteadyClock::now() + timeout;
  uint64_t target = 0;
  {
    std::lock_guard lock(s.mutex);
    if (!s.stopping) target = ++s.hurry_requested;
  }
  if (target != 0) {
    s.files->wake();
    std::unique_lock lock(s.mutex);
    s.changed.wait_until(lock, deadline, [&] { return s.stopping || s.hurry_done >= target; });
  }
  // Failed exports go again now, whatever their backoff said.
  for (size_t i = 0; i < s.folders.size(); ++i) {
    if (!s.folders[i].integration.spec.writeback) continue;
    Status requeued = s.store().requeue_exports(s.folders[i].connection_id, /*in_flight=*/false, /*retry_now=*/true);
    if (!requeued.ok()) log(LogLevel::Warn, "flush: {}", requeued.to_string());
  }
  {
    std::lock_guard lock(s.mutex);
    for (auto& rt : s.runtime) rt.blocked_until.reset();
    s.work = true;
    s.changed.notify_all();
  }
  FlushResult result;
  for (;;) {
    size_t settling = 0;
    bool stopping = false;
    {
      std::lock_guard lock(s.mutex);
      settling = s.settling_count;
      stopping = s.stopping;
    }
    if (settling == 0 && s.pending_rows() == 0) {
      result.complete = true;
      break;
    }
    if (stopping || SteadyClock::now() >= deadline) break;
    std::unique_lock lock(s.mutex);
    s.changed.wait_until(lock, std::min(deadline, SteadyClock::now() + std::chrono::milliseconds(100)));
  }
  result.pending = s.queue_entries();
  return result;
}

void Watcher::stop() {
  State& s = *state_;
  {
    std::lock_guard lock(s.mutex);
    if (s.stopping) return;
    s.stopping = true;
    s.changed.notify_all();
  }
  s.cancel.cancel();
  if (s.files) s.files->wake();
  if (s.event_thread.joinable()) s.event_thread.join();
  if (s.export_thread.joinable()) s.export_thread.join();
  // What was cut off in flight waits, in place, for the next session.
  for (const WatchedFolder& f : s.folders) {
    Status requeued = s.store().requeue_exports(f.connection_id, /*in_flight=*/true, /*retry_now=*/false);
    if (!requeued.ok()) log(LogLevel::Warn, "stopping the watcher: {}", requeued.to_string());
  }
  {
    std::lock_guard lock(s.mutex);
    s.mode = WatchMode::Stopped;
  }
  s.emit_status("", "stopped watching");
  s.project_lock.reset();
}

WatchStatus Watcher::status() const {
  State& s = *state_;
  WatchStatus out;
  std::vector<State::FolderRuntime> runtime;
  {
    std::lock_guard lock(s.mutex);
    out.mode = s.mode;
    out.mode_reason = s.mode_reason;
    out.watched_folders = s.watched_folders;
    out.files_settling = s.settling_count;
    runtime = s.runtime;
  }
  for (size_t i = 0; i < s.folders.size(); ++i) {
    const WatchedFolder& f = s.folders[i];
    IntegrationWatchStatus st;
    st.integration = f.integration.spec.name;
    st.folder = f.integration.folder;
    st.writeback = f.integration.spec.writeback;
    st.reachable = runtime[i].reachable;
    st.exported = runtime[i].exported;
    st.last_export = runtime[i].last_export;
    st.last_error = runtime[i].last_error;
    auto rows = s.store().queued_exports(f.connection_id);
    if (rows.ok()) {
      for (const QueueRow& r : *rows) {
        switch (r.state) {
          case QueuedState::Waiting: ++st.waiting; break;
          case QueuedState::InFlight: ++st.in_flight; break;
          case QueuedState::Failed: ++st.failed; break;
          case QueuedState::Conflict: ++st.conflicts; break;
          case QueuedState::Refused: ++st.refused; break;
        }
      }
    } else {
      st.last_error = rows.status().to_string();
    }
    out.integrations.push_back(std::move(st));
  }
  return out;
}

std::vector<QueuedExport> Watcher::queue() const { return state_->queue_entries(); }

}  // namespace cloudsync
