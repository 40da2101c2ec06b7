// The AWS credential chain: which credentials a client signs with, found in
// the order botocore's credential resolver (botocore/credentials.py,
// create_credential_resolver) tries its providers, which the AWS CLI and
// boto3 share; the first method that applies is used:
//   0. the caller's explicit keys (cloudsync's options; botocore's
//      client arguments);
//   1. the environment: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY
//      (+ AWS_SESSION_TOKEN), skipped when the caller names the profile
//      explicitly (`aws --profile`, the `profile` option);
//   2. the profile's role_arn with source_profile (followed through chains
//      of profiles; a loop is an error) or credential_source (Environment,
//      Ec2InstanceMetadata, EcsContainer): STS AssumeRole signed with the
//      source's credentials (external_id, role_session_name,
//      duration_seconds; mfa_serial is Unsupported: it needs a code typed in);
//   3. web identity: AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN
//      (+ AWS_ROLE_SESSION_NAME), else the profile's web_identity_token_file
//      + role_arn: STS AssumeRoleWithWebIdentity (EKS IRSA);
//   4. the profile's SSO settings (sso_session, or the legacy sso_start_url),
//      through the token cache of `aws sso login` (aws_sso.hpp);
//   5. the profile's keys in the credentials file;
//   6. the profile's credential_process (aws_credential_process.hpp);
//   7. the profile's keys in the config file;
//   8. the container endpoint (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI);
//   9. EC2 instance metadata (IMDSv2), unless AWS_EC2_METADATA_DISABLED=true.
// Resolution reads the environment and files only: nothing is fetched until
// the first request needs credentials. Every source whose credentials expire
// sits behind the shared refreshing cache.
//
// STS and the SSO portal are reached at the endpoints the SDKs use, or where
// AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL_SSO, AWS_ENDPOINT_URL, or the
// profile's sts/sso endpoint_url (in a services section) or endpoint_url
// point (AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true ignores them all).
//
// Errors: when nothing applies, Unauthenticated listing every method tried
// and why it did not apply (instance metadata's own failure included); a
// profile that uses a method cloudsync lacks says so by name (Unsupported);
// a method that applies but fails (STS AccessDenied, a credential_process
// that exits 1, an expired SSO token) fails with its own message, as in
// botocore, instead of falling through. No message holds a secret.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "auth/aws/aws_credentials_provider.hpp"
#include "auth/aws/aws_profile.hpp"
#include "http/http.hpp"

namespace cloudsync::auth {

struct AwsCredentialChainOptions {
  /// Explicit keys: used as they are when access_key_id or secret_access_key
  /// is set (both must be).
  AwsCredentials keys;
  /// Names the explicit keys in messages.
  std::string keys_description = "options";
  /// The region of the client: STS is asked at its regional endpoint
  /// (empty or "auto": the global endpoint, signed for us-east-1).
  std::string region;
  /// Proxy, CA bundle and user agent for STS, the SSO portal and the
  /// container endpoint; instance metadata gets its own short timeouts.
  http::ClientOptions client;
  /// Null: curl transports made from `client`. Tests inject one.
  std::shared_ptr<http::Transport> transport;
  /// The cache in front of expiring credentials (tests inject a clock).
  RefreshingCacheOptions cache;
  /// Longest a credential_process may run.
  std::chrono::milliseconds process_timeout{60'000};
};

/// The provider for `profile` (from load_aws_profile) in `files`.
Result<std::shared_ptr<AwsCredentialsProvider>> resolve_aws_credential_chain(const AwsCredentialChainOptions& options,
                                                                             const AwsEnvironment& env,
                                                                             const AwsConfigFiles& files,
                                                                             const AwsProfile& profile);

}  // namespace cloudsync::auth
