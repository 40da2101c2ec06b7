// From S3Options (plus the environment and the shared config files) to the
// fully resolved settings an S3 backend runs with. The environment is passed
// in, so resolution is tested without touching the process environment.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "auth/aws/aws_credentials_provider.hpp"
#include "auth/aws/aws_profile.hpp"
#include "cloudsync/backends/s3.hpp"
#include "http/http.hpp"

namespace cloudsync::s3 {

/// Where resolution reads environment variables and finds the home folder.
using Environment = auth::AwsEnvironment;

/// The process environment and $HOME.
Environment process_environment();

struct S3Config {
  std::string bucket;
  std::string prefix;
  S3Provider provider = S3Provider::Other;  ///< never Auto
  std::string region;
  http::Url endpoint;             ///< scheme, host and port; path "/"
  bool default_endpoint = false;  ///< derived from the region (AWS): moves with a region switch
  bool path_style = true;
  bool anonymous = false;
  /// Where each attempt takes its credentials from (the AWS credential
  /// chain); null when anonymous.
  std::shared_ptr<auth::AwsCredentialsProvider> credentials;
  std::string credential_source;          ///< "options", "environment", "profile 'x' (file)" -- for messages
  S3Checksum checksum = S3Checksum::Md5;  ///< never Auto; while learning, what an upload sends when not probing
  /// checksum=auto on an endpoint of unknown make: whether it verifies CRC32C
  /// is found out by the first upload (s3_checksum_learning.hpp).
  bool learn_checksum = false;
  /// Where learned answers are kept (never null when learn_checksum).
  std::shared_ptr<EndpointFacts> endpoint_facts;
  bool sign_payload = false;
  bool conditional_writes = false;
  uint64_t part_size = 0;
  uint64_t multipart_threshold = 0;
  uint64_t min_part_size = 0;
  http::ClientOptions client;
  http::RetryPolicy retry;
  /// Where signing takes the time from (tests move the clock).
  std::function<TimePoint()> clock;
};

inline constexpr uint64_t kMiB = 1024 * 1024;
inline constexpr uint64_t kDefaultPartSize = 8 * kMiB;
inline constexpr uint64_t kDefaultThreshold = 32 * kMiB;
inline constexpr uint64_t kMinPartSize = 5 * kMiB;
inline constexpr uint64_t kMaxPartSize = uint64_t{5} << 30;
inline constexpr uint64_t kMaxSinglePut = uint64_t{5} << 30;
inline constexpr uint32_t kMaxParts = 10'000;
inline constexpr uint32_t kMaxKeyBytes = 1024;

/// What resolution may be given besides the options (tests inject these).
struct S3ResolveHooks {
  /// Null: curl transports for the credential sources (STS, SSO, container, IMDS).
  std::shared_ptr<http::Transport> credentials_transport;
  /// The credential cache's settings (tests inject a clock).
  auth::RefreshingCacheOptions credentials_cache;
};

/// Resolves `options` against `env`. InvalidArgument for unusable options,
/// Unauthenticated when no credentials are found (and not anonymous) without
/// asking a server: when the chain ends at instance metadata, that is known
/// at the first request.
Result<S3Config> resolve_s3_config(const S3Options& options, const Environment& env, const S3ResolveHooks& hooks = {});

/// "aws", "minio", ... (for messages and logs).
std::string_view provider_name(S3Provider provider);

/// The provider an endpoint host suggests: *.amazonaws.com AWS, *.r2.cloudflarestorage.com
/// R2, storage.googleapis.com GCS, anything else Other.
S3Provider provider_for_host(std::string_view host);

/// Bucket names that work as a DNS label under virtual-host addressing over
/// TLS: 3-63 lower-case letters, digits and '-', no dots.
bool virtual_host_compatible(std::string_view bucket);

/// https://s3.<region>.amazonaws.com
std::string aws_endpoint_for_region(std::string_view region);

}  // namespace cloudsync::s3
