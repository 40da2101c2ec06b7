#include "auth/google/oauth2.hpp"

#include "core/error.hpp"
#include "core/redact.hpp"

namespace cloudsync::auth {
namespace {

constexpr std::string_view kReauthoriseUser =
    "Re-authorise the integration: sign in with Google again to grant access (refresh tokens are revoked by the "
    "user, by a password change or 6 months without use, and expire after 7 days while the OAuth app is in "
    "\"Testing\" status)";

class RefreshTokenSource final : public TokenSource {
 public:
  RefreshTokenSource(RefreshTokenCredentials credentials, TokenEndpointOptions options)
      : credentials_(std::move(credentials)), options_(std::move(options)) {}

  Result<AccessToken> fetch(const OpContext& ctx, TimePoint now) override {
    TokenRequest request;
    request.form = {{"grant_type", "refresh_token"},
                    {"client_id", credentials_.client_id},
                    {"refresh_token", credentials_.refresh_token}};
    if (!credentials_.client_secret.empty()) request.form.emplace_back("client_secret", credentials_.client_secret);
    request.reauthorise_hint = std::string(kReauthoriseUser);
    return request_token(options_, request, now, ctx);
  }

  std::string describe() const override { return "OAuth client " + credentials_.client_id; }

 private:
  const RefreshTokenCredentials credentials_;
  const TokenEndpointOptions options_;
};

}  // namespace

Result<std::unique_ptr<TokenSource>> make_refresh_token_source(RefreshTokenCredentials credentials,
                                                               TokenEndpointOptions options) {
  register_secret(credentials.client_secret);
  register_secret(credentials.refresh_token);
  if (credentials.client_id.empty()) return make_error(ErrorCode::InvalidArgument, "the OAuth client id is empty");
  if (credentials.refresh_token.empty()) {
    return make_error(ErrorCode::Unauthenticated, "no refresh token: authorise the integration first");
  }
  CLOUDSYNC_ASSIGN_OR_RETURN(TokenEndpointOptions resolved,
                             resolve_token_endpoint(std::move(options), kGoogleTokenUri));
  return std::unique_ptr<TokenSource>(
      std::make_unique<RefreshTokenSource>(std::move(credentials), std::move(resolved)));
}

Result<std::shared_ptr<TokenProvider>> make_refresh_token_provider(RefreshTokenCredentials credentials,
                                                                   TokenEndpointOptions options,
                                                                   TokenCacheOptions cache) {
  CLOUDSYNC_ASSIGN_OR_RETURN(std::unique_ptr<TokenSource> source,
                             make_refresh_token_source(std::move(credentials), std::move(options)));
  return std::shared_ptr<TokenProvider>(std::make_shared<CachingTokenProvider>(std::move(source), std::move(cache)));
}

}  // namespace cloudsync::auth
