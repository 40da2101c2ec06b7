#include "auth/oauth/token_provider.hpp"

#include "core/error.hpp"
#include "core/redact.hpp"

namespace cloudsync::auth {

StaticTokenProvider::StaticTokenProvider(AccessToken token) : token_(std::move(token)) {
  register_secret(token_.value);
}

void StaticTokenProvider::set(AccessToken token) {
  register_secret(token.value);
  std::lock_guard lock(mutex_);
  token_ = std::move(token);
}

Result<AccessToken> StaticTokenProvider::token(const OpContext& /*ctx*/) {
  std::lock_guard lock(mutex_);
  if (token_.value.empty()) return make_error(ErrorCode::Unauthenticated, "no access token was supplied");
  return token_;
}

Result<AccessToken> StaticTokenProvider::refresh(const OpContext& /*ctx*/, std::string_view rejected_token) {
  std::lock_guard lock(mutex_);
  if (!token_.value.empty() && token_.value != rejected_token) return token_;
  return make_error(ErrorCode::Unauthenticated,
                    "the server rejected the access token supplied by the host, and it cannot be refreshed here: "
                    "supply a new token or re-authorise the integration");
}

std::string bearer_authorization(const AccessToken& token) { return "Bearer " + token.value; }

}  // namespace cloudsync::auth
