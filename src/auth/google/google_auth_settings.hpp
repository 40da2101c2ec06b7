// What every Google credential needs besides its own fields: the scopes to
// ask for, the transport (the backend's proxy, CA bundle and TLS settings)
// and the clock of the token cache in front of it.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "auth/oauth/token_cache.hpp"
#include "auth/oauth/token_endpoint.hpp"

namespace cloudsync::auth {

struct GoogleAuthSettings {
  /// Scopes the tokens are for (e.g. kDriveScope); at least one.
  std::vector<std::string> scopes;
  /// Service accounts: the user to act as (domain-wide delegation).
  std::string subject;
  /// Replaces the token URI of the OAuth2 flows (service_account and
  /// authorized_user credentials); empty: the file's, else Google's.
  std::string token_uri;
  /// Carries every token request; null: a curl transport with defaults.
  std::shared_ptr<http::Transport> transport;
  http::RetryPolicy retry = token_retry_policy();
  /// The token cache's clock (TokenCacheOptions::clock); empty: the system clock.
  std::function<TimePoint()> clock;

  /// These settings as a token endpoint of the flow: token_uri, transport, retry.
  TokenEndpointOptions endpoint(std::string token_uri_override) const {
    TokenEndpointOptions options;
    options.token_uri = std::move(token_uri_override);
    options.transport = transport;
    options.retry = retry;
    return options;
  }
};

/// A credential ready for a token cache: where its tokens come from, and the
/// project that quota and billing go to (x-goog-user-project), when it names one.
struct GoogleCredentials {
  std::unique_ptr<TokenSource> source;
  std::string quota_project_id;
};

}  // namespace cloudsync::auth
