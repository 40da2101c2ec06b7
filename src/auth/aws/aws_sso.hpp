// IAM Identity Center (SSO) profiles, through the token `aws sso login`
// leaves in ~/.aws/sso/cache/<sha1 hex>.json: the file is named by the SHA-1
// of the sso_session name (profiles with sso_session) or of the sso_start_url
// (legacy profiles). Its accessToken must not have expired (expiresAt); it is
// then exchanged at the SSO portal (GET /federation/credentials with
// x-amz-sso_bearer_token) for the role's credentials. cloudsync does not
// refresh the SSO token itself: an expired or missing one is an
// Unauthenticated error that says which `aws sso login` to run.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "auth/aws/aws_credentials_http.hpp"
#include "auth/aws/aws_credentials_provider.hpp"

namespace cloudsync::auth {

struct SsoProfile {
  std::string cache_key;  ///< the sso_session name, or the sso_start_url
  std::string account_id;
  std::string role_name;
  std::string portal_url;           ///< https://portal.sso.<sso_region>.amazonaws.com, or an override
  std::filesystem::path cache_dir;  ///< ~/.aws/sso/cache
  std::string login_command;        ///< "aws sso login --profile dev"
  std::string description;          ///< "profile 'dev' (sso_session 'corp')"
};

/// The cache file of `cache_key` in `cache_dir`.
std::filesystem::path sso_cache_file(const std::filesystem::path& cache_dir, std::string_view cache_key);

std::unique_ptr<AwsCredentialsSource> make_sso_source(SsoProfile profile, AwsHttpSettings http);

}  // namespace cloudsync::auth
