// OAuth2 bearer tokens as an http::Authorizer: every attempt carries the
// provider's current token ("Authorization: Bearer ..."), and a 401 reports
// the rejected token to the provider, which replaces it once (however many
// threads report the same token), after which the call runs once more.
#pragma once

#include <memory>

#include "auth/oauth/token_provider.hpp"
#include "http/client.hpp"

namespace cloudsync::auth {

class BearerAuthorizer final : public http::Authorizer {
 public:
  /// `fixed_headers` go on every request besides the token (Google's
  /// x-goog-user-project, the project a user's requests are billed to).
  explicit BearerAuthorizer(std::shared_ptr<TokenProvider> tokens, http::Headers fixed_headers = {})
      : tokens_(std::move(tokens)), fixed_headers_(std::move(fixed_headers)) {}

  /// Sets Authorization from TokenProvider::token() (cached there), and the fixed headers.
  Status authorize(http::Request& request, uint32_t attempt, const OpContext& ctx) override;
  /// TokenProvider::refresh() with the token `rejected` carried: true when a
  /// new one was had, its error (Unauthenticated "invalid_grant"...) otherwise.
  Result<bool> on_unauthorized(const http::Request& rejected, const OpContext& ctx) override;

 private:
  std::shared_ptr<TokenProvider> tokens_;
  const http::Headers fixed_headers_;
};

}  // namespace cloudsync::auth
