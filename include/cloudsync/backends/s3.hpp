// Amazon S3 and S3-compatible stores (MinIO, Ceph RGW, Cloudflare R2, Google
// Cloud Storage through its XML interoperability API) as a StorageBackend.
//
// Configuration is resolved like the AWS SDKs do, first match wins:
//  - credentials: the AWS credential chain, in the order of botocore's
//    credential resolver (which the AWS CLI and boto3 use): the explicit
//    options; AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN),
//    skipped when the `profile` option names a profile (as `aws --profile`);
//    the profile's role_arn with source_profile or credential_source (STS
//    AssumeRole); web identity (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN,
//    or the profile's web_identity_token_file: STS
//    AssumeRoleWithWebIdentity, EKS IRSA); the profile's SSO settings
//    (through the token cache `aws sso login` writes); the profile's keys in
//    the credentials file; its credential_process; its keys in the config
//    file; the ECS/EKS container endpoint (AWS_CONTAINER_CREDENTIALS_*);
//    EC2 instance metadata (IMDSv2; AWS_EC2_METADATA_DISABLED=true skips it).
//    The profile is `profile`, else AWS_PROFILE, else AWS_DEFAULT_PROFILE,
//    else "default"; the files are AWS_SHARED_CREDENTIALS_FILE /
//    AWS_CONFIG_FILE, else ~/.aws/credentials and ~/.aws/config. STS, the SSO
//    portal and instance metadata follow the SDKs' endpoint settings
//    (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL_SSO,
//    AWS_EC2_METADATA_SERVICE_ENDPOINT, ...). Temporary credentials are
//    fetched again five minutes before they expire, and once more when S3
//    refuses them as expired. Nothing is fetched before the first request;
//    a chain that ends at instance metadata reports "no credentials" then.
//    A role is used through a profile (role_arn), as the AWS CLI does: there
//    is no role_arn option. MFA-protected roles (mfa_serial) are not
//    supported.
//  - region: the option; AWS_REGION; AWS_DEFAULT_REGION; the profile's region;
//    "auto" for R2 and GCS, else "us-east-1".
//  - endpoint: the option; AWS_ENDPOINT_URL_S3; AWS_ENDPOINT_URL; the
//    profile's endpoint_url (top level or in an "s3 =" sub-section); else
//    https://s3.<region>.amazonaws.com for AWS and https://storage.googleapis.com
//    for GCS. MinIO, Ceph, R2 and "other" need an endpoint.
//    AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true skips the environment and profile.
//  - addressing: the option; the profile's s3 addressing_style; else
//    virtual-host style for AWS endpoints and DNS-safe bucket names, path
//    style otherwise.
//  - CA bundle: the option; AWS_CA_BUNDLE; the profile's ca_bundle.
// Every secret received is registered for redaction.
//
// Integrity and CPU. Hashing the payload is what an upload spends its CPU on,
// so no byte is hashed twice and known hashes are used first:
//  - a single PUT sends Content-MD5 from PutOptions::known_hashes.md5 and uses
//    a known SHA-256 as the signed payload hash, both for free; only when
//    neither is known does one pre-pass over the source compute the checksum
//    the provider takes (see S3Checksum);
//  - each multipart part gets one pre-pass computing its checksum: CRC32C
//    (hardware-accelerated, x-amz-checksum-crc32c) where the provider supports
//    it, else MD5 (Content-MD5, which every S3 implementation checks); of a
//    store of unknown make the first upload asks which (see S3Checksum::Auto);
//  - otherwise payloads are sent as UNSIGNED-PAYLOAD: the checksum already
//    protects the bytes and TLS protects them in transit, so a SHA-256 of
//    every byte buys nothing. `sign_payload` turns real payload signatures
//    on (the SHA-256 joins the same pre-pass).
// Metadata: the file's mtime in x-amz-meta-mtime ("1700000000.123456789"),
// rclone's convention, which rclone reads too; the whole object's CRC32C in
// x-amz-meta-cloudsync-crc32c (hex) on every write, computed in the pass that
// already reads the source (the transfer layer knows it up front). Downloads
// verify it: a multipart ETag is no MD5, and a whole-file MD5 (1.6 s per GiB
// here, on one core) would cost more than the rest of the transfer. When the
// caller knows the MD5 (or SHA-256), a multipart upload also records it in
// x-amz-meta-md5chksum (base64, rclone's), resp. x-amz-meta-cloudsync-sha256.
// An ETag is reported as an MD5 only when it is one (32 hex digits,
// single-part, not SSE-KMS/SSE-C); md5chksum written by other tools is read.
//
// C++ API: source-stable within a major version, not binary-stable. Use it
// through the static library (cloudsync::cloudsync_static) or add_subdirectory();
// the shared library libcloudsync.so exports the C ABI (cloudsync.h) only.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "cloudsync/backend.hpp"
#include "cloudsync/endpoint_facts.hpp"
#include "cloudsync/export.hpp"

namespace cloudsync {

/// Which implementation is on the other end; decides defaults only (checksum
/// headers, conditional writes, addressing, region, endpoint).
enum class S3Provider { Auto, Aws, Minio, Ceph, R2, Gcs, Other };

/// Integrity headers sent with uploaded data.
enum class S3Checksum {
  /// Per provider: CRC32C for AWS and MinIO, MD5 for Ceph, R2 and GCS. An
  /// endpoint of unknown make (provider "other") is asked once: the first
  /// upload sends x-amz-checksum-crc32c beside Content-MD5, and the answer
  /// decides: CRC32C from then on when it echoes the checksum (the store
  /// verified it), MD5 when it does not, or refuses the header (that upload
  /// is sent again at once with Content-MD5 alone). The answer is kept in
  /// S3Options::endpoint_facts.
  Auto,
  Md5,     ///< Content-MD5 (universal)
  Crc32c,  ///< x-amz-checksum-crc32c (AWS, MinIO; not GCS, older Ceph)
  None,    ///< no checksum header (known hashes are still used for free)
};

/// "auto"/"aws"/"minio"/"ceph"/"r2"/"gcs"/"other" and "auto"/"md5"/"crc32c"/"none".
CLOUDSYNC_API Result<S3Provider> parse_s3_provider(std::string_view text);
CLOUDSYNC_API Result<S3Checksum> parse_s3_checksum(std::string_view text);

struct S3Options {
  std::string bucket;  ///< required
  /// Key prefix the backend is scoped to ("a/b": keys appear relative to it).
  std::string prefix;

  S3Provider provider = S3Provider::Auto;  ///< Auto: from the endpoint's host
  std::string region;                      ///< empty: resolved (see above)
  /// "https://host[:port]" or "http://127.0.0.1:9000"; empty: resolved.
  std::string endpoint;
  /// true: https://host/bucket/key; false: https://bucket.host/key; unset:
  /// virtual-host for AWS endpoints and DNS-safe bucket names, else path-style.
  std::optional<bool> path_style;

  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
  std::string profile;     ///< profile of the shared config files
  bool anonymous = false;  ///< unsigned requests (public buckets)
  /// Consult AWS_* environment variables and the shared config files.
  bool use_environment = true;

  S3Checksum checksum = S3Checksum::Auto;
  /// Where what checksum=auto learns about an unknown endpoint is kept (and
  /// found by the next backend on the same endpoint); null: this process's
  /// memory (process_endpoint_facts()). An explicit checksum ignores it.
  std::shared_ptr<EndpointFacts> endpoint_facts;
  /// Sign payloads with their SHA-256 instead of UNSIGNED-PAYLOAD.
  bool sign_payload = false;
  /// Conditional writes (If-None-Match / If-Match on PUT and
  /// CompleteMultipartUpload); unset: AWS, MinIO and R2 yes, others no.
  std::optional<bool> conditional_writes;

  uint64_t part_size = 0;            ///< 0: 8 MiB (grown to stay within 10,000 parts)
  uint64_t multipart_threshold = 0;  ///< 0: 32 MiB
  uint64_t min_part_size = 0;        ///< 0: 5 MiB (S3's limit); lower only for stores that allow it

  // HTTP knobs.
  std::string ca_bundle;  ///< empty: resolved (AWS_CA_BUNDLE, profile), else the system store
  std::string proxy;      ///< empty: the *_proxy environment variables
  bool verify_tls = true;
  /// Attempts per request, the first included (backoff as in the shared retry loop).
  uint32_t max_attempts = 10;
};

/// Opens a bucket (scoped to options.prefix). Fails with InvalidArgument for
/// unusable options and Unauthenticated when no credentials can be found
/// (unless anonymous). Nothing is sent to the store until the first call.
///
/// open_backend("s3://bucket/prefix", options) builds S3Options from the
/// string options that find_backend_provider("s3") lists
/// (cloudsync/backend_options.hpp; `cloudsync providers s3`), with their
/// kinds, defaults and which are secret. Unknown options are an error.
CLOUDSYNC_API Result<std::shared_ptr<StorageBackend>> make_s3_backend(S3Options options);

}  // namespace cloudsync
