#include "http/content_range.hpp"

#include <limits>

#include "core/ascii.hpp"

namespace cloudsync::http {

std::optional<ContentRange> parse_content_range(std::string_view text) {
  constexpr std::string_view kUnit = "bytes ";
  if (!text.starts_with(kUnit)) return std::nullopt;
  text.remove_prefix(kUnit.size());
  size_t dash = text.find('-');
  size_t slash = text.find('/');
  if (dash == std::string_view::npos || slash == std::string_view::npos || dash > slash) return std::nullopt;
  auto first = parse_u64(text.substr(0, dash));
  auto last = parse_u64(text.substr(dash + 1, slash - dash - 1));
  auto total = parse_u64(text.substr(slash + 1));
  if (!first || !last || !total || *first > *last || *last >= *total) return std::nullopt;
  return ContentRange{*first, *last, *total};
}

std::optional<uint64_t> parse_upload_range(std::string_view text) {
  constexpr std::string_view kStart = "bytes=0-";
  if (!text.starts_with(kStart)) return std::nullopt;
  auto last = parse_u64(text.substr(kStart.size()));
  if (!last || *last == std::numeric_limits<uint64_t>::max()) return std::nullopt;
  return *last + 1;
}

}  // namespace cloudsync::http
