// The byte-range headers servers answer with: Content-Range on a 206
// (RFC 9110 section 14.4) and the Range a resumable upload session reports
// on a 308 (Google's "bytes=0-N"). Parsed in one place, strictly: a range
// that does not add up is refused, never half-trusted.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace cloudsync::http {

struct ContentRange {
  uint64_t first = 0;
  uint64_t last = 0;   ///< inclusive
  uint64_t total = 0;  ///< the whole representation's size
};

/// "bytes FIRST-LAST/TOTAL" with FIRST <= LAST < TOTAL; nullopt for anything
/// else (an unknown total "*", "bytes */TOTAL", signs, spaces, overflow).
std::optional<ContentRange> parse_content_range(std::string_view text);

/// "bytes=0-N" -> N + 1, the bytes an upload session holds; nullopt for
/// anything else (a range not starting at 0, N + 1 not representable).
std::optional<uint64_t> parse_upload_range(std::string_view text);

}  // namespace cloudsync::http
