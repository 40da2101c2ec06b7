#include "http/server_clock.hpp"

#include "core/time.hpp"

namespace cloudsync::http {

ServerClock::ServerClock(std::function<TimePoint()> local) : local_(std::move(local)) {
  if (!local_) local_ = now_utc;
}

std::chrono::nanoseconds ServerClock::learn(TimePoint server_time) {
  auto learned = std::chrono::duration_cast<std::chrono::nanoseconds>(server_time - local_now());
  offset_ns_.store(learned.count());
  return learned;
}

}  // namespace cloudsync::http
