// Glob patterns for selecting remote files: '*' and '?' stay within one
// segment, '**' spans segments, "[abc]" / "[!a-z]" are classes, '\' escapes.
#pragma once

#include <string>
#include <string_view>

namespace cloudsync {

bool has_glob_chars(std::string_view pattern);
bool glob_match(std::string_view pattern, std::string_view path);
/// The folder part of a pattern before its first wildcard ("data/2024/*.csv"
/// -> "data/2024/"), so that a listing can be narrowed before matching.
std::string glob_literal_prefix(std::string_view pattern);

}  // namespace cloudsync
