#include "core/utf8.hpp"

#include <utf8proc.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <optional>

#include "core/ascii.hpp"

namespace cloudsync {
namespace {

// Decodes one code point at s[i]; returns false on malformed input.
bool decode(std::string_view s, size_t& i, char32_t& cp) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char b0 = byte(i);
  if (b0 < 0x80) {
    cp = b0;
    i += 1;
    return true;
  }
  size_t len;
  char32_t min;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return false;
  }
  if (i + len > s.size()) return false;
  for (size_t k = 1; k < len; ++k) {
    unsigned char b = byte(i + k);
    if ((b & 0xC0) != 0x80) return false;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000)) return false;
  i += len;
  return true;
}

}  // namespace

char32_t next_code_point(std::string_view s, size_t& pos) {
  char32_t cp = 0;
  if (decode(s, pos, cp)) return cp;
  return kMalformedByteBase + static_cast<unsigned char>(s[pos++]);
}

bool is_valid_utf8(std::string_view s) {
  size_t i = 0;
  char32_t cp;
  while (i < s.size()) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    if (!decode(s, i, cp)) return false;
  }
  return true;
}

std::string replace_invalid_utf8(std::string_view s) {
  if (is_valid_utf8(s)) return std::string(s);
  std::string out;
  out.reserve(s.size() + 8);
  size_t i = 0;
  char32_t cp;
  while (i < s.size()) {
    size_t start = i;
    if (decode(s, i, cp)) {
      out.append(s.substr(start, i - start));
    } else {
      out.append("\xEF\xBF\xBD");
      i = start + 1;
    }
  }
  return out;
}

namespace {

bool is_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// utf8proc's transformation of valid UTF-8; nullopt for input it refuses.
std::optional<std::string> map_utf8(std::string_view s, int options) {
  utf8proc_uint8_t* mapped = nullptr;
  utf8proc_ssize_t length =
      utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(s.data()), static_cast<utf8proc_ssize_t>(s.size()),
                   &mapped, static_cast<utf8proc_option_t>(options | UTF8PROC_STABLE));
  if (length < 0) return std::nullopt;
  std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owned(mapped, &std::free);
  return std::string(reinterpret_cast<const char*>(mapped), static_cast<size_t>(length));
}

}  // namespace

std::string to_nfc(std::string_view s) {
  if (is_ascii(s)) return std::string(s);  // ASCII is already in every normal form
  return map_utf8(s, UTF8PROC_COMPOSE).value_or(std::string(s));
}

std::string fold_case(std::string_view s) {
  if (is_ascii(s)) return ascii_lower(s);
  if (std::optional<std::string> folded = map_utf8(s, UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD)) return *folded;
  // Invalid UTF-8: fold what is ASCII, keep the other bytes as they are.
  return ascii_lower(s);
}

}  // namespace cloudsync
