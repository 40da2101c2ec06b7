#include "auth/oauth/token_cache.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "core/log.hpp"
#include "core/time.hpp"

namespace cloudsync::auth {
namespace {

// How often a waiting thread looks at its cancellation token.
constexpr std::chrono::milliseconds kWaitSlice{50};
// After a failed early refresh, how long the still-valid token is used before
// the authority is asked again (rather than on every call until it expires).
constexpr std::chrono::seconds kEarlyRefreshRetry{30};

int64_t seconds_between(TimePoint from, TimePoint to) {
  return std::chrono::duration_cast<std::chrono::seconds>(to - from).count();
}

}  // namespace

CachingTokenProvider::CachingTokenProvider(std::unique_ptr<TokenSource> source, TokenCacheOptions options)
    : source_(std::move(source)),
      refresh_early_(std::max(options.refresh_early, std::chrono::seconds(0))),
      clock_(options.clock ? std::move(options.clock) : std::function<TimePoint()>(&now_utc)) {}

Result<AccessToken> CachingTokenProvider::token(const OpContext& ctx) {
  std::unique_lock lock(mutex_);
  return get(lock, ctx);
}

Result<AccessToken> CachingTokenProvider::refresh(const OpContext& ctx, std::string_view rejected_token) {
  std::unique_lock lock(mutex_);
  if (current_ && current_->token.value == rejected_token) {
    if (last_rejected_ != rejected_token) {
      // Nobody gets this token again; the next get() fetches (or joins the
      // fetch that is already running).
      log(LogLevel::Info, "{}: the server rejected the access token; fetching a new one", source_->describe());
      last_rejected_ = std::string(rejected_token);
      current_.reset();
    }
    // Otherwise the authority handed out the rejected token again after the
    // refresh it caused; another refresh would not change that.
  }
  return get(lock, ctx);
}

TimePoint CachingTokenProvider::refresh_time(const AccessToken& token, TimePoint fetched) const {
  if (token.expires_at == TimePoint::max()) return TimePoint::max();
  // A token that lives shorter than twice the margin is used for half its
  // lifetime, not refetched on every call.
  auto lifetime = std::max(token.expires_at - fetched, TimePoint::duration(0));
  auto early = std::min<TimePoint::duration>(refresh_early_, lifetime / 2);
  return token.expires_at - early;
}

Status CachingTokenProvider::wait_for_fetch(std::unique_lock<std::mutex>& lock, const OpContext& ctx) {
  const uint64_t seen = generation_;
  while (generation_ == seen) {
    if (ctx.cancelled()) return make_error(ErrorCode::Cancelled, "cancelled while waiting for an access token");
    fetched_.wait_for(lock, kWaitSlice);
  }
  // A fetch cancelled by its own caller says nothing about ours: try again.
  if (!last_fetch_.ok() && last_fetch_.code() != ErrorCode::Cancelled) return last_fetch_;
  return Status::OK();
}

Result<AccessToken> CachingTokenProvider::get(std::unique_lock<std::mutex>& lock, const OpContext& ctx) {
  for (;;) {
    if (ctx.cancelled()) return make_error(ErrorCode::Cancelled, "cancelled before an access token was obtained");
    const TimePoint now = clock_();
    if (current_ && now < current_->refresh_at) return current_->token;
    const bool usable = current_ && now < current_->token.expires_at;
    if (usable && now < early_retry_at_) return current_->token;
    if (fetching_) {
      // Someone is already fetching: a token that still works is handed out
      // meanwhile, otherwise we wait for theirs.
      if (usable) return current_->token;
      CLOUDSYNC_RETURN_IF_ERROR(wait_for_fetch(lock, ctx));
      continue;
    }

    if (current_) {
      log(LogLevel::Debug, "{}: the access token expires in {} s; fetching a new one", source_->describe(),
          seconds_between(now, current_->token.expires_at));
    } else {
      log(LogLevel::Debug, "{}: fetching an access token", source_->describe());
    }
    fetching_ = true;
    lock.unlock();
    Result<AccessToken> fetched = source_->fetch(ctx, now);
    lock.lock();
    fetching_ = false;
    ++generation_;
    last_fetch_ = fetched.status();
    if (fetched.ok()) current_ = Cached{*fetched, refresh_time(*fetched, now)};
    fetched_.notify_all();

    // A cancelled caller gets Cancelled; other failures of an early refresh
    // fall back on the token that still works.
    if (!fetched.ok() && fetched.status().code() != ErrorCode::Cancelled && current_ &&
        clock_() < current_->token.expires_at) {
      early_retry_at_ = clock_() + kEarlyRefreshRetry;
      log(LogLevel::Warn, "{}: could not refresh the access token ({}); using the current one, which expires in {} s",
          source_->describe(), fetched.status().to_string(), seconds_between(clock_(), current_->token.expires_at));
      return current_->token;
    }
    if (fetched.ok()) {
      log(LogLevel::Debug, "{}: got an access token that expires in {} s", source_->describe(),
          seconds_between(now, fetched->expires_at));
    }
    return fetched;
  }
}

}  // namespace cloudsync::auth
