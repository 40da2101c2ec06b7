#include "core/time.hpp"

#include <cctype>
#include <cstdio>
#include <ctime>
#include <limits>

#include "core/error.hpp"

namespace cloudsync {
namespace {

std::tm to_tm(TimePoint t, int64_t& nanos_of_second) {
  int64_t ns = to_unix_nanos(t);
  int64_t secs = ns / 1'000'000'000;
  nanos_of_second = ns % 1'000'000'000;
  if (nanos_of_second < 0) {
    nanos_of_second += 1'000'000'000;
    --secs;
  }
  std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  return tm;
}

// Seconds since 1970 of a UTC calendar time, with timegm's carrying of
// fields out of their range (month 13, 99:99), in plain arithmetic: timegm
// goes through glibc's normalising search, and a listing of a million
// objects parses a million times (the days count is Howard Hinnant's
// days_from_civil).
int64_t seconds_from_civil(const std::tm& tm) {
  int64_t month = tm.tm_mon;  // 0-based
  int64_t year = int64_t{tm.tm_year} + 1900 + (month >= 0 ? month / 12 : (month - 11) / 12);
  month = ((month % 12) + 12) % 12 + 1;
  year -= month <= 2;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;
  const int64_t day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + tm.tm_mday - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  const int64_t days = era * 146097 + day_of_era - 719468;
  return days * 86400 + int64_t{tm.tm_hour} * 3600 + int64_t{tm.tm_min} * 60 + tm.tm_sec;
}

// A TimePoint counts int64 nanoseconds (years 1678 to 2261): a time outside
// that range (a year 9999 in a server's listing, fields like 99:99 that
// carry over) is refused instead of overflowing.
Result<TimePoint> from_tm(std::tm& tm, int64_t nanos, int64_t offset_secs, std::string_view text) {
  constexpr int64_t kMaxSecs = std::numeric_limits<int64_t>::max() / 1'000'000'000 - 1;
  int64_t secs = seconds_from_civil(tm) - offset_secs;
  if (secs > kMaxSecs || secs < -kMaxSecs) {
    return make_error(ErrorCode::InvalidArgument, "time out of the supported range (years 1678 to 2261): '{}'", text);
  }
  return from_unix_nanos(secs * 1'000'000'000 + nanos);
}

bool read_int(std::string_view& s, size_t digits, int& out) {
  if (s.size() < digits) return false;
  int v = 0;
  for (size_t i = 0; i < digits; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  s.remove_prefix(digits);
  return true;
}

bool expect(std::string_view& s, char c) {
  if (s.empty() || s.front() != c) return false;
  s.remove_prefix(1);
  return true;
}

}  // namespace

TimePoint now_utc() { return std::chrono::time_point_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now()); }

int64_t to_unix_nanos(TimePoint t) { return t.time_since_epoch().count(); }
TimePoint from_unix_nanos(int64_t nanos) { return TimePoint(std::chrono::nanoseconds(nanos)); }

std::string format_rfc3339(TimePoint t, int fraction_digits) {
  int64_t nanos;
  std::tm tm = to_tm(t, nanos);
  std::string out = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                                tm.tm_hour, tm.tm_min, tm.tm_sec);
  if (fraction_digits > 0) {
    std::string frac = fmt::format("{:09}", nanos);
    out += '.';
    out.append(frac, 0, static_cast<size_t>(std::min(fraction_digits, 9)));
  }
  out += "Z";
  return out;
}

Result<TimePoint> parse_rfc3339(std::string_view text) {
  std::string_view s = text;
  std::tm tm{};
  int year, mon, day, hour, min, sec;
  if (!read_int(s, 4, year) || !expect(s, '-') || !read_int(s, 2, mon) || !expect(s, '-') || !read_int(s, 2, day) ||
      s.empty() || (s.front() != 'T' && s.front() != 't' && s.front() != ' ')) {
    return make_error(ErrorCode::InvalidArgument, "not an RFC 3339 time: '{}'", text);
  }
  s.remove_prefix(1);
  if (!read_int(s, 2, hour) || !expect(s, ':') || !read_int(s, 2, min) || !expect(s, ':') || !read_int(s, 2, sec)) {
    return make_error(ErrorCode::InvalidArgument, "not an RFC 3339 time: '{}'", text);
  }
  int64_t nanos = 0;
  if (!s.empty() && s.front() == '.') {
    s.remove_prefix(1);
    int64_t scale = 100'000'000;
    size_t n = 0;
    while (!s.empty() && std::isdigit(static_cast<unsigned char>(s.front()))) {
      nanos += (s.front() - '0') * scale;
      scale /= 10;
      s.remove_prefix(1);
      ++n;
    }
    if (n == 0) return make_error(ErrorCode::InvalidArgument, "not an RFC 3339 time: '{}'", text);
  }
  int64_t offset_secs = 0;
  if (!s.empty() && (s.front() == 'Z' || s.front() == 'z')) {
    s.remove_prefix(1);
  } else if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    int sign = s.front() == '-' ? -1 : 1;
    s.remove_prefix(1);
    int oh, om;
    if (!read_int(s, 2, oh) || !expect(s, ':') || !read_int(s, 2, om)) {
      return make_error(ErrorCode::InvalidArgument, "not an RFC 3339 time: '{}'", text);
    }
    offset_secs = sign * (oh * 3600 + om * 60);
  } else {
    return make_error(ErrorCode::InvalidArgument, "RFC 3339 time without a zone: '{}'", text);
  }
  if (!s.empty()) return make_error(ErrorCode::InvalidArgument, "not an RFC 3339 time: '{}'", text);
  tm.tm_year = year - 1900;
  tm.tm_mon = mon - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = min;
  tm.tm_sec = sec;
  return from_tm(tm, nanos, offset_secs, text);
}

std::string format_iso8601_basic(TimePoint t) {
  int64_t nanos;
  std::tm tm = to_tm(t, nanos);
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec);
}

}  // namespace cloudsync
