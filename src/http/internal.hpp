// Internals of the HTTP layer that its own tests reach: the retry loop with an
// injectable clock, sleeper and random source (so backoff and total-cap rules
// are tested in virtual time), and a count of live curl handles (so handle
// cleanup on thread exit and transport destruction is observable).
// Nothing outside src/http and tests/http includes this.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

#include "http/http.hpp"

namespace cloudsync::http::detail {

using Clock = std::chrono::steady_clock;

/// Where the retry loop gets time and randomness from.
struct RetryEnvironment {
  std::function<Clock::time_point()> now;
  /// Blocks for about `duration`; the loop calls it in short slices and checks
  /// cancellation between them.
  std::function<void(std::chrono::milliseconds duration)> sleep;
  /// Uniformly distributed 64-bit values.
  std::function<uint64_t()> random;
};

/// The real clock, std::this_thread::sleep_for and a seeded Mersenne twister.
RetryEnvironment system_retry_environment();

/// The longest single sleep of the retry loop: the bound on how late it notices
/// a cancellation.
inline constexpr std::chrono::milliseconds kSleepSlice{50};

/// Decorrelated jitter (AWS architecture blog, object_store backoff.rs): the
/// first delay is `initial`; each later one is uniform in
/// [initial, 3 * previous], capped at `max`.
class Backoff {
 public:
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, std::function<uint64_t()> random);
  std::chrono::milliseconds next();

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  std::function<uint64_t()> random_;
  std::chrono::milliseconds previous_{0};
};

/// send_with_retry() with its environment made explicit.
Result<Response> send_with_retry(const RetryPolicy& policy, const OpContext& ctx,
                                 const std::function<Result<Response>(uint32_t attempt)>& attempt,
                                 const std::function<Outcome(const Result<Response>&)>& classify, ByteSource* body,
                                 std::string_view what, const RetryEnvironment& env);

/// Number of curl easy handles currently alive across all curl transports.
int live_curl_handles() noexcept;

}  // namespace cloudsync::http::detail
