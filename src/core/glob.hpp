// Glob patterns for selecting remote files: '*' and '?' stay within one
// segment, '**' spans segments, "**/" is zero or more whole segments,
// "[abc]" / "[!a-z]" / "[^a-z]" are classes, '\' escapes.
//
// Patterns and keys are compared as Unicode code points in NFC (a '?' is
// one character, not one byte; "é" typed composed matches a key written
// decomposed, as keys themselves are compared). Matching runs the pattern as
// a set of live positions, so it takes time proportional to pattern length
// times key length whatever the pattern ("*a*a*a*a*a*a*b" cannot explode), and
// a long match can be cancelled.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cloudsync/cancel.hpp"
#include "cloudsync/status.hpp"

namespace cloudsync {

bool has_glob_chars(std::string_view pattern);

/// The folder part of a pattern before its first wildcard ("data/2024/*.csv"
/// -> "data/2024/"), so that a listing can be narrowed before matching. It
/// stops before the first non-ASCII character too: a store may spell such a
/// name in another normal form than the pattern.
std::string glob_literal_prefix(std::string_view pattern);

/// A pattern compiled once, matched against many keys.
class GlobPattern {
 public:
  explicit GlobPattern(std::string_view pattern);

  /// Whether `key` matches; Cancelled when `cancel` fires during the match.
  Result<bool> match(std::string_view key, const CancelToken* cancel) const;
  bool match(std::string_view key) const;

  enum class TokenKind {
    Literal,          ///< one code point
    AnyChar,          ///< '?': one code point, not '/'
    Class,            ///< "[...]": one code point of the class, not '/'
    Star,             ///< '*': any run within one segment
    DoubleStar,       ///< "**": any run, across segments
    DoubleStarSlash,  ///< "**/": zero or more whole segments; here at a segment's start
    InsideSegment,    ///< follows DoubleStarSlash: within a segment it is consuming
  };
  struct Range {
    char32_t lo = 0;
    char32_t hi = 0;
  };
  struct Token {
    TokenKind kind = TokenKind::Literal;
    char32_t c = 0;             ///< Literal
    bool negated = false;       ///< Class
    std::vector<Range> ranges;  ///< Class
  };

 private:
  std::vector<Token> tokens_;
};

/// GlobPattern(pattern).match(path), for a single use.
bool glob_match(std::string_view pattern, std::string_view path);

}  // namespace cloudsync
