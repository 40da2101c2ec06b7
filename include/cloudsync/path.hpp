// Path: a validated, '/'-separated object key relative to a backend's root.
//
// A Path is the only way to name an object in a backend call, and it cannot name
// anything outside the root: parsing refuses absolute paths, "." and ".."
// segments, empty segments ("a//b", a trailing "/"), NUL and other control
// characters, and invalid UTF-8. Remote listings may still report keys that are
// not valid Paths (S3 allows "../x"); those keys stay plain strings and the
// engine reports them as skipped instead of touching the disk.
//
// C++ API: source-stable within a major version, not binary-stable. Use it
// through the static library (cloudsync::cloudsync_static) or add_subdirectory();
// the shared library libcloudsync.so exports the C ABI (cloudsync.h) only.
#pragma once

#include <compare>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "cloudsync/export.hpp"
#include "cloudsync/status.hpp"

namespace cloudsync {

class CLOUDSYNC_API Path {
 public:
  /// The root (empty path).
  Path() = default;

  /// Parses and validates a relative key such as "data/2024/a.csv".
  /// The empty string is the root.
  static Result<Path> parse(std::string_view text);
  /// Why `text` is not a valid Path, or OK.
  static Status validate(std::string_view text);

  const std::string& str() const noexcept { return text_; }
  bool is_root() const noexcept { return text_.empty(); }

  /// Last segment ("a.csv"); empty for the root.
  std::string_view name() const noexcept;
  /// Everything but the last segment; the root's parent is the root.
  Path parent() const;
  std::vector<std::string_view> segments() const;

  /// This path followed by `relative` (itself validated).
  Result<Path> join(std::string_view relative) const;
  /// This path followed by another Path (cannot fail).
  Path join(const Path& relative) const;

  /// True when `*this` equals `dir` or lies inside it. Segment-aware:
  /// "data/x" is inside "data" but "data2/x" is not.
  bool is_within(const Path& dir) const noexcept;
  /// The part of `*this` below `dir`, or the root if equal. Requires is_within(dir).
  Path relative_to(const Path& dir) const;

  friend bool operator==(const Path&, const Path&) = default;
  friend std::strong_ordering operator<=>(const Path& a, const Path& b) { return a.text_ <=> b.text_; }

 private:
  explicit Path(std::string validated) : text_(std::move(validated)) {}
  std::string text_;
};

}  // namespace cloudsync

template <>
struct std::hash<cloudsync::Path> {
  size_t operator()(const cloudsync::Path& p) const noexcept { return std::hash<std::string>()(p.str()); }
};
