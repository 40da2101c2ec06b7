// One writer per key at a time within this process: Drive cannot refuse a
// second file of the same name, so two racing creates would make twins.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <string>

namespace cloudsync::gdrive {

class KeyLocks {
 public:
  class Guard {
   public:
    Guard(KeyLocks& owner, std::string key) : owner_(owner), key_(std::move(key)) {}
    ~Guard() { owner_.release(key_); }
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;

   private:
    KeyLocks& owner_;
    std::string key_;
  };

  /// Blocks while another thread holds `key`.
  [[nodiscard]] std::unique_ptr<Guard> lock(const std::string& key) {
    std::unique_lock lock(mutex_);
    released_.wait(lock, [&] { return held_.count(key) == 0; });
    held_.insert(key);
    return std::make_unique<Guard>(*this, key);
  }

 private:
  void release(const std::string& key) {
    {
      std::lock_guard lock(mutex_);
      held_.erase(key);
    }
    released_.notify_all();
  }
  std::mutex mutex_;
  std::condition_variable released_;
  std::set<std::string> held_;
};

}  // namespace cloudsync::gdrive
