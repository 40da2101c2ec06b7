// Time formatting and parsing for the formats providers and the manifest use.
#pragma once

#include <string>
#include <string_view>

#include "cloudsync/status.hpp"
#include "cloudsync/types.hpp"

namespace cloudsync {

TimePoint now_utc();

/// "2024-01-31T12:00:00.123456789Z" with `fraction_digits` (0, 3, 6 or 9) digits.
std::string format_rfc3339(TimePoint t, int fraction_digits = 9);
/// Accepts "YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)".
Result<TimePoint> parse_rfc3339(std::string_view text);

/// ISO 8601 basic format used by SigV4: "20240131T120000Z".
std::string format_iso8601_basic(TimePoint t);

/// Nanoseconds since the Unix epoch, and back.
int64_t to_unix_nanos(TimePoint t);
TimePoint from_unix_nanos(int64_t nanos);

}  // namespace cloudsync
