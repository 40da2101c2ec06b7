// OAuth2 access tokens as the bearer-token backends (Google Drive, Azure with
// Microsoft Entra ID) consume them: a provider hands out a valid bearer token and
// replaces one the server has rejected.
//
// Implementations: CachingTokenProvider (token_cache.hpp) over a refresh token
// (oauth2.hpp) or a service account (service_account.hpp), and
// StaticTokenProvider below for tests and for hosts that manage tokens
// themselves.
#pragma once

#include <mutex>
#include <string>
#include <string_view>

#include "cloudsync/backend.hpp"
#include "cloudsync/status.hpp"
#include "cloudsync/types.hpp"
#include "http/http.hpp"

namespace cloudsync::auth {

struct AccessToken {
  std::string value;  ///< the bearer token (a secret)
  /// When the authority said it stops working; TimePoint::max() for a token
  /// without a known expiry (a static token).
  TimePoint expires_at = TimePoint::max();
  std::string scope;  ///< space-delimited scopes granted, when the authority said
};

/// Thread-safe source of access tokens.
class TokenProvider {
 public:
  virtual ~TokenProvider() = default;

  /// A token to send now. Providers that can refresh return one that is not
  /// about to expire, fetching a new one first when needed.
  virtual Result<AccessToken> token(const OpContext& ctx) = 0;

  /// The server answered HTTP 401 to a request that carried `rejected_token`:
  /// returns a different token. Several threads reporting the same rejected
  /// token cause one refresh, and a token that was replaced already is not
  /// refreshed again (the current one is returned). Fails with
  /// Unauthenticated when no other token can be had.
  virtual Result<AccessToken> refresh(const OpContext& ctx, std::string_view rejected_token) = 0;
};

/// A token the host supplies (and may replace with set()); it cannot refresh.
class StaticTokenProvider final : public TokenProvider {
 public:
  /// Registers the value as a secret.
  explicit StaticTokenProvider(AccessToken token);
  /// Replaces the token (a host that refreshed it). Registers the value.
  void set(AccessToken token);

  Result<AccessToken> token(const OpContext& ctx) override;
  /// The current token when it differs from `rejected_token` (the host
  /// replaced it meanwhile); otherwise Unauthenticated.
  Result<AccessToken> refresh(const OpContext& ctx, std::string_view rejected_token) override;

 private:
  std::mutex mutex_;
  AccessToken token_;
};

/// The Authorization header value: "Bearer <token>".
std::string bearer_authorization(const AccessToken& token);

}  // namespace cloudsync::auth
