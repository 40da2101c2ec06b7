// EC2 instance metadata credentials (IMDS), as botocore fetches them:
//  - IMDSv2: PUT /latest/api/token with X-aws-ec2-metadata-token-ttl-seconds
//    (6 hours), the token reused until shortly before its TTL ends, sent as
//    X-aws-ec2-metadata-token; a 401 drops it and the request is made once
//    more with a new one;
//  - then GET /latest/meta-data/iam/security-credentials/ (the role name)
//    and .../<role> ({"Code": "Success", "AccessKeyId", ...});
//  - IMDSv1 (no token) only where botocore falls back to it: the token PUT
//    answered 403, 404 or 405, and AWS_EC2_METADATA_V1_DISABLED /
//    ec2_metadata_v1_disabled is not true.
// Endpoint: AWS_EC2_METADATA_SERVICE_ENDPOINT, the profile's
// ec2_metadata_service_endpoint, else http://169.254.169.254 (or
// http://[fd00:ec2::254] with endpoint mode IPv6). Timeouts: 1 s and one
// attempt, as botocore (AWS_METADATA_SERVICE_TIMEOUT,
// AWS_METADATA_SERVICE_NUM_ATTEMPTS), so a machine without IMDS is not slowed
// down. AWS_EC2_METADATA_DISABLED=true turns it off.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "auth/aws/aws_credentials_provider.hpp"
#include "auth/aws/aws_profile.hpp"
#include "http/http.hpp"

namespace cloudsync::auth {

struct InstanceMetadataOptions {
  std::string endpoint = "http://169.254.169.254";
  std::chrono::milliseconds timeout{1'000};
  uint32_t attempts = 1;
  bool v1_fallback = true;
  std::chrono::seconds token_ttl{21'600};
};

/// The settings `env` and `profile` give; nullopt when IMDS is disabled.
Result<std::optional<InstanceMetadataOptions>> instance_metadata_options_from(const AwsEnvironment& env,
                                                                              const AwsProfile& profile);

/// `transport` null: a curl transport with `client` and IMDS's short timeouts.
std::unique_ptr<AwsCredentialsSource> make_instance_metadata_source(InstanceMetadataOptions options,
                                                                    std::shared_ptr<http::Transport> transport,
                                                                    const http::ClientOptions& client);

}  // namespace cloudsync::auth
