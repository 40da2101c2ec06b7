// Walking and repairing UTF-8 text: names from remote stores are arbitrary
// bytes, and tools that show them (the CLI escapes control characters for a
// terminal) or put them in JSON need the decoder the library itself uses.
//
// C++ API: source-stable within a major version, not binary-stable. Use it
// through the static library (cloudsync::cloudsync_static) or add_subdirectory();
// the shared library libcloudsync.so exports the C ABI (cloudsync.h) only.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "cloudsync/export.hpp"

namespace cloudsync {

/// Code points above Unicode's range that stand for the bytes of malformed
/// UTF-8 (kMalformedByteBase + the byte), so that text with such bytes can
/// still be walked code point by code point and compared exactly.
inline constexpr char32_t kMalformedByteBase = 0x110000;

/// The code point starting at s[pos], advancing `pos` past it; a byte that
/// starts no well-formed sequence (overlong, surrogate, truncated, above
/// U+10FFFF) is kMalformedByteBase + the byte, one byte long. `pos` must be
/// < s.size().
CLOUDSYNC_API char32_t next_code_point(std::string_view s, size_t& pos);

/// `s` with each byte that does not start a well-formed sequence replaced by
/// U+FFFD, so that it can go into a JSON document (a remote key may be any bytes).
CLOUDSYNC_API std::string replace_invalid_utf8(std::string_view s);

}  // namespace cloudsync
