// An exclusive advisory lock (flock) on a file, held while the object lives.
// The kernel drops it when its holder dies, so a kill -9 never leaves a lock
// that needs clearing by hand.
#pragma once

#include <chrono>
#include <filesystem>
#include <string_view>

#include "cloudsync/status.hpp"
#include "core/file_io.hpp"

namespace cloudsync {

class FileLock {
 public:
  /// Fails with Conflict (saying `what` is busy) when another holder keeps the
  /// lock for longer than `wait`.
  static Result<FileLock> acquire(const std::filesystem::path& file, std::string_view what,
                                  std::chrono::milliseconds wait = std::chrono::milliseconds(0));
  /// True when some holder (this process included) has the lock right now.
  static bool is_held(const std::filesystem::path& file);

 private:
  explicit FileLock(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace cloudsync
