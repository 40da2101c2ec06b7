// The HTTP exchanges of the AWS credential sources (STS, the SSO portal, the
// container endpoint, instance metadata): one request through the shared
// http::Client with a short retry policy, the services' error answers (STS's
// XML <ErrorResponse>, the JSON {"message": ...} of SSO and the container
// agents) turned into a Status, and the credentials documents they answer
// with parsed, every secret registered before anything can fail.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "auth/aws/sigv4.hpp"
#include "http/client.hpp"

namespace cloudsync::auth {

/// How a credential source reaches its service.
struct AwsHttpSettings {
  std::shared_ptr<http::Transport> transport;  ///< required
  http::RetryPolicy retry;
};

/// A few quick attempts: every request of the process waits on credentials.
http::RetryPolicy aws_credentials_retry_policy();

/// Sends `call` (signed by `authorizer` when not null; its refresh is used on a
/// refusal of the credentials) and returns the 2xx answer. A failed answer is
/// an error naming call.what, with the service's error code and message
/// (AccessDenied -> PermissionDenied, ExpiredToken*/InvalidIdentityToken/
/// UnrecognizedClient/InvalidClientTokenId -> Unauthenticated, else by status).
Result<http::Response> send_credentials_request(const AwsHttpSettings& settings, const http::Call& call,
                                                std::shared_ptr<http::Authorizer> authorizer, const OpContext& ctx);

/// The names a credentials document gives its fields.
struct CredentialFields {
  const char* access_key_id = "AccessKeyId";
  const char* secret_access_key = "SecretAccessKey";
  const char* session_token = "Token";
  const char* expiration = "Expiration";  ///< RFC 3339 text, or milliseconds since the epoch
};

/// The credentials in JSON object `body` (or in its member `member`, when not
/// null). The secret and token are registered first; a missing key id or
/// secret, or an unreadable expiration, is BadResponse naming `what` (the
/// document itself is never quoted).
Result<AwsCredentials> credentials_from_json(std::string_view body, const CredentialFields& fields, const char* member,
                                             std::string_view what);

}  // namespace cloudsync::auth
