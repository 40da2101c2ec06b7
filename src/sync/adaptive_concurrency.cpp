#include "sync/adaptive_concurrency.hpp"

#include <algorithm>

namespace cloudsync {

AdaptiveConcurrency::AdaptiveConcurrency(Options options) : options_(options) {
  window_ = std::max(options_.initial, std::max<uint32_t>(options_.minimum, 1));
  lowest_ = window_;
}

AdaptiveConcurrency::Slot AdaptiveConcurrency::acquire(bool large) {
  std::unique_lock lock(mutex_);
  uint32_t large_cap = std::max<uint32_t>(options_.large_cap, 1);
  room_.wait(lock, [&] { return in_flight_ < window_ && (!large || large_in_flight_ < large_cap); });
  ++in_flight_;
  if (large) ++large_in_flight_;
  return Slot{large, epoch_};
}

void AdaptiveConcurrency::release(const Slot& slot, bool throttled) {
  {
    std::lock_guard lock(mutex_);
    --in_flight_;
    if (slot.large) --large_in_flight_;
    if (throttled) {
      if (slot.epoch == epoch_) {
        window_ = std::max(window_ / 2, std::max<uint32_t>(options_.minimum, 1));
        lowest_ = std::min(lowest_, window_);
        clean_since_change_ = 0;
        ++epoch_;
      }
    } else if (window_ < options_.initial && ++clean_since_change_ >= window_) {
      ++window_;
      clean_since_change_ = 0;
    }
  }
  room_.notify_all();
}

uint32_t AdaptiveConcurrency::window() const {
  std::lock_guard lock(mutex_);
  return window_;
}

uint32_t AdaptiveConcurrency::lowest_window() const {
  std::lock_guard lock(mutex_);
  return lowest_;
}

}  // namespace cloudsync
