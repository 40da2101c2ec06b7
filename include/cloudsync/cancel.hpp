// Cooperative cancellation shared between a caller and the operations it starts.
#pragma once

#include <atomic>
#include <memory>

#include "cloudsync/export.hpp"

namespace cloudsync {

/// Set once, observed everywhere: transfers check it between chunks, HTTP
/// transfers abort from their progress callback, worker pools stop taking work.
/// A token may have a parent: it then also counts as cancelled when the parent
/// is (an operation's own token, under the caller's).
class CLOUDSYNC_API CancelToken {
 public:
  CancelToken() = default;
  explicit CancelToken(const CancelToken* parent) : parent_(parent) {}
  CancelToken(const CancelToken&) = delete;
  CancelToken& operator=(const CancelToken&) = delete;

  void cancel() noexcept { cancelled_.store(true, std::memory_order_release); }
  bool is_cancelled() const noexcept {
    return cancelled_.load(std::memory_order_acquire) || (parent_ != nullptr && parent_->is_cancelled());
  }

 private:
  std::atomic<bool> cancelled_{false};
  const CancelToken* parent_ = nullptr;
};

}  // namespace cloudsync
