// UTF-8 validation and Unicode normalisation (NFC) for names.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cloudsync/utf8.hpp"

namespace cloudsync {

/// True when `s` is well-formed UTF-8 (no overlongs, surrogates or values above U+10FFFF).
bool is_valid_utf8(std::string_view s);

// next_code_point, kMalformedByteBase and replace_invalid_utf8 are public
// (tools show and serialise remote names with them).

/// Canonical composition (Unicode NFC). Names that differ only in composition
/// ("e\u0301" vs "\u00e9", as macOS writes them) compare equal after this.
/// Invalid UTF-8 is returned unchanged.
std::string to_nfc(std::string_view s);

/// Simple case folding for ASCII and Latin-1/Latin Extended-A letters, used to
/// match names on case-insensitive stores.
std::string fold_case(std::string_view s);

}  // namespace cloudsync
