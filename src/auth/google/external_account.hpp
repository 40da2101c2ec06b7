// Workload identity federation: `external_account` credential files
// (cloud.google.com/iam/docs/workload-identity-federation, and google-auth's
// identity_pool credentials). A token the workload already has from another
// identity provider (a Kubernetes service-account token, an OIDC or SAML
// token) is exchanged at Google's Security Token Service (RFC 8693 token
// exchange at `token_url`) for a Google access token, which is then, when the
// file names a service_account_impersonation_url, exchanged once more for a
// token of that service account (impersonation.hpp).
//
// Supported subject-token sources (`credential_source`):
//  - "file": the token is read from the file at each exchange (tokens there
//    are rotated by whoever writes them);
//  - "url": GET with the given "headers";
// each as "format" {"type": "text"} (the default: the whole content) or
// {"type": "json", "subject_token_field_name": ...}. Executable-sourced
// (pluggable auth) and AWS-sourced (environment_id "aws1") credentials are
// Unsupported, with a message that names them.
#pragma once

#include <memory>

#include "auth/google/google_auth_settings.hpp"
#include "core/json.hpp"

namespace cloudsync::auth {

/// The token source of an external_account configuration (the parsed file).
/// Each fetch() reads the subject token, exchanges it (grant_type
/// urn:ietf:params:oauth:grant-type:token-exchange, with audience,
/// subject_token_type, requested_token_type access_token and the scopes: the
/// cloud-platform scope when impersonating, settings.scopes otherwise;
/// client_id/client_secret as HTTP Basic when the file has them), and
/// impersonates when configured. InvalidArgument for a configuration that
/// lacks a required field.
Result<std::unique_ptr<TokenSource>> make_external_account_source(const rapidjson::Value& config,
                                                                  const GoogleAuthSettings& settings);

}  // namespace cloudsync::auth
