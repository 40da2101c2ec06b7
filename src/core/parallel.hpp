// Runs independent jobs on a bounded number of threads.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <functional>
#include <thread>
#include <vector>

#include "cloudsync/cancel.hpp"

namespace cloudsync {

/// Calls job(i) for i in [0, count) on at most `concurrency` threads (the
/// calling thread is one of them). Stops handing out new jobs once `cancel` is
/// set. Jobs must not throw.
inline void parallel_for(size_t count, size_t concurrency, const std::function<void(size_t)>& job,
                         const CancelToken* cancel = nullptr) {
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (;;) {
      if (cancel != nullptr && cancel->is_cancelled()) return;
      size_t i = next.fetch_add(1);
      if (i >= count) return;
      job(i);
    }
  };
  size_t threads = std::min(count, std::max<size_t>(concurrency, 1));
  std::vector<std::thread> pool;
  pool.reserve(threads > 0 ? threads - 1 : 0);
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  if (threads > 0) worker();
  for (auto& th : pool) th.join();
}

}  // namespace cloudsync
