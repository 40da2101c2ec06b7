// Cooperative cancellation shared between a caller and the operations it starts.
//
// C++ API: source-stable within a major version, not binary-stable. Use it
// through the static library (cloudsync::cloudsync_static) or add_subdirectory();
// the shared library libcloudsync.so exports the C ABI (cloudsync.h) only.
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
