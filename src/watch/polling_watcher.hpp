// The polling FsWatcher: every poll_interval it walks every root and compares
// each file's (size, mtime, inode) with the previous walk. For network
// filesystems, where inotify sees nothing (force_polling), and as the inotify
// watcher's fallback when the kernel's limits are reached.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "watch/fs_watcher.hpp"
#include "watch/waker.hpp"

namespace cloudsync {

class PollingWatcher final : public FsWatcher {
 public:
  /// Walks every root once (its files are the first wait()'s Found changes).
  /// `reason` is what mode_reason() says; `waker` may be shared with the
  /// watcher that hands over to this one.
  PollingWatcher(FsWatcherOptions options, std::string reason, std::shared_ptr<const Waker> waker);

  Status wait(std::chrono::milliseconds timeout, std::vector<FsChange>& out) override;
  void wake() override { waker_->wake(); }
  WatchMode mode() const override { return WatchMode::Polling; }
  std::string mode_reason() const override { return reason_; }
  uint64_t watched_folders() const override;

 private:
  using Clock = std::chrono::steady_clock;
  using Snapshot = std::map<std::pair<size_t, std::string>, FileInfo>;
  /// Walks every root and appends what changed since the previous walk to pending_.
  void poll_once();

  const FsWatcherOptions options_;
  const std::string reason_;
  const std::shared_ptr<const Waker> waker_;
  Snapshot previous_;
  std::vector<FsChange> pending_;
  Clock::time_point next_poll_;
  mutable std::mutex folders_mutex_;  // watched_folders() may be asked from another thread
  uint64_t folders_ = 0;
};

/// "scanning every N ms", the end of every polling reason.
std::string polling_interval_text(std::chrono::milliseconds interval);

}  // namespace cloudsync
