// Service-account impersonation through the IAM Service Account Credentials
// API (cloud.google.com/iam/docs/reference/credentials/rest/v1/
// projects.serviceAccounts/generateAccessToken): a token of one identity (a
// user, a service account, a token exchanged by workload identity federation)
// buys a token of the service account it may impersonate.
//
// Used by external_account credentials that name a
// service_account_impersonation_url, and by impersonated_service_account
// credentials (what `gcloud auth application-default login
// --impersonate-service-account` writes).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "auth/google/google_auth_settings.hpp"

namespace cloudsync::auth {

struct ImpersonationOptions {
  /// https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/<email>:generateAccessToken
  std::string url;
  /// Scopes of the impersonated token (settings.scopes when empty).
  std::vector<std::string> scopes;
  /// Delegation chain ("projects/-/serviceAccounts/<email>"), may be empty.
  std::vector<std::string> delegates;
  /// Requested lifetime of the token (IAM allows up to 1 h by default).
  std::chrono::seconds lifetime{3600};
};

/// Each fetch() takes a fresh token from `source` (which must carry the
/// cloud-platform scope) and POSTs {"scope":[...],"lifetime":"<n>s"[,"delegates":[...]]}
/// with it as the bearer token to options.url; the answer's accessToken
/// (registered as a secret) expires at its expireTime (RFC 3339). IAM's
/// errors keep their HTTP meaning (403 PermissionDenied when the identity
/// may not impersonate: roles/iam.serviceAccountTokenCreator is missing).
/// InvalidArgument when the URL is not http(s).
Result<std::unique_ptr<TokenSource>> make_impersonated_source(std::unique_ptr<TokenSource> source,
                                                              ImpersonationOptions options,
                                                              const GoogleAuthSettings& settings);

}  // namespace cloudsync::auth
