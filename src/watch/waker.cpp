#include "watch/waker.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstdint>
#include <limits>

#include "core/error.hpp"

namespace cloudsync {

Result<Waker> Waker::make() {
  UniqueFd fd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!fd) return errno_error(errno, "create eventfd", "watcher");
  return Waker(std::move(fd));
}

void Waker::wake() const noexcept {
  const uint64_t one = 1;
  // EAGAIN means the counter is already non-zero: the wake is pending anyway.
  [[maybe_unused]] ssize_t n = ::write(fd_.get(), &one, sizeof one);
}

bool Waker::drain() const noexcept {
  uint64_t count = 0;
  return ::read(fd_.get(), &count, sizeof count) == static_cast<ssize_t>(sizeof count) && count > 0;
}

Result<PollOutcome> poll_with_waker(int fd, const Waker& waker, std::chrono::nanoseconds timeout) {
  // Rounded up so that a wait never ends just before the moment it waits for.
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(std::max(timeout, std::chrono::nanoseconds(0)));
  const int timeout_ms = static_cast<int>(std::min<int64_t>(ms.count(), std::numeric_limits<int>::max()));
  pollfd fds[2] = {{waker.fd(), POLLIN, 0}, {fd, POLLIN, 0}};
  const nfds_t count = fd >= 0 ? 2 : 1;
  for (;;) {
    const int ready = ::poll(fds, count, timeout_ms);
    if (ready >= 0) break;
    if (errno != EINTR) return errno_error(errno, "poll", "watcher");
    // A signal is rare enough that restarting with the whole timeout does no harm.
  }
  PollOutcome outcome;
  outcome.woken = (fds[0].revents & POLLIN) != 0;
  outcome.fd_readable = count == 2 && (fds[1].revents & (POLLIN | POLLERR | POLLHUP)) != 0;
  return outcome;
}

}  // namespace cloudsync
