#include "core/glob.hpp"

namespace cloudsync {

bool has_glob_chars(std::string_view pattern) {
  return pattern.find_first_of("*?[\\") != std::string_view::npos;
}

namespace {

// Matches a bracket class at p[0] == '['; advances `p_len` to the class length.
bool match_class(std::string_view p, char c, size_t& class_len, bool& valid) {
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

bool match(std::string_view p, std::string_view s) {
  while (!p.empty()) {
    if (p.substr(0, 2) == "**") {
      std::string_view rest = p.substr(2);
      bool slash = !rest.empty() && rest.front() == '/';
      if (slash) rest.remove_prefix(1);
      // "**/" may match zero segments; otherwise try every split point.
      for (size_t i = 0; i <= s.size(); ++i) {
        if (slash && i > 0 && s[i - 1] != '/') continue;
        if (match(rest, s.substr(i))) return true;
      }
      return false;
    }
    char pc = p.front();
    if (pc == '*') {
      std::string_view rest = p.substr(1);
      for (size_t i = 0; i <= s.size(); ++i) {
        if (match(rest, s.substr(i))) return true;
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
      bool ok = match_class(p, s.front(), len, valid);
      if (valid) {
        if (!ok || s.front() == '/') return false;
        p.remove_prefix(len);
        s.remove_prefix(1);
        continue;
      }
      if (s.front() != '[') return false;  // unterminated class: a literal '['
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

bool glob_match(std::string_view pattern, std::string_view path) { return match(pattern, path); }

std::string glob_literal_prefix(std::string_view pattern) {
  size_t wild = pattern.find_first_of("*?[\\");
  std::string_view literal = pattern.substr(0, wild);
  size_t slash = literal.rfind('/');
  return slash == std::string_view::npos ? std::string() : std::string(literal.substr(0, slash + 1));
}

}  // namespace cloudsync
