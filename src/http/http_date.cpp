#include "http/http_date.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <ctime>
#include <limits>

#include "core/error.hpp"

namespace cloudsync {
namespace {

// Fixed English names: strftime's %a and %b follow the host's locale.
constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

constexpr int64_t kNanosPerSecond = 1'000'000'000;
constexpr int64_t kMaxSeconds = std::numeric_limits<int64_t>::max() / kNanosPerSecond - 1;

}  // namespace

std::string format_http_date(TimePoint t) {
  int64_t nanos = to_unix_nanos(t);
  // Floor, not truncation: a time before 1970 belongs to the earlier second.
  std::time_t seconds = static_cast<std::time_t>(nanos / kNanosPerSecond - (nanos % kNanosPerSecond < 0 ? 1 : 0));
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT", kDays[tm.tm_wday], tm.tm_mday, kMonths[tm.tm_mon],
                     tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

Result<TimePoint> parse_http_date(std::string_view text) {
  // curl_getdate also reads bare numbers and dates without a time of day; all
  // three HTTP forms carry hh:mm:ss.
  if (text.find(':') == std::string_view::npos || text.find('\0') != std::string_view::npos) {
    return make_error(ErrorCode::InvalidArgument, "not an HTTP date: '{}'", text);
  }
  const std::string owned(text);
  std::time_t seconds = curl_getdate(owned.c_str(), nullptr);
  // -1 is also 23:59:59 on the last day of 1969, which no server sends.
  if (seconds == -1) return make_error(ErrorCode::InvalidArgument, "not an HTTP date: '{}'", text);
  if (seconds > kMaxSeconds || seconds < -kMaxSeconds) {
    return make_error(ErrorCode::InvalidArgument, "time out of the supported range (years 1678 to 2261): '{}'", text);
  }
  return from_unix_nanos(static_cast<int64_t>(seconds) * kNanosPerSecond);
}

}  // namespace cloudsync
