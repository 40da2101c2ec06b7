#include "records/export_schedule.hpp"

#include <algorithm>

namespace cloudsync {

TimePoint next_export_slot(TimePoint anchor, uint32_t frequency_hours, TimePoint now) {
  const auto period = std::chrono::duration_cast<TimePoint::duration>(std::chrono::hours(frequency_hours));
  if (now < anchor) return anchor + period;
  const auto slots = (now - anchor) / period + 1;
  return anchor + slots * period;
}

TimePoint export_retry_at(std::optional<TimePoint> anchor, uint32_t frequency_hours, uint32_t attempt, TimePoint now) {
  const uint32_t doublings = std::min<uint32_t>(attempt > 0 ? attempt - 1 : 0, 20);
  const TimePoint backoff = now + std::chrono::minutes(1) * (int64_t{1} << doublings);
  const TimePoint slot = next_export_slot(anchor.value_or(now), frequency_hours, now);
  return std::min(backoff, slot);
}

}  // namespace cloudsync
