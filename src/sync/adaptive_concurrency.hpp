// How many transfers a run keeps in flight. Small files cost about one round
// trip each, so across a network they go fastest with many at once; a store
// that answers "slow down" (503 SlowDown, 429, ServerBusy) gets fewer. The
// window follows TCP's rule: halved when throttled, grown by one after a
// window's worth of transfers went through without it. Large files keep a
// fixed, smaller cap of their own (they bring their own parallelism: parts
// and ranged streams).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace cloudsync {

class AdaptiveConcurrency {
 public:
  struct Options {
    uint32_t initial = 32;  ///< the window to start with (and its ceiling)
    uint32_t minimum = 1;
    uint32_t large_cap = 8;  ///< large transfers in flight at most, within the window
  };
  explicit AdaptiveConcurrency(Options options);

  /// A place in the window, taken by acquire() and given back to release().
  struct Slot {
    bool large = false;
    uint64_t epoch = 0;  ///< the window's generation when the transfer started
  };
  /// Waits until the window (and for a large transfer, the large cap) has room.
  Slot acquire(bool large);
  /// Gives the slot back; `throttled`: the store asked this transfer to slow
  /// down. Only throttling seen by a transfer that started after the last
  /// decrease halves the window again (one burst of 503s counts once).
  void release(const Slot& slot, bool throttled);

  uint32_t window() const;
  /// The smallest window the run came down to.
  uint32_t lowest_window() const;

 private:
  const Options options_;
  mutable std::mutex mutex_;
  std::condition_variable room_;
  uint32_t window_;
  uint32_t lowest_;
  uint32_t in_flight_ = 0;
  uint32_t large_in_flight_ = 0;
  uint32_t clean_since_change_ = 0;
  uint64_t epoch_ = 0;
};

}  // namespace cloudsync
