// The files seen changing that are not yet known to be complete.
//
// A file is ready to export once it has been quiet for a while and looks the
// same (size, mtime, inode) at two looks that far apart: quiet_window after it
// was closed or renamed into place, open_file_quiet after a write with no
// close seen (its writer may still hold it). Each new event starts the wait
// again. A file that vanished is dropped. The clock is the caller's, so that
// the rules can be tested without sleeping.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/file_io.hpp"
#include "watch/fs_watcher.hpp"

namespace cloudsync {

class SettlingFiles {
 public:
  using Clock = std::chrono::steady_clock;
  using Key = std::pair<size_t, std::string>;  ///< (root, path)
  /// Stats a file (nullopt when it is gone or not a regular file).
  using StatFn = std::function<std::optional<FileInfo>(const Key&)>;

  SettlingFiles(std::chrono::milliseconds quiet_window, std::chrono::milliseconds open_file_quiet, StatFn stat)
      : quiet_window_(quiet_window), open_file_quiet_(open_file_quiet), stat_(std::move(stat)) {}

  /// Takes one change seen at `now`.
  void on_change(const FsChange& change, Clock::time_point now);
  /// The files ready at `now`, in the order they became ready; they leave the set.
  std::vector<Key> take_ready(Clock::time_point now);
  /// When the next file may be ready (nullopt when none is settling).
  std::optional<Clock::time_point> next_deadline() const;
  /// Every settling file is due at the next take_ready (a flush: writers are done).
  void hurry();
  size_t size() const { return files_.size(); }

 private:
  struct Settling {
    bool closed = false;  // the last event was a close or a rename into place
    std::optional<FileInfo> seen;
    Clock::time_point due;
  };
  std::chrono::milliseconds quiet_window_;
  std::chrono::milliseconds open_file_quiet_;
  StatFn stat_;
  std::map<Key, Settling> files_;
};

}  // namespace cloudsync
