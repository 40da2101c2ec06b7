#include "watch/polling_watcher.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "watch/tree_scan.hpp"

namespace cloudsync {

std::string polling_interval_text(std::chrono::milliseconds interval) {
  return fmt::format("scanning every {} ms", interval.count());
}

PollingWatcher::PollingWatcher(FsWatcherOptions options, std::string reason, std::shared_ptr<const Waker> waker)
    : options_(std::move(options)), reason_(std::move(reason)), waker_(std::move(waker)) {
  poll_once();
}

uint64_t PollingWatcher::watched_folders() const {
  std::lock_guard lock(folders_mutex_);
  return folders_;
}

namespace {
bool same_file_state(const FileInfo& a, const FileInfo& b) {
  return a.size == b.size && a.mtime == b.mtime && a.inode == b.inode;
}
}  // namespace

void PollingWatcher::poll_once() {
  Snapshot current;
  uint64_t folders = 0;
  for (size_t root = 0; root < options_.roots.size(); ++root) {
    TreeScanVisitor visitor;
    visitor.ignored = options_.ignored;
    visitor.on_folder = [&](const std::string&, int) {
      ++folders;
      return true;
    };
    visitor.on_file = [&](const std::string& path, const FileInfo& info) {
      auto key = std::make_pair(root, path);
      auto before = previous_.find(key);
      if (before == previous_.end() || !same_file_state(before->second, info)) {
        pending_.push_back(FsChange{FsChange::Kind::Found, root, path, info});
      }
      current.emplace(std::move(key), info);
    };
    scan_tree(options_.roots[root], "", visitor);
  }
  for (const auto& [key, info] : previous_) {
    if (!current.contains(key)) pending_.push_back(FsChange{FsChange::Kind::Removed, key.first, key.second, {}});
  }
  previous_ = std::move(current);
  {
    std::lock_guard lock(folders_mutex_);
    folders_ = folders;
  }
  next_poll_ = Clock::now() + options_.poll_interval;
}

Status PollingWatcher::wait(std::chrono::milliseconds timeout, std::vector<FsChange>& out) {
  const Clock::time_point deadline = Clock::now() + timeout;
  for (;;) {
    if (hand_over(pending_, out)) return Status::OK();
    Clock::time_point now = Clock::now();
    if (now >= next_poll_) {
      poll_once();
      continue;
    }
    if (now >= deadline) return Status::OK();
    CLOUDSYNC_ASSIGN_OR_RETURN(PollOutcome outcome, poll_with_waker(-1, *waker_, std::min(deadline, next_poll_) - now));
    if (outcome.woken) {
      waker_->drain();
      return Status::OK();
    }
  }
}

}  // namespace cloudsync
