// Runs independent jobs on a bounded number of threads.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "cloudsync/cancel.hpp"
#include "cloudsync/status.hpp"

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

/// Calls job(i) for i in [0, count) as parallel_for does, until a job fails
/// (the parts of one upload or download: one failed part fails the whole).
/// Then `stop` is cancelled, so that no job starts and those running give up
/// early: `stop` is the caller's token for the jobs' requests, made to follow
/// the operation's own (CancelToken stop(ctx.cancel)). Returns the first
/// failure; without one, Cancelled (`cancelled_message`) when `stop` was
/// cancelled from outside; else OK. `on_stop` runs once `stop` is cancelled
/// for a failure (to wake jobs that wait on each other).
inline Status parallel_for_until_error(size_t count, size_t concurrency, CancelToken& stop,
                                       const std::function<Status(size_t)>& job, std::string_view cancelled_message,
                                       const std::function<void()>& on_stop = {}) {
  std::mutex mutex;
  Status first_error;
  parallel_for(
      count, concurrency,
      [&](size_t i) {
        if (stop.is_cancelled()) return;
        Status status = job(i);
        if (status.ok()) return;
        {
          std::lock_guard lock(mutex);
          if (!first_error.ok()) return;
          first_error = std::move(status);  // before the others see `stop` and fail as cancelled
        }
        stop.cancel();
        if (on_stop) on_stop();
      },
      &stop);
  if (first_error.ok() && stop.is_cancelled()) return Status(ErrorCode::Cancelled, std::string(cancelled_message));
  return first_error;
}

}  // namespace cloudsync
