// The workspace's persistent state: the registered integrations
// (<state>/workspace.json) and the lock that keeps two processes from working
// on one project at the same time.
#pragma once

#include <chrono>
#include <filesystem>
#include <vector>

#include "cloudsync/workspace.hpp"
#include "core/file_io.hpp"
#include "core/json.hpp"

namespace cloudsync {

Result<std::vector<Integration>> load_integrations(const std::filesystem::path& file);
Status save_integrations(const std::filesystem::path& file, const std::vector<Integration>& integrations);

/// Writes an integration as JSON (the state file's and the C ABI's form).
void write_integration(JsonWriter& w, const Integration& integration);

/// True for the providers' credential options (exact names); never persisted.
bool is_secret_option(std::string_view key);

/// An exclusive advisory lock (flock) on a file, held while the object lives.
class WorkspaceLock {
 public:
  /// Fails with Conflict when another process still holds the lock after
  /// `wait` (short state updates wait; long operations do not).
  static Result<WorkspaceLock> acquire(const std::filesystem::path& file,
                                       std::chrono::milliseconds wait = std::chrono::milliseconds(0));

 private:
  explicit WorkspaceLock(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace cloudsync
