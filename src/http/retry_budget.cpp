#include "http/retry_budget.hpp"

#include <fmt/format.h>

namespace cloudsync {

RetryBudget::RetryBudget(uint32_t max_failures, uint32_t max_consecutive)
    : max_failures_(max_failures), max_consecutive_(max_consecutive == 0 ? 1 : max_consecutive) {}

namespace {
// A store asking to slow down is alive, and with many requests in flight its
// refusals come back long before the accepted requests finish: a run of them
// is what throttling looks like (the executor halves its window on it). So
// such a run may be this many times longer before the operation gives up.
constexpr uint32_t kThrottledRunFactor = 10;
}  // namespace

bool RetryBudget::allow_retry(int kind) {
  std::lock_guard lock(mutex_);
  ++failures_;
  const bool throttling =
      kind == retry_kind_http(429) || kind == retry_kind_http(503) || kind == retry_kind(ErrorCode::Throttled);
  if (throttling) ++throttled_;
  consecutive_ = kind == last_kind_ ? consecutive_ + 1 : 1;
  last_kind_ = kind;
  if (consecutive_ >= max_consecutive_ * (throttling ? kThrottledRunFactor : 1)) tripped_ = true;
  return !tripped_ && failures_ <= max_failures_;
}

void RetryBudget::progress() {
  std::lock_guard lock(mutex_);
  consecutive_ = 0;
  last_kind_ = 0;
  tripped_ = false;
}

uint64_t RetryBudget::throttled() const {
  std::lock_guard lock(mutex_);
  return throttled_;
}

bool RetryBudget::spent() const {
  std::lock_guard lock(mutex_);
  return tripped_ || failures_ > max_failures_;
}

std::string RetryBudget::why() const {
  std::lock_guard lock(mutex_);
  if (tripped_) {
    return fmt::format("not retried: this operation saw {} failures of this kind in a row with no progress",
                       consecutive_);
  }
  if (failures_ > max_failures_) {
    return fmt::format("not retried: this operation already retried {} failures", max_failures_);
  }
  return {};
}

}  // namespace cloudsync
