// AWS credentials as the SigV4 signer consumes them: a provider hands out the
// credentials for one attempt and replaces those the server rejected.
//
// Implementations: StaticAwsCredentialsProvider (keys that never change: the
// options, the environment, a profile's keys) and CachingAwsCredentialsProvider,
// the shared RefreshingCache (auth/refreshing_cache.hpp) in front of every
// source whose credentials expire (STS, credential_process, SSO, the container
// endpoint, instance metadata). The chain that picks one is aws_credential_chain.hpp.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "auth/aws/sigv4.hpp"
#include "auth/refreshing_cache.hpp"

namespace cloudsync::auth {

/// Credentials' identity in the cache: their access key id (a new session
/// always has a new one).
inline std::string_view cache_identity(const AwsCredentials& credentials) { return credentials.access_key_id; }

/// Thread-safe source of AWS credentials.
class AwsCredentialsProvider {
 public:
  virtual ~AwsCredentialsProvider() = default;
  /// Credentials to sign an attempt with, not about to expire.
  virtual Result<AwsCredentials> credentials(const OpContext& ctx) = 0;
  /// The server refused credentials with access key id `rejected_key_id` as
  /// expired or unknown: other credentials, fetched once however many threads
  /// report them. Unauthenticated when the provider cannot refresh.
  virtual Result<AwsCredentials> refresh(const OpContext& ctx, std::string_view rejected_key_id) = 0;
  /// False for keys that never change (a refresh would return the same).
  virtual bool can_refresh() const = 0;
  /// Where the credentials come from ("environment (AWS_ACCESS_KEY_ID)",
  /// "profile 'x' (role_arn via STS AssumeRole)"), for messages.
  virtual std::string describe() const = 0;
};

/// Keys that never change. Registers the secret and the session token.
class StaticAwsCredentialsProvider final : public AwsCredentialsProvider {
 public:
  StaticAwsCredentialsProvider(AwsCredentials credentials, std::string description);
  Result<AwsCredentials> credentials(const OpContext& ctx) override;
  Result<AwsCredentials> refresh(const OpContext& ctx, std::string_view rejected_key_id) override;
  bool can_refresh() const override { return false; }
  std::string describe() const override { return description_; }

 private:
  AwsCredentials credentials_;
  std::string description_;
};

/// Fetches fresh credentials from an authority every time (no cache).
/// Sources register every secret they receive before returning it.
using AwsCredentialsSource = RefreshingSource<AwsCredentials>;

/// The shared cache in front of `source`. Credentials without an expiration
/// (TimePoint::max()) are kept until the server rejects them.
class CachingAwsCredentialsProvider final : public AwsCredentialsProvider {
 public:
  explicit CachingAwsCredentialsProvider(std::unique_ptr<AwsCredentialsSource> source,
                                         RefreshingCacheOptions options = {});
  Result<AwsCredentials> credentials(const OpContext& ctx) override;
  Result<AwsCredentials> refresh(const OpContext& ctx, std::string_view rejected_key_id) override;
  bool can_refresh() const override { return true; }
  std::string describe() const override { return cache_.describe(); }

 private:
  RefreshingCache<AwsCredentials> cache_;
};

}  // namespace cloudsync::auth
