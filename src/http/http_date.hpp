// HTTP dates (RFC 9110 §5.6.7): what Date, Last-Modified, Retry-After and
// x-ms-date carry.
#pragma once

#include <string>
#include <string_view>

#include "cloudsync/status.hpp"
#include "core/time.hpp"

namespace cloudsync {

/// IMF-fixdate, the form every sender must use: "Mon, 01 Jan 2024 00:00:00 GMT"
/// (whole seconds; English names whatever the process locale).
std::string format_http_date(TimePoint t);

/// Any of the three forms a recipient must accept: IMF-fixdate, the obsolete
/// RFC 850 form ("Monday, 01-Jan-24 00:00:00 GMT") and asctime's ("Mon Jan  1
/// 00:00:00 2024"), parsed by libcurl's curl_getdate. InvalidArgument for
/// anything else, and for dates outside the years 1678 to 2261 (what a
/// TimePoint holds).
Result<TimePoint> parse_http_date(std::string_view text);

}  // namespace cloudsync
