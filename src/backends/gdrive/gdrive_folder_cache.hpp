// Folder path -> Drive folder IDs (several when a folder name is duplicated),
// shared by the threads of a backend. Entries expire after a short while, so
// that a folder trashed or moved by someone else is looked up again instead
// of receiving files; the backend drops everything after changes of its own
// that could make an entry wrong.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace cloudsync::gdrive {

class FolderCache {
 public:
  using Clock = std::chrono::steady_clock;
  explicit FolderCache(std::chrono::seconds ttl) : ttl_(ttl) {}

  std::optional<std::vector<std::string>> get(const std::string& path) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(path);
    if (it == entries_.end()) return std::nullopt;
    if (Clock::now() - it->second.stored > ttl_) {
      entries_.erase(it);
      return std::nullopt;
    }
    return it->second.ids;
  }
  void put(const std::string& path, std::vector<std::string> ids) {
    std::lock_guard lock(mutex_);
    entries_[path] = Entry{std::move(ids), Clock::now()};
  }
  void clear() {
    std::lock_guard lock(mutex_);
    entries_.clear();
  }

 private:
  struct Entry {
    std::vector<std::string> ids;
    Clock::time_point stored;
  };
  const std::chrono::seconds ttl_;
  std::mutex mutex_;
  std::map<std::string, Entry> entries_;
};

}  // namespace cloudsync::gdrive
