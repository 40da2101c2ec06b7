// Which paths of a project's folder are never exported: editor, tool and OS
// temporaries (WatchOptions::ignore for the watcher; export_ignores() for
// `export` and push syncs) and, always, the library's own temporaries.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cloudsync/status.hpp"

namespace cloudsync {

/// What export and push syncs leave out: default_watch_ignores() plus the
/// operating systems' droppings (.DS_Store, Thumbs.db) and vim's other swap file.
const std::vector<std::string>& export_ignores();

class IgnoreList {
 public:
  /// Patterns as in WatchOptions::ignore: '*' and '?' match within one name,
  /// a pattern without '/' applies to every name of a path, a trailing '/'
  /// names a folder and everything below it. InvalidArgument for a pattern
  /// with another '/' or an empty one.
  static Result<IgnoreList> make(const std::vector<std::string>& patterns);

  /// `path` is relative to the watched folder, '/'-separated; `is_dir` when it names a folder.
  bool ignores(std::string_view path, bool is_dir) const;

 private:
  std::vector<std::string> file_patterns_;    // match any name of the path (the last one for files)
  std::vector<std::string> folder_patterns_;  // match any folder name of the path
};

}  // namespace cloudsync
