#include "backends/gdrive/gdrive_pacer.hpp"

#include <algorithm>
#include <thread>

#include "core/error.hpp"

namespace cloudsync::gdrive {

namespace {
// How often a waiting call looks at its cancellation token.
constexpr std::chrono::milliseconds kSleepSlice{50};
}  // namespace

Pacer::Pacer(std::chrono::milliseconds min_interval, uint32_t burst, std::function<Clock::time_point()> clock,
             std::function<void(std::chrono::milliseconds)> sleep)
    : interval_(std::max(min_interval, std::chrono::milliseconds(0))),
      burst_(std::max<uint32_t>(burst, 1)),
      clock_(clock ? std::move(clock) : std::function<Clock::time_point()>([] { return Clock::now(); })),
      sleep_(sleep ? std::move(sleep) : std::function<void(std::chrono::milliseconds)>([](std::chrono::milliseconds d) {
        std::this_thread::sleep_for(d);
      })),
      tokens_(burst_),
      last_(clock_()) {}

Status Pacer::acquire(const OpContext& ctx) {
  if (interval_.count() == 0) return Status::OK();
  Clock::time_point due;
  {
    std::lock_guard lock(mutex_);
    Clock::time_point now = refill();
    tokens_ -= 1;
    // A negative balance is a reservation: this call's slot comes when the
    // bucket has earned it back.
    due = now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(interval_) *
                                                            std::max(-tokens_, 0.0));
  }
  for (Clock::time_point now = clock_(); now < due; now = clock_()) {
    if (ctx.cancelled()) return make_error(ErrorCode::Cancelled, "cancelled while pacing Drive requests");
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(due - now) + std::chrono::milliseconds(1);
    sleep_(std::min(kSleepSlice, left));
  }
  return Status::OK();
}

void Pacer::on_throttled() {
  if (interval_.count() == 0) return;
  std::lock_guard lock(mutex_);
  refill();
  tokens_ = std::min(tokens_, 0.0);
}

Pacer::Clock::time_point Pacer::refill() {
  Clock::time_point now = clock_();
  double earned = std::chrono::duration<double>(now - last_) / std::chrono::duration<double>(interval_);
  tokens_ = std::min(burst_, tokens_ + std::max(earned, 0.0));
  last_ = now;
  return now;
}

}  // namespace cloudsync::gdrive
