// The public entry points of the S3 backend (cloudsync/backends/s3.hpp), and
// its option table: the string options s3:// URLs take.
#include "backends/option_spec.hpp"
#include "backends/provider.hpp"
#include "backends/s3/s3_backend.hpp"
#include "backends/s3/s3_config.hpp"
#include "cloudsync/backends/s3.hpp"
#include "core/error.hpp"

namespace cloudsync {

Result<S3Provider> parse_s3_provider(std::string_view text) {
  for (S3Provider p : {S3Provider::Auto, S3Provider::Aws, S3Provider::Minio, S3Provider::Ceph, S3Provider::R2,
                       S3Provider::Gcs, S3Provider::Other}) {
    if (text == s3::provider_name(p)) return p;
  }
  return make_error(ErrorCode::InvalidArgument, "unknown S3 provider '{}' (auto, aws, minio, ceph, r2, gcs, other)",
                    text);
}

Result<S3Checksum> parse_s3_checksum(std::string_view text) {
  if (text == "auto") return S3Checksum::Auto;
  if (text == "md5") return S3Checksum::Md5;
  if (text == "crc32c") return S3Checksum::Crc32c;
  if (text == "none") return S3Checksum::None;
  return make_error(ErrorCode::InvalidArgument, "unknown S3 checksum '{}' (auto, md5, crc32c, none)", text);
}

Result<std::shared_ptr<StorageBackend>> make_s3_backend(S3Options options) {
  CLOUDSYNC_ASSIGN_OR_RETURN(s3::S3Config config, s3::resolve_s3_config(options, s3::process_environment()));
  std::string prefix = config.prefix;
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  CLOUDSYNC_ASSIGN_OR_RETURN(Path scope, Path::parse(prefix));
  // The prefix adapter lowers max_key_bytes by the prefix it adds.
  if (scope.str().size() + 1 >= s3::kMaxKeyBytes) {
    return make_error(ErrorCode::InvalidArgument, "S3 prefix '{}' leaves no room for keys", prefix);
  }
  std::shared_ptr<StorageBackend> bucket = s3::make_s3_bucket_backend(std::move(config));
  return make_prefixed_backend(std::move(bucket), std::move(scope));
}

}  // namespace cloudsync

namespace cloudsync::backends {

namespace {

constexpr std::string_view kProviders[] = {"auto", "aws", "minio", "ceph", "r2", "gcs", "other"};
constexpr std::string_view kChecksums[] = {"auto", "md5", "crc32c", "none"};
constexpr std::string_view kAddressingStyles[] = {"auto", "path", "virtual"};

constexpr OptionSpec<S3Options> kS3Options[] = {
    {.name = "provider",
     .target = EnumTarget<S3Options>{[](S3Options& o, std::string_view v) -> Status {
       CLOUDSYNC_ASSIGN_OR_RETURN(o.provider, parse_s3_provider(v));
       return Status::OK();
     }},
     .help = "the store on the other end; decides checksums, conditional writes, addressing, region and endpoint "
             "(auto: from the endpoint's host)",
     .default_text = "auto",
     .choices = kProviders},
    {.name = "region",
     .target = &S3Options::region,
     .help = "empty: AWS_REGION, AWS_DEFAULT_REGION, the profile's region, else auto for R2 and GCS, us-east-1"},
    {.name = "endpoint",
     .target = &S3Options::endpoint,
     .help = "https://host[:port]; empty: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the profile's endpoint_url, else "
             "AWS's or GCS's (MinIO, Ceph, R2 and other need one)"},
    {.name = "addressing_style",
     .target = EnumTarget<S3Options>{[](S3Options& o, std::string_view v) -> Status {
       if (v != "auto") o.path_style = v == "path";
       return Status::OK();
     }},
     .help = "path: https://host/bucket/key, virtual: https://bucket.host/key (auto: virtual for AWS endpoints and "
             "DNS-safe bucket names)",
     .default_text = "auto",
     .choices = kAddressingStyles},
    {.name = "access_key_id",
     .target = &S3Options::access_key_id,
     .help = "the access key's ID (empty: the AWS credential chain: AWS_ACCESS_KEY_ID, the profile's keys, "
             "role_arn, SSO or credential_process, web identity, the container endpoint, instance metadata)"},
    {.name = "secret_access_key",
     .target = &S3Options::secret_access_key,
     .help = "the access key's secret",
     .secret = true},
    {.name = "session_token",
     .target = &S3Options::session_token,
     .help = "temporary credentials' session token",
     .secret = true},
    {.name = "profile",
     .target = &S3Options::profile,
     .help = "profile of ~/.aws/credentials and ~/.aws/config (empty: AWS_PROFILE, else default); skips the "
             "AWS_* keys; may assume a role (role_arn), use SSO or a credential_process"},
    {.name = "anonymous", .target = &S3Options::anonymous, .help = "send unsigned requests (public buckets)"},
    {.name = "use_environment",
     .target = &S3Options::use_environment,
     .help = "read AWS_* environment variables and the shared config files"},
    {.name = "checksum",
     .target = EnumTarget<S3Options>{[](S3Options& o, std::string_view v) -> Status {
       CLOUDSYNC_ASSIGN_OR_RETURN(o.checksum, parse_s3_checksum(v));
       return Status::OK();
     }},
     .help = "integrity header sent with uploads (auto: CRC32C for AWS and MinIO, MD5 for Ceph, R2 and GCS; "
             "other stores are asked once whether they verify CRC32C, and the answer is remembered)",
     .default_text = "auto",
     .choices = kChecksums},
    {.name = "sign_payload",
     .target = &S3Options::sign_payload,
     .help = "sign payloads with their SHA-256 instead of UNSIGNED-PAYLOAD"},
    {.name = "conditional_writes",
     .target = &S3Options::conditional_writes,
     .help = "If-None-Match / If-Match on writes (auto: AWS, MinIO and R2 yes, others no)"},
    {.name = "part_size",
     .target = &S3Options::part_size,
     .help = "multipart part size, grown to stay within 10,000 parts",
     .default_text = "8MiB"},
    {.name = "multipart_threshold",
     .target = &S3Options::multipart_threshold,
     .help = "objects at least this large are uploaded in parts",
     .default_text = "32MiB"},
    {.name = "min_part_size",
     .target = &S3Options::min_part_size,
     .help = "smallest part (S3's limit); lower only for stores that allow it",
     .default_text = "5MiB"},
    {.name = "ca_bundle",
     .target = &S3Options::ca_bundle,
     .help = "PEM file of trusted CAs (empty: AWS_CA_BUNDLE, the profile's, else the system store)"},
    {.name = "proxy", .target = &S3Options::proxy, .help = "HTTP proxy URL (empty: the *_proxy variables)"},
    {.name = "verify_tls", .target = &S3Options::verify_tls, .help = "verify the server's TLS certificate"},
    {.name = "max_attempts",
     .target = &S3Options::max_attempts,
     .help = "attempts per request, the first included",
     .min = 1,
     .max = 100},
};

// s3://bucket[/prefix]
Result<std::shared_ptr<StorageBackend>> open_s3_url(const StorageUrl& url, const BackendOptions& options,
                                                    const BackendOpenContext& context) {
  S3Options s3;
  s3.endpoint_facts = context.endpoint_facts;
  s3.bucket = url.root;
  s3.prefix = url.path;
  CLOUDSYNC_RETURN_IF_ERROR(apply_options(kS3Options, "s3", options, s3));
  if (s3.bucket.empty()) return make_error(ErrorCode::InvalidArgument, "S3 URLs are s3://bucket[/prefix]");
  return make_s3_backend(std::move(s3));
}

}  // namespace

const ProviderEntry& s3_provider() {
  static constexpr ProviderEntry kEntry{
      .scheme = "s3",
      .url_form = "s3://bucket/prefix",
      .title = "Amazon S3 and S3-compatible stores (MinIO, Ceph RGW, Cloudflare R2, GCS interoperability)",
      .describe = [] { return describe_options<S3Options>(kS3Options); },
      .open = open_s3_url};
  return kEntry;
}

}  // namespace cloudsync::backends
