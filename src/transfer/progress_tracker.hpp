// Aggregates byte and file progress from many worker threads into throttled,
// serialised calls of the host's ProgressCallback, and turns a "stop" answer
// into cancellation.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>

#include "cloudsync/cancel.hpp"
#include "cloudsync/progress.hpp"

namespace cloudsync {

class ProgressTracker {
 public:
  /// `callback` may be empty; `cancel` is set when the callback returns false.
  ProgressTracker(ProgressCallback callback, CancelToken* cancel,
                  std::chrono::milliseconds interval = std::chrono::milliseconds(200));

  void set_totals(uint64_t files, uint64_t bytes);
  /// Grows the totals: a run whose actions arrive as they are planned learns
  /// them as it goes.
  void add_totals(uint64_t files, uint64_t bytes);
  void set_phase(ProgressEvent::Phase phase);
  /// Bytes moved (negative after a rewind, so retried bytes are not counted twice).
  void add_bytes(int64_t delta, const std::string& path);
  void file_done(const std::string& path);
  /// A final, unthrottled event.
  void finish();

  uint64_t bytes_done() const noexcept { return bytes_done_.load(); }

 private:
  void emit(const std::string& path, bool force);

  ProgressCallback callback_;
  CancelToken* cancel_;
  std::chrono::milliseconds interval_;
  std::atomic<uint64_t> files_total_{0}, bytes_total_{0}, files_done_{0};
  std::atomic<int64_t> bytes_signed_{0};
  std::atomic<uint64_t> bytes_done_{0};
  std::mutex mutex_;  // serialises callback calls
  std::chrono::steady_clock::time_point last_emit_{};
  ProgressEvent::Phase phase_ = ProgressEvent::Phase::Planning;
};

}  // namespace cloudsync
