#include "cloudsync/size.hpp"

#include <cctype>
#include <initializer_list>
#include <string>
#include <utility>

#include "core/ascii.hpp"
#include "core/error.hpp"

namespace cloudsync {

Result<uint64_t> parse_size(std::string_view text) {
  auto invalid = [&] {
    return make_error(ErrorCode::InvalidArgument,
                      "'{}' is not a size: give a whole number of bytes, optionally followed by K, M, G or T "
                      "(multiples of 1024), such as 8388608 or 8M",
                      text);
  };
  uint64_t number = 0;
  size_t digits = 0;
  for (; digits < text.size() && text[digits] >= '0' && text[digits] <= '9'; ++digits) {
    auto d = static_cast<uint64_t>(text[digits] - '0');
    if (number > (UINT64_MAX - d) / 10) return invalid();
    number = number * 10 + d;
  }
  std::string unit = ascii_lower(text.substr(digits));
  int shift = -1;
  if (unit.empty() || unit == "b") shift = 0;
  for (auto [letter, bits] : std::initializer_list<std::pair<char, int>>{{'k', 10}, {'m', 20}, {'g', 30}, {'t', 40}}) {
    std::string one(1, letter);
    if (unit == one || unit == one + "b" || unit == one + "i" || unit == one + "ib") shift = bits;
  }
  if (digits == 0 || shift < 0 || number > (UINT64_MAX >> shift)) return invalid();
  return number << shift;
}

}  // namespace cloudsync
