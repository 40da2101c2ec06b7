// The executor's window of transfers in flight: halved when the store says
// "slow down", one burst counted once, grown back slowly, and a store that
// throttles above some concurrency still gets every transfer done.
#include <atomic>
#include <chrono>
#include <thread>

#include "core/parallel.hpp"
#include "support/test_util.hpp"
#include "sync/adaptive_concurrency.hpp"

namespace cloudsync::test {

TEST_CASE("the window halves on throttling and grows back by one a window", "[sync][adaptive]") {
  AdaptiveConcurrency window({16, 2, 4});
  CHECK(window.window() == 16);
  // Three transfers in flight together are all throttled: one halving.
  auto a = window.acquire(false), b = window.acquire(false), c = window.acquire(false);
  window.release(a, true);
  window.release(b, true);
  window.release(c, true);
  CHECK(window.window() == 8);
  // A transfer started after the halving and throttled halves again.
  window.release(window.acquire(false), true);
  CHECK(window.window() == 4);
  for (int i = 0; i < 10; ++i) window.release(window.acquire(false), true);
  CHECK(window.window() == 2);  // never below the minimum
  CHECK(window.lowest_window() == 2);
  // Clean transfers: one more after a window's worth (2, then 3, ...).
  window.release(window.acquire(false), false);
  CHECK(window.window() == 2);
  window.release(window.acquire(false), false);
  CHECK(window.window() == 3);
  for (int i = 0; i < 200; ++i) window.release(window.acquire(false), false);
  CHECK(window.window() == 16);  // and no further than where it started
}

TEST_CASE("large transfers stay within their own cap", "[sync][adaptive]") {
  AdaptiveConcurrency window({8, 1, 2});
  auto l1 = window.acquire(true), l2 = window.acquire(true);
  std::atomic<bool> third{false};
  std::thread waiter([&] {
    auto l3 = window.acquire(true);
    third = true;
    window.release(l3, false);
  });
  auto small = window.acquire(false);  // small ones still get in
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK_FALSE(third.load());
  window.release(l1, false);
  waiter.join();
  CHECK(third.load());
  window.release(l2, false);
  window.release(small, false);
}

TEST_CASE("a store that throttles above a concurrency still gets everything, from a smaller window",
          "[sync][adaptive]") {
  // The store answers "slow down" to any request beyond 5 in flight; each
  // throttled transfer is retried until it goes through, as the HTTP layer does.
  constexpr size_t kJobs = 400;
  constexpr int kStoreLimit = 5;
  AdaptiveConcurrency window({32, 1, 8});
  std::atomic<int> in_store{0}, max_in_store{0}, throttles{0};
  std::atomic<size_t> done{0};
  parallel_for(kJobs, 32, [&](size_t) {
    auto slot = window.acquire(false);
    bool throttled = false;
    for (;;) {
      int now = ++in_store;
      int seen = max_in_store.load();
      while (now > seen && !max_in_store.compare_exchange_weak(seen, now)) {
      }
      bool refused = now > kStoreLimit;
      std::this_thread::sleep_for(std::chrono::milliseconds(refused ? 0 : 2));
      --in_store;
      if (!refused) break;
      throttled = true;
      ++throttles;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));  // backoff before the retry
    }
    window.release(slot, throttled);
    ++done;
  });
  INFO("throttled " << throttles.load() << " times; window at the end " << window.window());
  CHECK(done == kJobs);
  CHECK(throttles > 0);
  CHECK(window.lowest_window() <= 8);  // it backed off from 32 ...
  CHECK(window.window() <= 16);        // ... and stayed near what the store takes
}

}  // namespace cloudsync::test
