// Recursive change notifications over a few folder trees: inotify, with a
// polling scanner as the fallback.
//
// The watcher reports paths that may have changed; it does not decide what is
// complete or what to export (src/watch/watcher.cpp does). Its promises:
//  - every file of every root is reported once when watching begins (kind
//    Found), so a caller reconciles what changed while nobody watched;
//  - a folder created later gets its watch and is then scanned, its files
//    reported as Found (`mkdir -p a/b && echo > a/b/f` within a millisecond is
//    never missed);
//  - an inotify queue overflow is followed by a full scan of every root
//    (every file reported as Found, missing watches added);
//  - when the kernel refuses a watch (ENOSPC: fs.inotify.max_user_watches)
//    it switches to polling for good and says why in mode_reason();
//  - ignored folders are neither watched nor scanned.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cloudsync/status.hpp"
#include "cloudsync/watch.hpp"
#include "core/file_io.hpp"

namespace cloudsync {

struct FsChange {
  enum class Kind {
    Closed,    ///< closed after writing (IN_CLOSE_WRITE), or renamed into place (IN_MOVED_TO)
    Modified,  ///< written to or created, not closed yet (IN_MODIFY, IN_CREATE, IN_ATTR)
    Found,     ///< seen by a scan (start, new folder, overflow) or changed between two polls
    Removed,   ///< deleted or renamed away
  };
  Kind kind = Kind::Modified;
  size_t root = 0;   ///< index into FsWatcherOptions::roots
  std::string path;  ///< relative to the root, '/'-separated, never empty
  /// The file's stat when the change was seen (scans; zero for events).
  FileInfo info;
};

/// Moves the changes a watcher holds to a wait()'s `out`; false when it held none.
inline bool hand_over(std::vector<FsChange>& pending, std::vector<FsChange>& out) {
  if (pending.empty()) return false;
  std::move(pending.begin(), pending.end(), std::back_inserter(out));
  pending.clear();
  return true;
}

struct FsWatcherOptions {
  /// Absolute folders; a root that does not exist is skipped (the caller
  /// creates the folders it wants watched).
  std::vector<std::filesystem::path> roots;
  bool force_polling = false;
  std::chrono::milliseconds poll_interval{2000};
  /// True for a path (relative to its root) not to report; for folders
  /// (is_dir) also not to descend into.
  std::function<bool(std::string_view path, bool is_dir)> ignored;
};

class FsWatcher {
 public:
  /// Begins watching (the initial scan's Found changes come from the first wait()).
  static Result<std::unique_ptr<FsWatcher>> open(FsWatcherOptions options);
  virtual ~FsWatcher() = default;

  /// Waits up to `timeout` for changes and appends them to `out`. Returns
  /// early when changes arrived or wake() was called.
  virtual Status wait(std::chrono::milliseconds timeout, std::vector<FsChange>& out) = 0;
  /// Makes a concurrent or the next wait() return at once. Thread-safe.
  virtual void wake() = 0;

  virtual WatchMode mode() const = 0;
  virtual std::string mode_reason() const = 0;
  /// Folders watched (inotify) or scanned (polling).
  virtual uint64_t watched_folders() const = 0;
};

}  // namespace cloudsync
