#include "auth/oauth/token_cache.hpp"

namespace cloudsync::auth {

CachingTokenProvider::CachingTokenProvider(std::unique_ptr<TokenSource> source, TokenCacheOptions options)
    : cache_(std::move(source), std::move(options), "access token", "an access token") {}

Result<AccessToken> CachingTokenProvider::token(const OpContext& ctx) { return cache_.get(ctx); }

Result<AccessToken> CachingTokenProvider::refresh(const OpContext& ctx, std::string_view rejected_token) {
  return cache_.refresh(ctx, rejected_token);
}

}  // namespace cloudsync::auth
