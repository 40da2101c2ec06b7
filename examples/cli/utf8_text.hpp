// Names from remote stores are arbitrary bytes. These helpers make them safe
// to show: on a terminal (no escape sequences) and in JSON (valid UTF-8), with
// the library's UTF-8 decoder (cloudsync/utf8.hpp).
#pragma once

#include <string>
#include <string_view>

namespace cloudsync::cli {

/// For a terminal: C0/C1 control characters, DEL and invalid bytes become \xNN
/// escapes (a remote can name an object "\x1b[2J"); valid text is kept.
std::string printable(std::string_view text);

/// For JSON: invalid bytes become U+FFFD.
std::string valid_utf8(std::string_view text);

}  // namespace cloudsync::cli
