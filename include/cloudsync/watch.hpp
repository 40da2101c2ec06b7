// The kernel session: Hex's writeback for one project of a workspace.
//
// start() restores every tracked file (downloading only what is missing or
// changed, within the project's limits), then watches the external-files/
// folder of every integration the project uses. A file written there is
// exported once it is complete: closed after writing or renamed into place,
// quiet for a short window, and unchanged (size, mtime, inode) between two
// looks. Editor and tool temporaries are never exported (WatchOptions::ignore).
//
// Exports go through a durable queue in the catalog: a file is queued before
// it is exported and leaves the queue only when the store has it, so a kill -9
// at any moment loses nothing and, on the next start, sends nothing twice.
// While the store is unreachable, writes queue up and go out in order when it
// is back. Every export is conditional on the remote version last seen: a
// remote change is reported as a conflict and never overwritten. A write under
// a read-only integration is refused and reported, never dropped silently.
//
// A host calls flush(timeout) before a kernel stops and stop() after.
//
// Threading: a KernelSession runs two threads of its own (file events and
// exports); its methods may be called from any thread. The event callback
// runs on the session's threads (the first and last status events on the
// threads calling start() and stop()), one call at a time: it must return
// quickly and must not call flush() or stop(). One session watches a project at a time
// (a second start fails with Conflict).
//
// C++ API: source-stable within a major version, not binary-stable. Use it
// through the static library (cloudsync::cloudsync_static) or add_subdirectory();
// the shared library libcloudsync.so exports the C ABI (cloudsync.h) only.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cloudsync/cancel.hpp"
#include "cloudsync/export.hpp"
#include "cloudsync/status.hpp"
#include "cloudsync/types.hpp"
#include "cloudsync/workspace.hpp"

namespace cloudsync {

/// What happens when the remote changed since the file was last imported or
/// exported (someone else wrote it).
enum class ConflictPolicy {
  Report,    ///< leave the remote alone and report a conflict (the default)
  KeepBoth,  ///< also upload the local file as "name.conflict-<host>-<UTC time>.ext"
};

/// The editor and tool temporaries never exported, as WatchOptions::ignore
/// patterns: ".~*", "~$*", ".~lock.*#", "*.swp", "*~", "4913",
/// ".goutputstream-*", "*.part", "*.crdownload", ".#*", "#*#",
/// ".ipynb_checkpoints/", "*-journal", "*-wal".
CLOUDSYNC_API const std::vector<std::string>& default_watch_ignores();

struct WatchOptions {
  /// How long a file must stay quiet after it was closed or renamed into
  /// place before it is exported.
  std::chrono::milliseconds quiet_window{300};
  /// A file written to but never seen closed (its writer holds it open, or it
  /// was found by a scan) is exported after this long without a change.
  std::chrono::milliseconds open_file_quiet{10'000};
  /// Name patterns never exported ('*' and '?' within a name; a trailing '/'
  /// names a folder and everything below it). The library's own temporaries
  /// are always ignored.
  std::vector<std::string> ignore = default_watch_ignores();
  ConflictPolicy conflict_policy = ConflictPolicy::Report;
  /// The host name in conflict copies; empty: the machine's.
  std::string host_name;
  /// Scan the folders every poll_interval instead of using inotify (network
  /// filesystems, where inotify sees nothing). The watcher also falls back to
  /// polling by itself when the inotify watch limit is reached.
  bool force_polling = false;
  std::chrono::milliseconds poll_interval{2000};
  /// Failed exports are retried after retry_initial, doubling up to retry_max.
  std::chrono::milliseconds retry_initial{1000};
  std::chrono::milliseconds retry_max{60'000};
  /// Files exported in one pass of one integration's queue (one manifest load,
  /// transfers in parallel).
  uint32_t batch_size = 256;
};

struct SessionOptions {
  WatchOptions watch;
  /// Restore the tracked files before watching (a kernel start).
  bool restore = true;
};

enum class WatchEventKind {
  Exported,  ///< a file reached the store
  Conflict,  ///< the remote changed since it was last seen: not overwritten
  Refused,   ///< a write under a read-only integration (or a path it does not allow)
  Failed,    ///< an export failed; it is retried (retry_at) unless `parked`
  Status,    ///< the watcher's mode or a store's reachability changed
};
CLOUDSYNC_API std::string_view watch_event_kind_name(WatchEventKind kind);  ///< "exported", "conflict", ...

enum class WatchMode {
  Stopped,
  Inotify,  ///< kernel notifications
  Polling,  ///< periodic scans (forced, or the inotify watch limit was reached)
};
CLOUDSYNC_API std::string_view watch_mode_name(WatchMode mode);  ///< "stopped", "inotify", "polling"

struct WatchEvent {
  WatchEventKind kind = WatchEventKind::Status;
  TimePoint at;
  std::string integration;  ///< display name (empty for the watcher's own status)
  std::string path;         ///< relative to the integration's folder
  std::string remote_key;   ///< where it went (or would have gone)
  uint64_t bytes = 0;
  std::string sha256;         ///< of the exported (or conflicting) content
  std::string conflict_copy;  ///< with ConflictPolicy::KeepBoth: the copy's remote key
  /// Failed, Refused, Conflict: the error, with its HTTP status and provider code.
  Status error;
  std::optional<TimePoint> retry_at;  ///< Failed: when it is tried again
  /// Failed/Conflict/Refused: it stays in the queue and is not retried until
  /// the file changes again (or the integration's settings do).
  bool parked = false;
  /// Status: the watcher's mode and why, or whether the integration's store is reachable.
  WatchMode mode = WatchMode::Stopped;
  std::string message;
};

/// JSON: {"event","at","integration","path","remote_key","bytes","sha256","conflict_copy",
/// "error":{"code","message","http_status","provider_code"},"retry_at","parked","mode","message"}
/// (empty fields left out; never a secret).
CLOUDSYNC_API std::string watch_event_to_json(const WatchEvent& event);

using WatchEventCallback = std::function<void(const WatchEvent&)>;

/// The state of one file in the export queue.
enum class QueuedState { Waiting, InFlight, Failed, Conflict, Refused };
CLOUDSYNC_API std::string_view queued_state_name(QueuedState state);  ///< "waiting", "in_flight", ...

struct QueuedExport {
  std::string integration;  ///< display name
  std::string path;         ///< relative to the integration's folder
  QueuedState state = QueuedState::Waiting;
  uint32_t attempts = 0;
  TimePoint queued_at;
  std::optional<TimePoint> retry_at;
  std::string error_code;  ///< error_code_name of the last failure
  std::string error_message;
};

struct IntegrationWatchStatus {
  std::string integration;  ///< display name
  std::string folder;       ///< relative to the project root
  bool writeback = false;
  bool reachable = true;  ///< false after an export failed for a transient reason, until one succeeds
  uint64_t waiting = 0, in_flight = 0, failed = 0, conflicts = 0, refused = 0;
  uint64_t exported = 0;  ///< by this session
  std::optional<TimePoint> last_export;
  std::string last_error;
};

struct WatchStatus {
  WatchMode mode = WatchMode::Stopped;
  std::string mode_reason;       ///< e.g. why polling
  uint64_t watched_folders = 0;  ///< folders with an inotify watch (or scanned, when polling)
  uint64_t files_settling = 0;   ///< seen changing, not yet quiet
  std::vector<IntegrationWatchStatus> integrations;
  /// Files not yet in the store: settling, waiting, in flight or failed
  /// (conflicts and refusals are not counted: they go nowhere by themselves).
  uint64_t pending() const;
};

/// JSON: {"mode","mode_reason","watched_folders","files_settling","pending","integrations":[...]}.
CLOUDSYNC_API std::string watch_status_to_json(const WatchStatus& status);

struct FlushResult {
  bool complete = false;              ///< nothing left that could still go out
  std::vector<QueuedExport> pending;  ///< what is still queued (parked entries included)
};

/// JSON:
/// {"complete","pending":[{"integration","path","state","attempts","queued_at","retry_at","error_code","error_message"}]}.
CLOUDSYNC_API std::string flush_result_to_json(const FlushResult& result);

class CLOUDSYNC_API KernelSession {
 public:
  /// Restores the project's tracked files (unless options.restore is false),
  /// then starts watching and exporting. The workspace must outlive the
  /// session. Restore failures of single integrations are in restored(); the
  /// start fails only when watching cannot begin.
  static Result<std::unique_ptr<KernelSession>> start(Workspace& workspace, SessionOptions options = {},
                                                      WatchEventCallback on_event = {},
                                                      const CancelToken* cancel = nullptr);
  ~KernelSession();  ///< stop()
  KernelSession(const KernelSession&) = delete;
  KernelSession& operator=(const KernelSession&) = delete;

  /// What the start restored, one result per integration.
  const std::vector<OperationResult>& restored() const;

  /// Exports everything written so far: files still settling are taken as
  /// complete (their writers are done when a kernel stops) and failed exports
  /// are tried again at once. Waits up to `timeout`; returns what is left.
  FlushResult flush(std::chrono::milliseconds timeout);

  /// Stops watching and exporting. An export in flight is abandoned and stays
  /// queued for the next session. Idempotent.
  void stop();

  WatchStatus status() const;
  /// The export queue, in the order files go out.
  std::vector<QueuedExport> queue() const;

  struct Impl;

 private:
  explicit KernelSession(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cloudsync
