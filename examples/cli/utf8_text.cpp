#include "utf8_text.hpp"

#include <fmt/format.h>

#include "cloudsync/utf8.hpp"

namespace cloudsync::cli {

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    size_t start = i;
    char32_t cp = next_code_point(text, i);
    // Invalid bytes, C0 controls and DEL, C1 controls (U+0080..U+009F).
    bool escape = cp >= kMalformedByteBase || cp < 0x20 || (cp >= 0x7f && cp < 0xA0);
    if (!escape) {
      out.append(text.substr(start, i - start));
      continue;
    }
    for (size_t k = start; k < i; ++k) out += fmt::format("\\x{:02x}", static_cast<unsigned char>(text[k]));
  }
  return out;
}

std::string valid_utf8(std::string_view text) { return replace_invalid_utf8(text); }

}  // namespace cloudsync::cli
