// The OAuth2 token endpoint exchange (RFC 6749 §4.1.3/§6, RFC 7523 §2.1) every
// bearer-token flow ends in: a form POST through the shared HTTP client, the
// token answer parsed, and OAuth error answers turned into Status codes.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/oauth/token_provider.hpp"
#include "http/client.hpp"

namespace cloudsync::auth {

/// Retries for token requests: a few quick attempts, since every caller waits.
inline http::RetryPolicy token_retry_policy() {
  http::RetryPolicy policy;
  policy.max_attempts = 5;
  policy.initial_backoff = std::chrono::milliseconds(200);
  policy.max_backoff = std::chrono::milliseconds(5'000);
  policy.max_total = std::chrono::milliseconds(30'000);
  return policy;
}

/// How tokens are requested.
struct TokenEndpointOptions {
  /// Replaces the token URI of the flow (e.g. kGoogleTokenUri, or a key file's
  /// token_uri). Empty: no override.
  std::string token_uri;
  /// Null: a curl transport with default ClientOptions.
  std::shared_ptr<http::Transport> transport;
  http::RetryPolicy retry = token_retry_policy();
};

using FormFields = std::vector<std::pair<std::string, std::string>>;

/// application/x-www-form-urlencoded: name=value pairs joined with '&', both
/// percent-encoded (RFC 3986 unreserved characters kept).
std::string encode_form(const FormFields& fields);

/// `options` made ready for request_token(): token_uri is the override or else
/// `flow_uri`, and must be an absolute http(s) URL (InvalidArgument
/// otherwise); a curl transport with default options when none was given.
Result<TokenEndpointOptions> resolve_token_endpoint(TokenEndpointOptions options, std::string_view flow_uri);

/// Reads a 2xx answer into a token: `what` names the request in messages.
using TokenAnswerParser =
    std::function<Result<AccessToken>(const http::Response& answer, TimePoint now, std::string_view what)>;

/// One token request of a flow. Most are OAuth2 form POSTs; the fields after
/// `reauthorise_hint` serve the token services that are not (a GCE metadata
/// server's GET, IAM's generateAccessToken with a JSON body and a bearer token).
struct TokenRequest {
  FormFields form;  ///< grant_type and the grant's fields (secrets registered by the caller)
  /// When set, the form is made afresh for every attempt from the endpoint's
  /// corrected clock (a service-account assertion, whose iat/exp the
  /// authority checks against its own time), in place of `form`.
  std::function<Result<FormFields>(const http::ServerClock& clock)> make_form;
  /// The clock make_form reads: the authority's time as its answers correct
  /// it. Null: a fresh one on the system clock.
  std::shared_ptr<http::ServerClock> clock;
  /// Appended to the message of an invalid_grant error: what the user must do.
  std::string reauthorise_hint;
  /// "POST" (the form, or json_body, is the body) or "GET" (no body: a
  /// metadata service such as GCE's or Azure's managed identity endpoints,
  /// whose question is in the URI's query).
  std::string method = "POST";
  /// Sent besides Content-Type and Accept (Metadata-Flavor, Azure IMDS's
  /// "Metadata: true", App Service's X-IDENTITY-HEADER, an Authorization; the
  /// caller registers the secrets among them).
  http::Headers headers;
  /// When set, the body instead of the form, as application/json.
  std::optional<std::string> json_body;
  /// Reads the 2xx answer; empty: parse_token_answer().
  TokenAnswerParser parse_answer;
};

/// The OAuth2 token answer (RFC 6749 §5.1): access_token (registered as a
/// secret, as are refresh_token and id_token), token_type Bearer when given
/// (Unsupported otherwise), expires_in (a number or a numeric string; 3600 s
/// when missing, unless the answer carries expires_on: Unix seconds, as Azure's
/// managed identity endpoints and the Azure CLI send it, carried over from the
/// system clock to `now`'s) counted from `now`. BadResponse for anything else.
Result<AccessToken> parse_token_answer(const http::Response& answer, TimePoint now, std::string_view what);

/// Sends the request (by default a POST of the form) to options.token_uri (from resolve_token_endpoint()) through
/// an http::Client with `options.retry` (429, 5xx, network errors and
/// timeouts are retried; OAuth error answers are not, except an
/// invalid_grant about the assertion's time whose Date shows our clock is
/// off: request.clock learns the offset and the form is made once more) and
/// reads the answer with request.parse_answer, by default
/// parse_token_answer().
/// Errors by OAuth error code:
///  - invalid_grant (revoked or expired refresh token, rejected assertion):
///    Unauthenticated, provider code "invalid_grant", the hint appended;
///  - invalid_client: Unauthenticated; unauthorized_client, access_denied:
///    PermissionDenied; invalid_scope, invalid_request: InvalidArgument;
///    unsupported_grant_type: Unsupported;
///  - anything else: the code of the HTTP status.
Result<AccessToken> request_token(const TokenEndpointOptions& options, const TokenRequest& request, TimePoint now,
                                  const OpContext& ctx);

}  // namespace cloudsync::auth
