#include "transfer/progress_tracker.hpp"

namespace cloudsync {

ProgressTracker::ProgressTracker(ProgressCallback callback, CancelToken* cancel, std::chrono::milliseconds interval)
    : callback_(std::move(callback)), cancel_(cancel), interval_(interval) {}

void ProgressTracker::set_totals(uint64_t files, uint64_t bytes) {
  files_total_ = files;
  bytes_total_ = bytes;
}

void ProgressTracker::add_totals(uint64_t files, uint64_t bytes) {
  files_total_ += files;
  bytes_total_ += bytes;
}

void ProgressTracker::set_phase(ProgressEvent::Phase phase) {
  {
    std::lock_guard lock(mutex_);
    phase_ = phase;
  }
  emit({}, true);
}

void ProgressTracker::add_bytes(int64_t delta, const std::string& path) {
  int64_t now = bytes_signed_.fetch_add(delta) + delta;
  bytes_done_ = static_cast<uint64_t>(std::max<int64_t>(now, 0));
  emit(path, false);
}

void ProgressTracker::file_done(const std::string& path) {
  ++files_done_;
  emit(path, true);
}

void ProgressTracker::finish() {
  {
    std::lock_guard lock(mutex_);
    phase_ = ProgressEvent::Phase::Finished;
  }
  emit({}, true);
}

void ProgressTracker::emit(const std::string& path, bool force) {
  if (!callback_) return;
  std::lock_guard lock(mutex_);
  auto now = std::chrono::steady_clock::now();
  if (!force && now - last_emit_ < interval_) return;
  last_emit_ = now;
  ProgressEvent event;
  event.phase = phase_;
  if (force && !path.empty() && phase_ == ProgressEvent::Phase::Transferring)
    event.phase = ProgressEvent::Phase::FileDone;
  event.path = path;
  event.bytes_done = bytes_done_;
  event.bytes_total = bytes_total_;
  event.files_done = files_done_;
  event.files_total = files_total_;
  bool keep_going = true;
  try {
    keep_going = callback_(event);
  } catch (...) {
    keep_going = false;  // a throwing callback stops the operation instead of unwinding through it
  }
  if (!keep_going && cancel_ != nullptr) cancel_->cancel();
}

}  // namespace cloudsync
