// The OAuth2 refresh-token grant (RFC 6749 §6) against Google's token
// endpoint: a user authorised the integration once, and its refresh token buys
// short-lived access tokens from then on.
//
// A refresh token stops working when the user revokes access, changes the
// password, leaves it unused for 6 months, or -- for apps whose OAuth consent
// screen is in "Testing" status -- after 7 days. Google then answers
// invalid_grant, which becomes Unauthenticated with provider code
// "invalid_grant" and a request to re-authorise the integration; it is never
// retried.
#pragma once

#include <memory>
#include <string>

#include "auth/google/google_endpoints.hpp"
#include "auth/oauth/token_cache.hpp"
#include "auth/oauth/token_endpoint.hpp"

namespace cloudsync::auth {

struct RefreshTokenCredentials {
  std::string client_id;
  std::string client_secret;  ///< empty for a client without one (it is then not sent)
  std::string refresh_token;
};

/// The uncached grant: each fetch() posts grant_type=refresh_token with
/// client_id, client_secret and refresh_token to options.token_uri, or to
/// kGoogleTokenUri when that is empty. The secret and the refresh token are
/// registered as secrets. Unauthenticated when the refresh token is empty (not
/// authorised yet); InvalidArgument when client_id is empty or the token URI
/// is not an http(s) URL.
Result<std::unique_ptr<TokenSource>> make_refresh_token_source(RefreshTokenCredentials credentials,
                                                               TokenEndpointOptions options = {});

/// The grant behind a token cache: what the Drive backend uses for user accounts.
Result<std::shared_ptr<TokenProvider>> make_refresh_token_provider(RefreshTokenCredentials credentials,
                                                                   TokenEndpointOptions options = {},
                                                                   TokenCacheOptions cache = {});

}  // namespace cloudsync::auth
