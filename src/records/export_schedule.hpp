// When a record export job runs: the first time first_run_delay after it was
// created, then on the slots first_run_at + k * frequency. A scheduler that
// was down runs once at the first slot after now (missed slots are not run
// one by one); a failed run is retried with a doubling backoff that never
// goes past the next slot.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "cloudsync/types.hpp"

namespace cloudsync {

/// The first slot anchor + k * frequency strictly after `now` (k >= 1).
TimePoint next_export_slot(TimePoint anchor, uint32_t frequency_hours, TimePoint now);

/// When a failed attempt (`attempt`, 1-based) is tried again: one minute
/// after the first failure, doubling, at most at the next slot.
TimePoint export_retry_at(std::optional<TimePoint> anchor, uint32_t frequency_hours, uint32_t attempt, TimePoint now);

}  // namespace cloudsync
