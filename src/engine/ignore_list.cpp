#include "engine/ignore_list.hpp"

#include <fnmatch.h>

#include <algorithm>

#include "cloudsync/watch.hpp"
#include "core/error.hpp"
#include "core/file_io.hpp"

namespace cloudsync {

const std::vector<std::string>& default_watch_ignores() {
  static const std::vector<std::string> kPatterns = {
      ".~*", "~$*", ".~lock.*#",           "*.swp",     "*~",   "4913", ".goutputstream-*", "*.part", "*.crdownload",
      ".#*", "#*#", ".ipynb_checkpoints/", "*-journal", "*-wal"};
  return kPatterns;
}

const std::vector<std::string>& export_ignores() {
  static const std::vector<std::string> kPatterns = [] {
    std::vector<std::string> patterns = default_watch_ignores();
    for (const char* more : {".DS_Store", "Thumbs.db", "*.swx"}) patterns.emplace_back(more);
    return patterns;
  }();
  return kPatterns;
}

namespace {

// Names never contain '/', so fnmatch without FNM_PATHNAME or FNM_PERIOD is
// exactly "'*' and '?' within one name" (a leading '.' is an ordinary character).
bool name_matches(const std::string& pattern, std::string_view name) {
  const std::string subject(name);
  return ::fnmatch(pattern.c_str(), subject.c_str(), 0) == 0;
}

bool any_matches(const std::vector<std::string>& patterns, std::string_view name) {
  return std::any_of(patterns.begin(), patterns.end(),
                     [&](const std::string& pattern) { return name_matches(pattern, name); });
}

}  // namespace

Result<IgnoreList> IgnoreList::make(const std::vector<std::string>& patterns) {
  IgnoreList list;
  for (const std::string& pattern : patterns) {
    const bool folder = !pattern.empty() && pattern.back() == '/';
    const std::string_view name = folder ? std::string_view(pattern).substr(0, pattern.size() - 1) : pattern;
    if (name.empty()) return make_error(ErrorCode::InvalidArgument, "an ignore pattern is empty");
    if (name.find('/') != std::string_view::npos) {
      return make_error(ErrorCode::InvalidArgument,
                        "ignore pattern \"{}\" has a '/' (patterns match single names; a trailing '/' "
                        "names a folder)",
                        pattern);
    }
    if (name.find('\0') != std::string_view::npos) {
      return make_error(ErrorCode::InvalidArgument, "an ignore pattern has a NUL character");
    }
    (folder ? list.folder_patterns_ : list.file_patterns_).emplace_back(name);
  }
  return list;
}

bool IgnoreList::ignores(std::string_view path, bool is_dir) const {
  size_t start = 0;
  while (start <= path.size()) {
    const size_t slash = path.find('/', start);
    const bool last = slash == std::string_view::npos;
    const std::string_view name = path.substr(start, last ? std::string_view::npos : slash - start);
    if (!name.empty()) {
      // Every name but a file's own is a folder on the way to the path.
      const bool names_folder = !last || is_dir;
      if (!names_folder && is_partial_file_name(name)) return true;
      if (any_matches(file_patterns_, name)) return true;
      if (names_folder && any_matches(folder_patterns_, name)) return true;
    }
    if (last) break;
    start = slash + 1;
  }
  return false;
}

}  // namespace cloudsync
