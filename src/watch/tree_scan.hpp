// One walk of a watched folder tree, shared by the inotify watcher (initial,
// new-folder and overflow scans) and the polling watcher (every poll).
//
// The walk opens each folder through directory descriptors without following
// a symlink (a symlink is neither a file nor a folder to it), reports folders
// before their contents (so the inotify watcher can add a folder's watch
// before listing it), skips what the caller ignores, and skips names that
// cannot be a Path (invalid UTF-8, control characters) with a log line.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "core/file_io.hpp"

namespace cloudsync {

struct TreeScanVisitor {
  /// True for a path (relative to the root) not to report or descend into.
  std::function<bool(std::string_view path, bool is_dir)> ignored;
  /// A folder about to be listed ("" for the root itself), and its open
  /// descriptor (reached without following a symlink). Return false to stop
  /// the walk (the inotify watcher does when it switches to polling).
  std::function<bool(const std::string& path, int dir_fd)> on_folder;
  /// A regular file and its stat.
  std::function<void(const std::string& path, const FileInfo& info)> on_file;
};

/// Walks `root` from the folder `start` (relative to it, "" for the root;
/// reported to on_folder first). A folder that vanishes or cannot be opened
/// is skipped. Returns false when on_folder stopped the walk.
bool scan_tree(const std::filesystem::path& root, const std::string& start, const TreeScanVisitor& visitor);

/// `parent` + '/' + `name`, or `name` at the root.
std::string join_relative(std::string_view parent, std::string_view name);

/// Whether a name read from a folder can be reported (logs the ones that cannot).
bool reportable_name(const std::filesystem::path& folder, std::string_view name);

}  // namespace cloudsync
