#include "core/glob.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "core/utf8.hpp"

namespace cloudsync {

namespace {

using Token = GlobPattern::Token;
using TokenKind = GlobPattern::TokenKind;

// How many (position, key character) steps run between two looks at the
// cancel token: a few microseconds of work.
constexpr size_t kStepsPerCancelCheck = 1 << 16;

std::vector<char32_t> code_points(std::string_view text) {
  std::vector<char32_t> out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) out.push_back(next_code_point(text, i));
  return out;
}

// Reads a class starting at p[i] == '['. Returns false (and leaves `token`
// alone) when the class is not terminated: the '[' is then a literal.
bool read_class(const std::vector<char32_t>& p, size_t& i, Token& token) {
  size_t k = i + 1;
  Token out;
  out.kind = TokenKind::Class;
  if (k < p.size() && (p[k] == '!' || p[k] == '^')) {
    out.negated = true;
    ++k;
  }
  bool first = true;  // a ']' right after "[" or "[!" is a member
  while (k < p.size() && (p[k] != ']' || first)) {
    first = false;
    char32_t lo = p[k];
    if (lo == '\\' && k + 1 < p.size()) lo = p[++k];
    char32_t hi = lo;
    if (k + 2 < p.size() && p[k + 1] == '-' && p[k + 2] != ']') {
      hi = p[k + 2];
      if (hi == '\\' && k + 3 < p.size()) hi = p[++k + 2];
      k += 2;
    }
    out.ranges.push_back({lo, hi});
    ++k;
  }
  if (k >= p.size()) return false;
  i = k + 1;
  token = std::move(out);
  return true;
}

bool in_class(const Token& t, char32_t c) {
  bool found = std::any_of(t.ranges.begin(), t.ranges.end(), [&](const auto& r) { return c >= r.lo && c <= r.hi; });
  return found != t.negated;
}

Token simple(TokenKind kind, char32_t c = 0) {
  Token t;
  t.kind = kind;
  t.c = c;
  return t;
}

}  // namespace

bool has_glob_chars(std::string_view pattern) { return pattern.find_first_of("*?[\\") != std::string_view::npos; }

std::string glob_literal_prefix(std::string_view pattern) {
  // Up to the first wildcard, and to the first non-ASCII byte: keys are
  // matched in NFC, and a store may hold the same name decomposed, which a
  // narrower listing would miss.
  size_t end = 0;
  while (end < pattern.size() && static_cast<unsigned char>(pattern[end]) < 0x80 &&
         std::string_view("*?[\\").find(pattern[end]) == std::string_view::npos) {
    ++end;
  }
  std::string_view literal = pattern.substr(0, end);
  size_t slash = literal.rfind('/');
  return slash == std::string_view::npos ? std::string() : std::string(literal.substr(0, slash + 1));
}

GlobPattern::GlobPattern(std::string_view pattern) {
  const std::vector<char32_t> p = code_points(to_nfc(pattern));
  size_t i = 0;
  while (i < p.size()) {
    const char32_t c = p[i];
    if (c == '*' && i + 1 < p.size() && p[i + 1] == '*') {
      bool slash = i + 2 < p.size() && p[i + 2] == '/';
      tokens_.push_back(simple(slash ? TokenKind::DoubleStarSlash : TokenKind::DoubleStar));
      if (slash) tokens_.push_back(simple(TokenKind::InsideSegment));
      i += slash ? 3 : 2;
    } else if (c == '*') {
      tokens_.push_back(simple(TokenKind::Star));
      ++i;
    } else if (c == '?') {
      tokens_.push_back(simple(TokenKind::AnyChar));
      ++i;
    } else if (c == '[') {
      Token t;
      if (read_class(p, i, t)) {
        tokens_.push_back(std::move(t));
      } else {
        tokens_.push_back(simple(TokenKind::Literal, '['));
        ++i;
      }
    } else if (c == '\\' && i + 1 < p.size()) {
      tokens_.push_back(simple(TokenKind::Literal, p[i + 1]));
      i += 2;
    } else {
      tokens_.push_back(simple(TokenKind::Literal, c));
      ++i;
    }
  }
}

bool GlobPattern::match(std::string_view key) const {
  Result<bool> matched = match(key, nullptr);
  return matched.ok() && *matched;
}

Result<bool> GlobPattern::match(std::string_view key, const CancelToken* cancel) const {
  const std::vector<char32_t> s = code_points(to_nfc(key));
  const size_t n = tokens_.size();
  std::vector<char> alive{1};  // before the first token
  alive.resize(n + 1, 0);
  std::vector<char> next(n + 1, 0);
  // Stars may match nothing: being before one is also being after it ("**/"
  // only at a segment's start, and then after its InsideSegment too).
  auto close = [&](std::vector<char>& set) {
    for (size_t k = 0; k < n; ++k) {
      if (!set[k]) continue;
      if (tokens_[k].kind == TokenKind::Star || tokens_[k].kind == TokenKind::DoubleStar) set[k + 1] = 1;
      if (tokens_[k].kind == TokenKind::DoubleStarSlash) set[k + 2] = 1;
    }
  };
  close(alive);
  size_t steps = 0;
  for (char32_t c : s) {
    steps += n;
    if (steps >= kStepsPerCancelCheck) {
      steps = 0;
      if (cancel != nullptr && cancel->is_cancelled()) return Status(ErrorCode::Cancelled, "pattern match cancelled");
    }
    std::fill(next.begin(), next.end(), 0);
    bool any = false;
    for (size_t k = 0; k < n; ++k) {
      if (!alive[k]) continue;
      const Token& t = tokens_[k];
      switch (t.kind) {
        case TokenKind::Literal:
          if (c == t.c) next[k + 1] = 1;
          break;
        case TokenKind::AnyChar:
          if (c != '/') next[k + 1] = 1;
          break;
        case TokenKind::Class:
          if (c != '/' && in_class(t, c)) next[k + 1] = 1;
          break;
        case TokenKind::Star:
          if (c != '/') next[k] = 1;
          break;
        case TokenKind::DoubleStar: next[k] = 1; break;
        case TokenKind::DoubleStarSlash:  // a segment starts: empty ("/") or not
        case TokenKind::InsideSegment:    // a '/' ends the segment, anything else continues it
          if (c == '/') {
            next[t.kind == TokenKind::DoubleStarSlash ? k : k - 1] = 1;
          } else {
            next[t.kind == TokenKind::DoubleStarSlash ? k + 1 : k] = 1;
          }
          break;
      }
    }
    close(next);
    for (char v : next) any = any || v;
    if (!any) return false;
    alive.swap(next);
  }
  return alive[n] != 0;
}

bool glob_match(std::string_view pattern, std::string_view path) { return GlobPattern(pattern).match(path); }

}  // namespace cloudsync
