// glob_match on an arbitrary pattern and key (the input split at its first
// '\n'; each bounded in length, as selectors and keys are): on ASCII inputs
// small enough for it, it agrees with the straightforward backtracking
// matcher below (which works on bytes; beyond ASCII the matcher works on
// code points in NFC); it never takes more than time proportional to
// pattern x key; a key it matches lies, in NFC, under the pattern's literal
// prefix (listings are narrowed by it); and a pattern without wildcards
// matches only itself, in NFC.
#include <algorithm>
#include <string>

#include "core/glob.hpp"
#include "core/utf8.hpp"
#include "fuzz_check.hpp"

using namespace cloudsync;

namespace {

constexpr size_t kMaxPattern = 1024;
constexpr size_t kMaxKey = 4096;

// The recursive matcher glob_match replaced (exponential on some patterns;
// only used on small inputs here), as the reference for the semantics.
bool reference_class(std::string_view p, char c, size_t& class_len, bool& valid) {
  size_t i = 1;
  bool negate = false;
  if (i < p.size() && (p[i] == '!' || p[i] == '^')) {
    negate = true;
    ++i;
  }
  bool matched = false;
  bool first = true;
  while (i < p.size() && (p[i] != ']' || first)) {
    first = false;
    char lo = p[i];
    if (lo == '\\' && i + 1 < p.size()) lo = p[++i];
    char hi = lo;
    if (i + 2 < p.size() && p[i + 1] == '-' && p[i + 2] != ']') {
      hi = p[i + 2];
      if (hi == '\\' && i + 3 < p.size()) hi = p[++i + 2];
      i += 2;
    }
    if (c >= lo && c <= hi) matched = true;
    ++i;
  }
  valid = i < p.size();
  class_len = i + 1;
  return matched != negate;
}

bool reference_match(std::string_view p, std::string_view s) {
  while (!p.empty()) {
    if (p.substr(0, 2) == "**") {
      std::string_view rest = p.substr(2);
      bool slash = !rest.empty() && rest.front() == '/';
      if (slash) rest.remove_prefix(1);
      for (size_t i = 0; i <= s.size(); ++i) {
        if (slash && i > 0 && s[i - 1] != '/') continue;
        if (reference_match(rest, s.substr(i))) return true;
      }
      return false;
    }
    char pc = p.front();
    if (pc == '*') {
      std::string_view rest = p.substr(1);
      for (size_t i = 0; i <= s.size(); ++i) {
        if (reference_match(rest, s.substr(i))) return true;
        if (i < s.size() && s[i] == '/') break;
      }
      return false;
    }
    if (s.empty()) return false;
    if (pc == '?') {
      if (s.front() == '/') return false;
    } else if (pc == '[') {
      size_t len = 0;
      bool valid = false;
      bool ok = reference_class(p, s.front(), len, valid);
      if (valid) {
        if (!ok || s.front() == '/') return false;
        p.remove_prefix(len);
        s.remove_prefix(1);
        continue;
      }
      if (s.front() != '[') return false;
    } else {
      if (pc == '\\' && p.size() > 1) {
        p.remove_prefix(1);
        pc = p.front();
      }
      if (pc != s.front()) return false;
    }
    p.remove_prefix(1);
    s.remove_prefix(1);
  }
  return s.empty();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input = fuzz::as_text(data, size);
  size_t nl = input.find('\n');
  std::string_view pattern = input.substr(0, nl);
  std::string_view key = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);
  if (pattern.size() > kMaxPattern || key.size() > kMaxKey) return 0;

  const bool matched = glob_match(pattern, key);
  auto ascii = [](std::string_view t) {
    return std::all_of(t.begin(), t.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  };
  if (pattern.size() <= 48 && key.size() <= 48 && std::count(pattern.begin(), pattern.end(), '*') <= 3 &&
      ascii(pattern) && ascii(key)) {
    FUZZ_CHECK(matched == reference_match(pattern, key));
  }
  if (matched) FUZZ_CHECK(to_nfc(key).starts_with(glob_literal_prefix(pattern)));
  if (!has_glob_chars(pattern)) FUZZ_CHECK(matched == (to_nfc(pattern) == to_nfc(key)));
  FUZZ_CHECK(glob_match(pattern, pattern) || has_glob_chars(pattern));
  return 0;
}
