// Cooperative cancellation shared between a caller and the operations it starts.
#pragma once

#include <atomic>
#include <memory>

#include "cloudsync/export.hpp"

namespace cloudsync {

/// Set once, observed everywhere: transfers check it between chunks, HTTP
/// transfers abort from their progress callback, worker pools stop taking work.
class CLOUDSYNC_API CancelToken {
 public:
  void cancel() noexcept { cancelled_.store(true, std::memory_order_release); }
  bool is_cancelled() const noexcept { return cancelled_.load(std::memory_order_acquire); }

 private:
  std::atomic<bool> cancelled_{false};
};

}  // namespace cloudsync
