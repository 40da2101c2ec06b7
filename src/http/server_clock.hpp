// A wall clock corrected by the server's: signatures carry a time (SigV4's
// x-amz-date, SharedKey's x-ms-date, a service-account JWT's iat/exp) that the
// server compares with its own, and refuses beyond a tolerance (15 minutes for
// S3 and Azure, a few minutes for Google). When a server reveals its time in
// such a refusal, the offset is learned here once and every later signature,
// by every thread, uses the corrected time. Lives in src/http so that the
// request client (which learns) and the signers in src/auth (which read) share
// one type.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>

#include "cloudsync/types.hpp"

namespace cloudsync::http {

/// Thread-safe: the offset is one atomic; the local clock is called as is.
class ServerClock {
 public:
  /// `local` is this machine's clock (tests inject a skewed one); empty: now_utc.
  explicit ServerClock(std::function<TimePoint()> local = {});

  /// The local time corrected by the learned offset: what to sign with.
  TimePoint now() const { return correct(local_now()); }
  /// `local` (a reading of some local clock) corrected by the learned offset.
  TimePoint correct(TimePoint local) const { return local + offset(); }
  /// The uncorrected local clock.
  TimePoint local_now() const { return local_(); }

  /// Server time minus local time, as last learned (zero at first).
  std::chrono::nanoseconds offset() const noexcept { return std::chrono::nanoseconds(offset_ns_.load()); }

  /// Learns the offset from the server's time as reported now; returns it.
  std::chrono::nanoseconds learn(TimePoint server_time);

 private:
  std::function<TimePoint()> local_;
  std::atomic<int64_t> offset_ns_{0};
};

}  // namespace cloudsync::http
