// The one cache in front of every credential that expires: OAuth2 bearer
// tokens (CachingTokenProvider, auth/oauth/token_cache.hpp) and AWS temporary
// credentials (auth/aws/aws_credentials_provider.hpp) share its rules:
//  - a value is reused until `refresh_early` before it expires (5 minutes by
//    default, or half its lifetime when that is shorter), then replaced;
//  - one thread fetches while the others wait for its result (no thundering
//    herd); a value that is due for refresh but not yet expired keeps being
//    handed out to other threads meanwhile, and is kept when the refresh fails
//    (the authority is asked again 30 s later, not on every call);
//  - a value the server rejected (reported through refresh()) is dropped and
//    replaced once, however many threads report it;
//  - a failed fetch is shared with the threads that waited for it instead of
//    being repeated by each of them; retries of transient failures happen
//    inside the fetch (send_with_retry).
// A template over the cached type T, which needs a `TimePoint expires_at`
// member (TimePoint::max(): never expires) and a free function
// `cache_identity(const T&)` naming one value (the token, the access key id)
// so that a rejected value is recognised. Header-only because it is a template.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "cloudsync/backend.hpp"
#include "cloudsync/status.hpp"
#include "cloudsync/types.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/time.hpp"

namespace cloudsync::auth {

/// Fetches a new value from the authority, every time it is called (no cache).
template <typename T>
class RefreshingSource {
 public:
  virtual ~RefreshingSource() = default;
  /// `now` is the cache's clock: a value that lives `expires_in` expires at
  /// now + expires_in, and a service-account assertion is issued at `now`.
  virtual Result<T> fetch(const OpContext& ctx, TimePoint now) = 0;
  /// Whose values these are, for log lines ("service account a@b").
  virtual std::string describe() const = 0;
};

struct RefreshingCacheOptions {
  /// How long before expiry a value is replaced.
  std::chrono::seconds refresh_early{300};
  /// Wall clock; empty: the system clock. Tests inject one to expire values.
  std::function<TimePoint()> clock;
};

template <typename T>
class RefreshingCache {
 public:
  /// `noun` names the values in log lines ("access token", "AWS credentials"),
  /// `a_noun` with its article where one is needed ("an access token").
  RefreshingCache(std::unique_ptr<RefreshingSource<T>> source, RefreshingCacheOptions options, std::string noun,
                  std::string a_noun)
      : source_(std::move(source)),
        refresh_early_(std::max(options.refresh_early, std::chrono::seconds(0))),
        clock_(options.clock ? std::move(options.clock) : std::function<TimePoint()>(&now_utc)),
        noun_(std::move(noun)),
        a_noun_(std::move(a_noun)) {}

  /// A value that is not about to expire, fetched first when needed.
  Result<T> get(const OpContext& ctx) {
    std::unique_lock lock(mutex_);
    return get_locked(lock, ctx);
  }

  /// The server rejected the value named `rejected` (its cache_identity):
  /// drops it (once, however many threads report it) and returns another.
  Result<T> refresh(const OpContext& ctx, std::string_view rejected) {
    std::unique_lock lock(mutex_);
    if (current_ && cache_identity(current_->value) == rejected) {
      if (last_rejected_ != rejected) {
        // Nobody gets this value again; the next get fetches (or joins the
        // fetch that is already running).
        log(LogLevel::Info, "{}: the server rejected the {}; fetching a replacement", source_->describe(), noun_);
        last_rejected_ = std::string(rejected);
        current_.reset();
      }
      // Otherwise the authority handed out the rejected value again after the
      // refresh it caused; another refresh would not change that.
    }
    return get_locked(lock, ctx);
  }

  std::string describe() const { return source_->describe(); }

 private:
  // How often a waiting thread looks at its cancellation token.
  static constexpr std::chrono::milliseconds kWaitSlice{50};
  // After a failed early refresh, how long the still-valid value is used
  // before the authority is asked again (rather than on every call until it expires).
  static constexpr std::chrono::seconds kEarlyRefreshRetry{30};

  struct Cached {
    T value;
    TimePoint refresh_at;
  };

  static int64_t seconds_between(TimePoint from, TimePoint to) {
    return std::chrono::duration_cast<std::chrono::seconds>(to - from).count();
  }

  TimePoint refresh_time(const T& value, TimePoint fetched) const {
    if (value.expires_at == TimePoint::max()) return TimePoint::max();
    // A value that lives shorter than twice the margin is used for half its
    // lifetime, not refetched on every call.
    auto lifetime = std::max(value.expires_at - fetched, TimePoint::duration(0));
    auto early = std::min<TimePoint::duration>(refresh_early_, lifetime / 2);
    return value.expires_at - early;
  }

  /// Waits (cancellably) until the running fetch finishes; its error, if any.
  Status wait_for_fetch(std::unique_lock<std::mutex>& lock, const OpContext& ctx) {
    const uint64_t seen = generation_;
    while (generation_ == seen) {
      if (ctx.cancelled()) return make_error(ErrorCode::Cancelled, "cancelled while waiting for the {}", noun_);
      fetched_.wait_for(lock, kWaitSlice);
    }
    // A fetch cancelled by its own caller says nothing about ours: try again.
    if (!last_fetch_.ok() && last_fetch_.code() != ErrorCode::Cancelled) return last_fetch_;
    return Status::OK();
  }

  Result<T> get_locked(std::unique_lock<std::mutex>& lock, const OpContext& ctx) {
    for (;;) {
      if (ctx.cancelled()) return make_error(ErrorCode::Cancelled, "cancelled before obtaining the {}", noun_);
      const TimePoint now = clock_();
      if (current_ && now < current_->refresh_at) return current_->value;
      const bool usable = current_ && now < current_->value.expires_at;
      if (usable && now < early_retry_at_) return current_->value;
      if (fetching_) {
        // Someone is already fetching: a value that still works is handed out
        // meanwhile, otherwise we wait for theirs.
        if (usable) return current_->value;
        CLOUDSYNC_RETURN_IF_ERROR(wait_for_fetch(lock, ctx));
        continue;
      }

      if (current_) {
        log(LogLevel::Debug, "{}: {} expiring in {} s; fetching a replacement", source_->describe(), noun_,
            seconds_between(now, current_->value.expires_at));
      } else {
        log(LogLevel::Debug, "{}: fetching {}", source_->describe(), a_noun_);
      }
      fetching_ = true;
      lock.unlock();
      Result<T> fetched = source_->fetch(ctx, now);
      lock.lock();
      fetching_ = false;
      ++generation_;
      last_fetch_ = fetched.status();
      if (fetched.ok()) current_ = Cached{*fetched, refresh_time(*fetched, now)};
      fetched_.notify_all();

      // A cancelled caller gets Cancelled; other failures of an early refresh
      // fall back on the value that still works.
      if (!fetched.ok() && fetched.status().code() != ErrorCode::Cancelled && current_ &&
          clock_() < current_->value.expires_at) {
        early_retry_at_ = clock_() + kEarlyRefreshRetry;
        log(LogLevel::Warn, "{}: could not refresh the {} ({}); still using the current one, valid for {} s",
            source_->describe(), noun_, fetched.status().to_string(),
            seconds_between(clock_(), current_->value.expires_at));
        return current_->value;
      }
      if (fetched.ok()) {
        log(LogLevel::Debug, "{}: got the {}, valid for {} s", source_->describe(), noun_,
            seconds_between(now, fetched->expires_at));
      }
      return fetched;
    }
  }

  const std::unique_ptr<RefreshingSource<T>> source_;
  const std::chrono::seconds refresh_early_;
  const std::function<TimePoint()> clock_;
  const std::string noun_;
  const std::string a_noun_;

  std::mutex mutex_;
  std::condition_variable fetched_;
  std::optional<Cached> current_;
  bool fetching_ = false;
  uint64_t generation_ = 0;    ///< completed fetches
  Status last_fetch_;          ///< outcome of the latest completed fetch
  std::string last_rejected_;  ///< the identity of the latest value reported through refresh() and dropped
  /// After a failed early refresh: the current value is used until then.
  TimePoint early_retry_at_ = TimePoint::min();
};

}  // namespace cloudsync::auth
