#include "auth/aws/aws_credentials_provider.hpp"

#include "core/error.hpp"
#include "core/redact.hpp"

namespace cloudsync::auth {

StaticAwsCredentialsProvider::StaticAwsCredentialsProvider(AwsCredentials credentials, std::string description)
    : credentials_(std::move(credentials)), description_(std::move(description)) {
  register_secret(credentials_.secret_access_key);
  register_secret(credentials_.session_token);
}

Result<AwsCredentials> StaticAwsCredentialsProvider::credentials(const OpContext& /*ctx*/) { return credentials_; }

Result<AwsCredentials> StaticAwsCredentialsProvider::refresh(const OpContext& /*ctx*/,
                                                             std::string_view /*rejected_key_id*/) {
  return make_error(ErrorCode::Unauthenticated, "the AWS credentials from {} were rejected and cannot be refreshed",
                    description_);
}

CachingAwsCredentialsProvider::CachingAwsCredentialsProvider(std::unique_ptr<AwsCredentialsSource> source,
                                                             RefreshingCacheOptions options)
    : cache_(std::move(source), std::move(options), "AWS credentials", "AWS credentials") {}

Result<AwsCredentials> CachingAwsCredentialsProvider::credentials(const OpContext& ctx) { return cache_.get(ctx); }

Result<AwsCredentials> CachingAwsCredentialsProvider::refresh(const OpContext& ctx, std::string_view rejected_key_id) {
  return cache_.refresh(ctx, rejected_key_id);
}

}  // namespace cloudsync::auth
