// Names from remote stores are arbitrary bytes. These helpers make them safe
// to show: on a terminal (no escape sequences) and in JSON (valid UTF-8).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace cloudsync::cli {

/// Length of the well-formed UTF-8 sequence starting at s[i] (1 to 4), or 0
/// when the bytes there are not one (overlong, surrogate, truncated, ...).
size_t utf8_sequence_length(std::string_view s, size_t i);

/// For a terminal: C0/C1 control characters, DEL and invalid bytes become \xNN
/// escapes (a remote can name an object "\x1b[2J"); valid text is kept.
std::string printable(std::string_view text);

/// For JSON: invalid bytes become U+FFFD.
std::string valid_utf8(std::string_view text);

}  // namespace cloudsync::cli
