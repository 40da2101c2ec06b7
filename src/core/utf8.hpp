// UTF-8 validation and Unicode normalisation (NFC) for names.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cloudsync {

/// True when `s` is well-formed UTF-8 (no overlongs, surrogates or values above U+10FFFF).
bool is_valid_utf8(std::string_view s);

/// Code points above Unicode's range that stand for the bytes of malformed
/// UTF-8 (kMalformedByteBase + the byte), so that text with such bytes can
/// still be walked code point by code point and compared exactly.
inline constexpr char32_t kMalformedByteBase = 0x110000;

/// The code point starting at s[pos], advancing `pos` past it; a byte that
/// starts no well-formed sequence is kMalformedByteBase + the byte, one byte
/// long. `pos` must be < s.size().
char32_t next_code_point(std::string_view s, size_t& pos);

/// `s` with each byte that does not start a well-formed sequence replaced by
/// U+FFFD, so that it can go into a JSON document (a remote key may be any bytes).
std::string replace_invalid_utf8(std::string_view s);

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
