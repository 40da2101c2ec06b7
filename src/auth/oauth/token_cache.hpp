// The token cache in front of a token authority (refresh-token grant or
// service-account assertion): the shared RefreshingCache
// (auth/refreshing_cache.hpp, which documents the rules) over access tokens,
// as a TokenProvider.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "auth/oauth/token_provider.hpp"
#include "auth/refreshing_cache.hpp"

namespace cloudsync::auth {

/// A token's identity in the cache: its value.
inline std::string_view cache_identity(const AccessToken& token) { return token.value; }

/// Fetches a new token from the authority, every time it is called (no cache).
using TokenSource = RefreshingSource<AccessToken>;

using TokenCacheOptions = RefreshingCacheOptions;

class CachingTokenProvider final : public TokenProvider {
 public:
  explicit CachingTokenProvider(std::unique_ptr<TokenSource> source, TokenCacheOptions options = {});

  Result<AccessToken> token(const OpContext& ctx) override;
  Result<AccessToken> refresh(const OpContext& ctx, std::string_view rejected_token) override;

 private:
  RefreshingCache<AccessToken> cache_;
};

}  // namespace cloudsync::auth
