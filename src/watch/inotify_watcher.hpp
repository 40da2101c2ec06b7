// The inotify FsWatcher: one watch per folder of every root, added before the
// folder is listed. When the kernel refuses a watch (fs.inotify.max_user_watches)
// or an instance (fs.inotify.max_user_instances), it hands over to a
// PollingWatcher for good and says why.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "watch/fs_watcher.hpp"
#include "watch/polling_watcher.hpp"
#include "watch/waker.hpp"

namespace cloudsync {

class InotifyWatcher final : public FsWatcher {
 public:
  /// Watches and scans every root; a PollingWatcher when inotify cannot start.
  static Result<std::unique_ptr<FsWatcher>> open(FsWatcherOptions options);

  Status wait(std::chrono::milliseconds timeout, std::vector<FsChange>& out) override;
  void wake() override { waker_->wake(); }
  WatchMode mode() const override;
  std::string mode_reason() const override;
  uint64_t watched_folders() const override;

 private:
  struct Watch {
    size_t root = 0;
    std::string path;
  };

  InotifyWatcher(FsWatcherOptions options, std::shared_ptr<const Waker> waker, UniqueFd inotify);

  /// Adds the watch of one folder, open as `dir_fd`; false once the watcher
  /// switched to polling.
  bool add_watch(size_t root, const std::string& path, int dir_fd);
  /// Watches the folder `start` and everything below it, its files pending as
  /// Found; false once the watcher switched to polling.
  bool watch_and_scan(size_t root, const std::string& start);
  /// Drops the watches of a folder and of every folder below it.
  void forget_subtree(size_t root, const std::string& path);
  /// Reads every queued event; a queue overflow ends in a full scan.
  Status read_events();
  void handle_event(uint32_t mask, int wd, std::string_view name, bool& overflowed);
  /// After lost events: every root scanned again (its files Found), watches rebuilt.
  void rescan_after_overflow();
  void switch_to_polling(std::string reason);

  const FsWatcherOptions options_;
  const std::shared_ptr<const Waker> waker_;
  UniqueFd inotify_;
  std::unordered_map<int, Watch> by_wd_;
  std::map<std::pair<size_t, std::string>, int> by_path_;  // ordered: a subtree is one range
  std::vector<FsChange> pending_;
  std::atomic<uint64_t> watched_{0};

  mutable std::mutex fallback_mutex_;  // mode() and friends may be asked from another thread
  std::unique_ptr<PollingWatcher> fallback_;
};

}  // namespace cloudsync
