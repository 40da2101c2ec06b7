// ASCII text helpers for protocol text (header names, schemes, hex digests,
// option names): the one copy every layer uses. They never look at the
// locale, and bytes >= 0x80 pass through unchanged (Unicode text goes
// through core/utf8 instead).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cloudsync {

constexpr char ascii_lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

/// `text` with A-Z turned into a-z.
std::string ascii_lower(std::string_view text);

/// Equal ignoring ASCII case.
bool iequals(std::string_view a, std::string_view b) noexcept;

/// `text` starts with `prefix`, ignoring ASCII case.
bool istarts_with(std::string_view text, std::string_view prefix) noexcept;

/// The C locale's white space: space, \t, \n, \v, \f and \r.
constexpr bool is_ascii_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/// 0-9, a-f.
constexpr bool is_lower_hex_digit(char c) noexcept { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }
/// 0-9, a-f, A-F (std::isxdigit without a call into the locale for each character).
constexpr bool is_hex_digit(char c) noexcept { return is_lower_hex_digit(c) || (c >= 'A' && c <= 'F'); }
/// `text` without leading and trailing is_ascii_space characters.
std::string_view trim(std::string_view text) noexcept;

/// A non-empty run of decimal digits that fits in 64 bits; nullopt for
/// anything else (signs, spaces, "0x", overflow).
std::optional<uint64_t> parse_u64(std::string_view text) noexcept;

}  // namespace cloudsync
