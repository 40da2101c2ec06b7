// An eventfd that interrupts a watcher's poll(2) from another thread. Shared
// by the inotify watcher and the polling watcher it may hand over to, so a
// wake() is never lost in the switch.
#pragma once

#include <chrono>

#include "cloudsync/status.hpp"
#include "core/file_io.hpp"

namespace cloudsync {

class Waker {
 public:
  static Result<Waker> make();
  /// Makes fd() readable. Thread-safe, async-signal-safe.
  void wake() const noexcept;
  /// Consumes pending wakes; true when there was one.
  bool drain() const noexcept;
  int fd() const noexcept { return fd_.get(); }

 private:
  explicit Waker(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

/// poll(2) on `fd` (may be -1: none) and the waker for up to `timeout`
/// (rounded up to whole milliseconds, at most about 24 days), retrying on
/// EINTR. Returns which became readable.
struct PollOutcome {
  bool fd_readable = false;
  bool woken = false;
};
Result<PollOutcome> poll_with_waker(int fd, const Waker& waker, std::chrono::nanoseconds timeout);

}  // namespace cloudsync
