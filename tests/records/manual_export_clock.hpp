// An ExportClock the test moves by hand: now() is what the test set, and a
// scheduler sleeping on it wakes when the test moves it past its deadline.
// The test can wait until the scheduler is asleep again (it has finished
// looking at the clock it was given).
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "cloudsync/records.hpp"

namespace cloudsync::test {

class ManualExportClock final : public ExportClock {
 public:
  explicit ManualExportClock(TimePoint start) : now_(start) {}

  TimePoint now() override {
    std::lock_guard lock(mutex_);
    return now_;
  }
  void sleep_until(TimePoint deadline) override {
    std::unique_lock lock(mutex_);
    ++sleeps_;
    sleeping_ = true;
    deadline_ = deadline;
    cv_.notify_all();
    cv_.wait(lock, [&] { return woken_ || now_ >= deadline; });
    woken_ = false;
    sleeping_ = false;
  }
  void wake() override {
    std::lock_guard lock(mutex_);
    woken_ = true;
    cv_.notify_all();
  }

  /// How many times a sleeper went to sleep so far.
  int sleeps() {
    std::lock_guard lock(mutex_);
    return sleeps_;
  }
  /// Moves the clock and waits (up to 20 s real time) until the sleeper is
  /// asleep with a deadline still ahead (it ran whatever was due).
  bool advance_to(TimePoint t) {
    std::unique_lock lock(mutex_);
    const int before = sleeps_;
    now_ = t;
    cv_.notify_all();
    return cv_.wait_for(lock, std::chrono::seconds(20),
                        [&] { return sleeps_ > before || (sleeping_ && deadline_ > now_); });
  }
  /// Waits (up to 20 s) until the sleeper has slept `n` times.
  bool wait_for_sleeps(int n) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, std::chrono::seconds(20), [&] { return sleeps_ >= n; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  TimePoint now_;
  int sleeps_ = 0;
  bool woken_ = false;
  bool sleeping_ = false;
  TimePoint deadline_{};
};

}  // namespace cloudsync::test
