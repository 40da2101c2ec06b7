// The public entry points of the S3 backend (cloudsync/backends/s3.hpp).
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
