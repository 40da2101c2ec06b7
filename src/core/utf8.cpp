#include "core/utf8.hpp"

#include <algorithm>
#include <vector>

namespace cloudsync {
namespace {

#include "core/unicode_tables.inc"

constexpr char32_t kHangulSBase = 0xAC00, kHangulLBase = 0x1100, kHangulVBase = 0x1161, kHangulTBase = 0x11A7;
constexpr char32_t kHangulLCount = 19, kHangulVCount = 21, kHangulTCount = 28;
constexpr char32_t kHangulNCount = kHangulVCount * kHangulTCount, kHangulSCount = kHangulLCount * kHangulNCount;

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

void encode(char32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

unsigned combining_class(char32_t cp) {
  auto it = std::lower_bound(std::begin(kCombiningClass), std::end(kCombiningClass), cp,
                             [](const CccEntry& e, char32_t v) { return e.cp < v; });
  return (it != std::end(kCombiningClass) && it->cp == cp) ? it->ccc : 0;
}

void decompose(char32_t cp, std::vector<char32_t>& out) {
  if (cp >= kHangulSBase && cp < kHangulSBase + kHangulSCount) {
    char32_t s = cp - kHangulSBase;
    out.push_back(kHangulLBase + s / kHangulNCount);
    out.push_back(kHangulVBase + (s % kHangulNCount) / kHangulTCount);
    if (s % kHangulTCount != 0) out.push_back(kHangulTBase + s % kHangulTCount);
    return;
  }
  auto it = std::lower_bound(std::begin(kDecomposition), std::end(kDecomposition), cp,
                             [](const DecompEntry& e, char32_t v) { return e.cp < v; });
  if (it != std::end(kDecomposition) && it->cp == cp) {
    out.insert(out.end(), kDecompositionPool + it->offset, kDecompositionPool + it->offset + it->length);
  } else {
    out.push_back(cp);
  }
}

// The primary composite of (first, second), or 0.
char32_t compose_pair(char32_t first, char32_t second) {
  if (first >= kHangulLBase && first < kHangulLBase + kHangulLCount && second >= kHangulVBase &&
      second < kHangulVBase + kHangulVCount) {
    return kHangulSBase + ((first - kHangulLBase) * kHangulVCount + (second - kHangulVBase)) * kHangulTCount;
  }
  if (first >= kHangulSBase && first < kHangulSBase + kHangulSCount && (first - kHangulSBase) % kHangulTCount == 0 &&
      second > kHangulTBase && second < kHangulTBase + kHangulTCount) {
    return first + (second - kHangulTBase);
  }
  auto it = std::lower_bound(std::begin(kComposition), std::end(kComposition), std::pair{first, second},
                             [](const ComposeEntry& e, const std::pair<char32_t, char32_t>& v) {
                               return std::pair{e.first, e.second} < v;
                             });
  return (it != std::end(kComposition) && it->first == first && it->second == second) ? it->composite : 0;
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

std::string to_nfc(std::string_view s) {
  if (std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; })) {
    return std::string(s);
  }
  std::vector<char32_t> cps;
  cps.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    char32_t cp;
    if (!decode(s, i, cp)) return std::string(s);
    decompose(cp, cps);
  }
  // Canonical ordering: stable-sort each run of non-starters by combining class.
  for (size_t i = 0; i < cps.size();) {
    if (combining_class(cps[i]) == 0) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < cps.size() && combining_class(cps[j]) != 0) ++j;
    std::stable_sort(cps.begin() + static_cast<long>(i), cps.begin() + static_cast<long>(j),
                     [](char32_t a, char32_t b) { return combining_class(a) < combining_class(b); });
    i = j;
  }
  // Canonical composition.
  std::vector<char32_t> out;
  out.reserve(cps.size());
  long starter = -1;  // index in `out` of the last starter
  unsigned last_ccc = 0;
  for (char32_t cp : cps) {
    unsigned ccc = combining_class(cp);
    if (starter >= 0) {
      bool blocked = !out.empty() && static_cast<long>(out.size()) - 1 != starter && (last_ccc == 0 || last_ccc >= ccc);
      if (!blocked) {
        if (char32_t c = compose_pair(out[static_cast<size_t>(starter)], cp)) {
          out[static_cast<size_t>(starter)] = c;
          continue;
        }
      }
    }
    if (ccc == 0) starter = static_cast<long>(out.size());
    last_ccc = ccc;
    out.push_back(cp);
  }
  std::string result;
  result.reserve(s.size());
  for (char32_t cp : out) encode(cp, result);
  return result;
}

std::string fold_case(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
      ++i;
      continue;
    }
    size_t start = i;
    char32_t cp;
    if (!decode(s, i, cp)) {
      out.append(s.substr(start));
      break;
    }
    auto it = std::lower_bound(std::begin(kLowercase), std::end(kLowercase), cp,
                               [](const CaseEntry& e, char32_t v) { return e.cp < v; });
    encode((it != std::end(kLowercase) && it->cp == cp) ? it->lower : cp, out);
  }
  return out;
}

}  // namespace cloudsync
