// Temporary credentials from AWS STS (Query API, version 2011-06-15):
//  - AssumeRole, signed with the source credentials (a profile's
//    source_profile or credential_source), with the profile's
//    role_session_name, external_id and duration_seconds;
//  - AssumeRoleWithWebIdentity, unsigned, with the OIDC token read afresh
//    from its file at every fetch (EKS IRSA rotates the projected token).
// Each fetch asks STS again; put a CachingAwsCredentialsProvider in front.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "auth/aws/aws_credentials_http.hpp"
#include "auth/aws/aws_credentials_provider.hpp"

namespace cloudsync::auth {

/// Where STS is and the region requests to it are signed for.
struct StsEndpoint {
  std::string url;  ///< "https://sts.eu-west-1.amazonaws.com" or an override
  std::string signing_region = "us-east-1";
};

struct AssumeRoleParams {
  std::string role_arn;
  std::string session_name;  ///< empty: "cloudsync-session-<unix seconds>", as botocore names its sessions
  std::string external_id;   ///< AssumeRole only
  std::optional<int64_t> duration_seconds;
};

/// AssumeRole with credentials from `source`; `description` names the
/// method in logs and errors ("profile 'x' (role_arn via source_profile 'y')").
std::unique_ptr<AwsCredentialsSource> make_assume_role_source(std::shared_ptr<AwsCredentialsProvider> source,
                                                              AssumeRoleParams params, StsEndpoint endpoint,
                                                              AwsHttpSettings http, std::string description);

/// AssumeRoleWithWebIdentity with the token in `token_file`.
std::unique_ptr<AwsCredentialsSource> make_web_identity_source(std::filesystem::path token_file,
                                                               AssumeRoleParams params, StsEndpoint endpoint,
                                                               AwsHttpSettings http, std::string description);

/// The <Credentials> of an STS answer (any *Result element).
Result<AwsCredentials> parse_sts_credentials(std::string_view body, std::string_view what);

}  // namespace cloudsync::auth
