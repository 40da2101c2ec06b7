// A token bucket in front of every Drive call (rclone's Drive pacer: one call
// per 100 ms on average, bursts of 100), shared by all threads of a backend.
// Google counts queries per user per minute; pacing keeps a busy sync under
// that instead of finding the limit by being refused. When Drive does refuse
// (a rate-limit answer), the bucket is emptied so that the calls after it go
// at the steady rate rather than in a burst; the refused call itself backs off
// in the shared retry loop.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>

#include "cloudsync/backend.hpp"
#include "cloudsync/status.hpp"

namespace cloudsync::gdrive {

class Pacer {
 public:
  using Clock = std::chrono::steady_clock;

  /// `min_interval` 0 turns pacing off. `clock` and `sleep` are for tests.
  Pacer(std::chrono::milliseconds min_interval, uint32_t burst, std::function<Clock::time_point()> clock = {},
        std::function<void(std::chrono::milliseconds)> sleep = {});

  /// Takes a token, waiting (cancellably) until one is due. Cancelled if the
  /// context is cancelled while waiting.
  Status acquire(const OpContext& ctx);

  /// Drive answered with a rate limit: no burst until the bucket refills.
  void on_throttled();

 private:
  /// Adds the tokens earned since the last call (the caller holds mutex_); returns now.
  Clock::time_point refill();

  const std::chrono::nanoseconds interval_;
  const double burst_;
  std::function<Clock::time_point()> clock_;
  std::function<void(std::chrono::milliseconds)> sleep_;
  std::mutex mutex_;
  double tokens_;  ///< may go negative: calls that reserved a future slot
  Clock::time_point last_;
};

}  // namespace cloudsync::gdrive
