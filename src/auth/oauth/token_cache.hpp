// The token cache in front of a token authority (refresh-token grant or
// service-account assertion):
//  - a token is reused until `refresh_early` before it expires (5 minutes by
//    default, or half its lifetime when that is shorter), then replaced;
//  - one thread fetches while the others wait for its result (no thundering
//    herd); a token that is due for refresh but not yet expired keeps being
//    handed out to other threads meanwhile, and is kept when the refresh fails
//    (the authority is asked again 30 s later, not on every call);
//  - a token the server rejected (HTTP 401, reported through refresh()) is
//    dropped and replaced once, however many threads report it;
//  - a failed fetch is shared with the threads that waited for it instead of
//    being repeated by each of them; retries of transient failures happen
//    inside the fetch (send_with_retry).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "auth/oauth/token_provider.hpp"

namespace cloudsync::auth {

/// Fetches a new token from the authority, every time it is called (no cache).
class TokenSource {
 public:
  virtual ~TokenSource() = default;
  /// `now` is the cache's clock: the token expires at now + expires_in, and a
  /// service-account assertion is issued at `now`.
  virtual Result<AccessToken> fetch(const OpContext& ctx, TimePoint now) = 0;
  /// Whose tokens these are, for log lines ("service account a@b").
  virtual std::string describe() const = 0;
};

struct TokenCacheOptions {
  /// How long before expiry a token is replaced.
  std::chrono::seconds refresh_early{300};
  /// Wall clock; empty: the system clock. Tests inject one to expire tokens.
  std::function<TimePoint()> clock;
};

class CachingTokenProvider final : public TokenProvider {
 public:
  explicit CachingTokenProvider(std::unique_ptr<TokenSource> source, TokenCacheOptions options = {});

  Result<AccessToken> token(const OpContext& ctx) override;
  Result<AccessToken> refresh(const OpContext& ctx, std::string_view rejected_token) override;

 private:
  struct Cached {
    AccessToken token;
    TimePoint refresh_at;
  };

  Result<AccessToken> get(std::unique_lock<std::mutex>& lock, const OpContext& ctx);
  /// Waits (cancellably) until the running fetch finishes; its error, if any.
  Status wait_for_fetch(std::unique_lock<std::mutex>& lock, const OpContext& ctx);
  TimePoint refresh_time(const AccessToken& token, TimePoint fetched) const;

  const std::unique_ptr<TokenSource> source_;
  const std::chrono::seconds refresh_early_;
  const std::function<TimePoint()> clock_;

  std::mutex mutex_;
  std::condition_variable fetched_;
  std::optional<Cached> current_;
  bool fetching_ = false;
  uint64_t generation_ = 0;    ///< completed fetches
  Status last_fetch_;          ///< outcome of the latest completed fetch
  std::string last_rejected_;  ///< the latest token reported through refresh() and dropped
  /// After a failed early refresh: the current token is used until then.
  TimePoint early_retry_at_ = TimePoint::min();
};

}  // namespace cloudsync::auth
