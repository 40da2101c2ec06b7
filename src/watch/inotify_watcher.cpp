#include "watch/inotify_watcher.hpp"

#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/log.hpp"
#include "watch/tree_scan.hpp"

namespace cloudsync {

namespace {

constexpr uint32_t kFolderMask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_MODIFY |
                                 IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_EXCL_UNLINK;

// The current value of a limit under /proc/sys/fs/inotify, for messages
// (read as a stream: /proc files report a size of 0).
std::string inotify_limit(const char* name) {
  std::ifstream in(std::filesystem::path("/proc/sys/fs/inotify") / name);
  uint64_t value = 0;
  if (!(in >> value)) return "unknown";
  return std::to_string(value);
}

std::string limit_reason(const char* what, const char* sysctl, std::chrono::milliseconds interval) {
  return fmt::format("the inotify {} limit (fs.inotify.{} = {}) is reached; {}", what, sysctl, inotify_limit(sysctl),
                     polling_interval_text(interval));
}

bool is_within(std::string_view path, std::string_view folder) {
  return folder.empty() || path == folder ||
         (path.size() > folder.size() && path.starts_with(folder) && path[folder.size()] == '/');
}

}  // namespace

InotifyWatcher::InotifyWatcher(FsWatcherOptions options, std::shared_ptr<const Waker> waker, UniqueFd inotify)
    : options_(std::move(options)), waker_(std::move(waker)), inotify_(std::move(inotify)) {}

Result<std::unique_ptr<FsWatcher>> InotifyWatcher::open(FsWatcherOptions options) {
  CLOUDSYNC_ASSIGN_OR_RETURN(Waker made, Waker::make());
  auto waker = std::make_shared<const Waker>(std::move(made));
  UniqueFd inotify(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (!inotify) {
    const int err = errno;
    std::string reason = err == EMFILE ? limit_reason("instance", "max_user_instances", options.poll_interval)
                                       : fmt::format("inotify is unavailable ({}); {}", std::strerror(err),
                                                     polling_interval_text(options.poll_interval));
    log(LogLevel::Warn, "watch: {}", reason);
    return std::unique_ptr<FsWatcher>(
        std::make_unique<PollingWatcher>(std::move(options), std::move(reason), std::move(waker)));
  }
  std::unique_ptr<InotifyWatcher> watcher(new InotifyWatcher(std::move(options), waker, std::move(inotify)));
  for (size_t root = 0; root < watcher->options_.roots.size(); ++root) {
    if (!watcher->watch_and_scan(root, "")) break;
  }
  return std::unique_ptr<FsWatcher>(std::move(watcher));
}

WatchMode InotifyWatcher::mode() const {
  std::lock_guard lock(fallback_mutex_);
  return fallback_ ? fallback_->mode() : WatchMode::Inotify;
}

std::string InotifyWatcher::mode_reason() const {
  std::lock_guard lock(fallback_mutex_);
  return fallback_ ? fallback_->mode_reason() : std::string();
}

uint64_t InotifyWatcher::watched_folders() const {
  std::lock_guard lock(fallback_mutex_);
  return fallback_ ? fallback_->watched_folders() : watched_.load();
}

bool InotifyWatcher::add_watch(size_t root, const std::string& path, int dir_fd) {
  const std::filesystem::path folder = options_.roots[root] / path;
  // Through the descriptor the scan opened without following symlinks, so
  // that a folder swapped for a symlink meanwhile never gets a watch outside
  // the root; by name (its last component not followed) when /proc is absent.
  const std::string by_fd = fmt::format("/proc/self/fd/{}", dir_fd);
  int wd = ::inotify_add_watch(inotify_.get(), by_fd.c_str(), kFolderMask);
  if (wd < 0 && errno == ENOENT) wd = ::inotify_add_watch(inotify_.get(), folder.c_str(), kFolderMask | IN_DONT_FOLLOW);
  if (wd < 0) {
    const int err = errno;
    if (err == ENOSPC) {
      switch_to_polling(limit_reason("watch", "max_user_watches", options_.poll_interval));
      return false;
    }
    // Gone since it was listed.
    log(LogLevel::Debug, "watch: cannot watch {}: {}", folder.string(), std::strerror(err));
    return true;
  }
  // The same folder reached again (a rescan, or a move nobody saw) keeps its wd.
  if (auto known = by_wd_.find(wd); known != by_wd_.end()) {
    by_path_.erase({known->second.root, known->second.path});
  }
  by_wd_[wd] = Watch{root, path};
  by_path_[{root, path}] = wd;
  watched_ = by_wd_.size();
  return true;
}

bool InotifyWatcher::watch_and_scan(size_t root, const std::string& start) {
  TreeScanVisitor visitor;
  visitor.ignored = options_.ignored;
  visitor.on_folder = [&](const std::string& path, int dir_fd) { return add_watch(root, path, dir_fd); };
  visitor.on_file = [&](const std::string& path, const FileInfo& info) {
    pending_.push_back(FsChange{FsChange::Kind::Found, root, path, info});
  };
  return scan_tree(options_.roots[root], start, visitor);
}

void InotifyWatcher::forget_subtree(size_t root, const std::string& path) {
  auto it = by_path_.lower_bound({root, path});
  while (it != by_path_.end() && it->first.first == root) {
    if (is_within(it->first.second, path)) {
      ::inotify_rm_watch(inotify_.get(), it->second);  // EINVAL when the kernel dropped it already
      by_wd_.erase(it->second);
      it = by_path_.erase(it);
    } else if (it->first.second.starts_with(path)) {
      ++it;  // a sibling such as "a-b" sorts between "a" and "a/..."
    } else {
      break;
    }
  }
  watched_ = by_wd_.size();
}

void InotifyWatcher::switch_to_polling(std::string reason) {
  log(LogLevel::Warn, "watch: {}", reason);
  inotify_ = UniqueFd();
  by_wd_.clear();
  by_path_.clear();
  auto polling = std::make_unique<PollingWatcher>(options_, std::move(reason), waker_);
  std::lock_guard lock(fallback_mutex_);
  fallback_ = std::move(polling);
}

void InotifyWatcher::handle_event(uint32_t mask, int wd, std::string_view name, bool& overflowed) {
  if (mask & IN_Q_OVERFLOW) {
    overflowed = true;
    return;
  }
  auto found = by_wd_.find(wd);
  if (found == by_wd_.end()) return;  // a folder forgotten since
  const Watch watch = found->second;
  if (mask & IN_IGNORED) {
    by_wd_.erase(found);
    if (auto at = by_path_.find({watch.root, watch.path}); at != by_path_.end() && at->second == wd) {
      by_path_.erase(at);
    }
    watched_ = by_wd_.size();
    return;
  }
  if (name.empty()) {  // about the watched folder itself
    if (mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
      if (watch.path.empty()) {
        log(LogLevel::Warn, "watch: the watched folder {} was removed or moved away",
            options_.roots[watch.root].string());
      }
      forget_subtree(watch.root, watch.path);
    }
    return;
  }
  const std::filesystem::path folder = options_.roots[watch.root] / watch.path;
  if (!reportable_name(folder, name)) return;
  std::string path = join_relative(watch.path, name);
  const bool is_dir = (mask & IN_ISDIR) != 0;
  if (mask & (IN_MOVED_FROM | IN_DELETE)) {
    if (is_dir) forget_subtree(watch.root, path);
    if (!options_.ignored || !options_.ignored(path, is_dir)) {
      pending_.push_back(FsChange{FsChange::Kind::Removed, watch.root, std::move(path), {}});
    }
    return;
  }
  if (options_.ignored && options_.ignored(path, is_dir)) return;
  if (is_dir) {
    // Watched first, then listed: whatever was written into it meanwhile is found.
    if (mask & (IN_CREATE | IN_MOVED_TO)) watch_and_scan(watch.root, path);
    return;
  }
  const bool complete = (mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) != 0;
  if (complete || (mask & (IN_CREATE | IN_MODIFY | IN_ATTRIB))) {
    pending_.push_back(
        FsChange{complete ? FsChange::Kind::Closed : FsChange::Kind::Modified, watch.root, std::move(path), {}});
  }
}

Status InotifyWatcher::read_events() {
  alignas(inotify_event) char buffer[64 * 1024];
  bool overflowed = false;
  while (inotify_) {
    const ssize_t n = ::read(inotify_.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      return errno_error(errno, "read inotify events", "watcher");
    }
    if (n == 0) break;
    for (ssize_t offset = 0; offset < n && inotify_;) {
      inotify_event event;
      std::memcpy(&event, buffer + offset, sizeof event);
      const char* name = buffer + offset + sizeof event;
      handle_event(event.mask, event.wd, std::string_view(name, ::strnlen(name, event.len)), overflowed);
      offset += static_cast<ssize_t>(sizeof event + event.len);
    }
  }
  if (overflowed && inotify_) rescan_after_overflow();
  return Status::OK();
}

void InotifyWatcher::rescan_after_overflow() {
  log(LogLevel::Info, "watch: the inotify queue overflowed; scanning every folder again");
  // The lost events may have been the removals of folders: the watches are
  // rebuilt from what the scan finds (a folder still there keeps its wd).
  std::unordered_map<int, Watch> before = std::move(by_wd_);
  by_wd_.clear();
  by_path_.clear();
  for (size_t root = 0; root < options_.roots.size(); ++root) {
    if (!watch_and_scan(root, "")) return;
  }
  for (const auto& [wd, watch] : before) {
    if (!by_wd_.contains(wd)) ::inotify_rm_watch(inotify_.get(), wd);
  }
}

Status InotifyWatcher::wait(std::chrono::milliseconds timeout, std::vector<FsChange>& out) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point deadline = Clock::now() + timeout;
  for (;;) {
    if (hand_over(pending_, out)) return Status::OK();
    if (fallback_) {  // only this thread sets it
      return fallback_->wait(
          std::chrono::ceil<std::chrono::milliseconds>(std::max(deadline - Clock::now(), Clock::duration(0))), out);
    }
    CLOUDSYNC_ASSIGN_OR_RETURN(PollOutcome outcome, poll_with_waker(inotify_.get(), *waker_, deadline - Clock::now()));
    if (outcome.fd_readable) CLOUDSYNC_RETURN_IF_ERROR(read_events());
    if (outcome.woken) {
      waker_->drain();
      hand_over(pending_, out);
      return Status::OK();
    }
    if (!outcome.fd_readable) return Status::OK();  // timed out
  }
}

}  // namespace cloudsync
