// The ECS/EKS container credential endpoint, as the SDKs reach it:
//  - AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: http://169.254.170.2<relative uri> (ECS);
//  - AWS_CONTAINER_CREDENTIALS_FULL_URI: any URL whose host is a loopback
//    address or one of the container agents' (169.254.170.2, EKS Pod
//    Identity's 169.254.170.23 and fd00:ec2::23), as botocore restricts it;
//  - the Authorization header from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE
//    (read at every fetch: EKS rotates it), else AWS_CONTAINER_AUTHORIZATION_TOKEN.
// The answer is {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "auth/aws/aws_credentials_http.hpp"
#include "auth/aws/aws_credentials_provider.hpp"
#include "auth/aws/aws_profile.hpp"

namespace cloudsync::auth {

/// The ECS agent's address for relative URIs.
inline constexpr std::string_view kEcsCredentialsHost = "http://169.254.170.2";

struct ContainerEndpoint {
  std::string url;
  std::string authorization_token;  ///< a secret; empty: none, or the file's
  std::filesystem::path authorization_token_file;
  std::string description;  ///< "container credentials (AWS_CONTAINER_CREDENTIALS_FULL_URI)"
};

/// The endpoint the environment names: nullopt when neither variable is set;
/// InvalidArgument for a full URI on a host the SDKs do not allow.
Result<std::optional<ContainerEndpoint>> container_endpoint_from(const AwsEnvironment& env);

std::unique_ptr<AwsCredentialsSource> make_container_source(ContainerEndpoint endpoint, AwsHttpSettings http);

}  // namespace cloudsync::auth
