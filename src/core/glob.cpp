#include "core/glob.hpp"

#include <algorithm>
#include <vector>

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

// A pattern is a sequence of tokens, each matching one character of the key
// or (the stars) a run of them.
enum class TokenKind {
  Literal,          ///< `c` (a plain or '\\'-escaped character, or an unterminated '[')
  AnyChar,          ///< '?': one character, not '/'
  Class,            ///< "[...]": one character of the class, not '/'
  Star,             ///< '*': any run within one segment
  DoubleStar,       ///< "**": any run, across segments
  DoubleStarSlash,  ///< "**/": zero or more whole segments; here at a segment's start
  InsideSegment,    ///< follows DoubleStarSlash: within a segment it is consuming
};

struct Token {
  TokenKind kind = TokenKind::Literal;
  char c = 0;
  std::string_view class_text;  ///< the whole "[...]" for Class
};

Token token(TokenKind kind, char c = 0, std::string_view class_text = {}) {
  Token t;
  t.kind = kind;
  t.c = c;
  t.class_text = class_text;
  return t;
}

std::vector<Token> compile(std::string_view p) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < p.size()) {
    std::string_view rest = p.substr(i);
    if (rest.starts_with("**")) {
      bool slash = rest.size() > 2 && rest[2] == '/';
      out.push_back(token(slash ? TokenKind::DoubleStarSlash : TokenKind::DoubleStar));
      if (slash) out.push_back(token(TokenKind::InsideSegment));
      i += slash ? 3 : 2;
    } else if (rest.front() == '*') {
      out.push_back(token(TokenKind::Star));
      ++i;
    } else if (rest.front() == '?') {
      out.push_back(token(TokenKind::AnyChar));
      ++i;
    } else if (rest.front() == '[') {
      size_t len = 0;
      bool valid = false;
      match_class(rest, '\0', len, valid);  // the class's extent does not depend on the character
      if (valid) {
        out.push_back(token(TokenKind::Class, 0, rest.substr(0, len)));
        i += len;
      } else {
        out.push_back(token(TokenKind::Literal, '['));
        ++i;
      }
    } else if (rest.front() == '\\' && rest.size() > 1) {
      out.push_back(token(TokenKind::Literal, rest[1]));
      i += 2;
    } else {
      out.push_back(token(TokenKind::Literal, rest.front()));
      ++i;
    }
  }
  return out;
}

// Runs the pattern as a set of positions still alive, one key character at a
// time: time proportional to pattern length times key length and no
// recursion, whatever the pattern. (Backtracking over every split of every
// star, as a recursive matcher does, takes exponential time on patterns such
// as "*a*a*a*a*a*a*b" and one stack frame per star: a selector from a user
// must not be able to hang or crash the host.)
bool match(std::string_view pattern, std::string_view s) {
  const std::vector<Token> tokens = compile(pattern);
  const size_t n = tokens.size();
  std::vector<char> alive{1};  // before the first token
  alive.resize(n + 1, 0);
  std::vector<char> next(n + 1, 0);
  // Stars may match nothing: being before one is also being after it ("**/"
  // only at a segment's start, and then after its InsideSegment too).
  auto close = [&](std::vector<char>& set) {
    for (size_t k = 0; k < n; ++k) {
      if (!set[k]) continue;
      if (tokens[k].kind == TokenKind::Star || tokens[k].kind == TokenKind::DoubleStar) set[k + 1] = 1;
      if (tokens[k].kind == TokenKind::DoubleStarSlash) set[k + 2] = 1;
    }
  };
  close(alive);
  for (char c : s) {
    std::fill(next.begin(), next.end(), 0);
    bool any = false;
    for (size_t k = 0; k < n; ++k) {
      if (!alive[k]) continue;
      const Token& t = tokens[k];
      switch (t.kind) {
        case TokenKind::Literal:
          if (c == t.c) next[k + 1] = 1;
          break;
        case TokenKind::AnyChar:
          if (c != '/') next[k + 1] = 1;
          break;
        case TokenKind::Class: {
          size_t len = 0;
          bool valid = false;
          if (c != '/' && match_class(t.class_text, c, len, valid)) next[k + 1] = 1;
          break;
        }
        case TokenKind::Star:
          if (c != '/') next[k] = 1;
          break;
        case TokenKind::DoubleStar:
          next[k] = 1;
          break;
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

}  // namespace

bool glob_match(std::string_view pattern, std::string_view path) { return match(pattern, path); }

std::string glob_literal_prefix(std::string_view pattern) {
  size_t wild = pattern.find_first_of("*?[\\");
  std::string_view literal = pattern.substr(0, wild);
  size_t slash = literal.rfind('/');
  return slash == std::string_view::npos ? std::string() : std::string(literal.substr(0, slash + 1));
}

}  // namespace cloudsync
