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

/// Canonical composition (Unicode NFC, utf8proc's tables). Names that differ only in composition
/// ("e\u0301" vs "\u00e9", as macOS writes them) compare equal after this.
/// Invalid UTF-8 is returned unchanged.
std::string to_nfc(std::string_view s);

/// Full Unicode case folding (utf8proc: "Straße" and "STRASSE" fold alike),
/// then NFC, used to match names regardless of case (integration and project
/// names, keys on case-insensitive stores). Invalid UTF-8 has only its ASCII
/// letters folded.
std::string fold_case(std::string_view s);

}  // namespace cloudsync
