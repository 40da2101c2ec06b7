#include "backends/s3/s3_config.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "auth/aws/aws_credential_chain.hpp"
#include "core/ascii.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/redact.hpp"
#include "core/time.hpp"

namespace cloudsync::s3 {

namespace {

bool ends_with_label(std::string_view host, std::string_view suffix) {
  return host == suffix.substr(1) || (host.size() > suffix.size() && host.ends_with(suffix));
}

}  // namespace

Environment process_environment() { return auth::process_aws_environment(); }

std::string_view provider_name(S3Provider provider) {
  switch (provider) {
    case S3Provider::Auto: return "auto";
    case S3Provider::Aws: return "aws";
    case S3Provider::Minio: return "minio";
    case S3Provider::Ceph: return "ceph";
    case S3Provider::R2: return "r2";
    case S3Provider::Gcs: return "gcs";
    case S3Provider::Other: return "other";
  }
  return "other";
}

S3Provider provider_for_host(std::string_view host) {
  std::string h = ascii_lower(host);
  if (ends_with_label(h, ".amazonaws.com") || ends_with_label(h, ".amazonaws.com.cn")) return S3Provider::Aws;
  if (ends_with_label(h, ".r2.cloudflarestorage.com")) return S3Provider::R2;
  if (h == "storage.googleapis.com") return S3Provider::Gcs;
  return S3Provider::Other;
}

bool virtual_host_compatible(std::string_view bucket) {
  if (bucket.size() < 3 || bucket.size() > 63) return false;
  if (bucket.front() == '-' || bucket.back() == '-') return false;
  for (char c : bucket) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

std::string aws_endpoint_for_region(std::string_view region) {
  return fmt::format("https://s3.{}.amazonaws.com", region);
}

Result<S3Config> resolve_s3_config(const S3Options& options, const Environment& env_in, const S3ResolveHooks& hooks) {
  // With use_environment off, nothing outside the options is consulted.
  Environment env = env_in;
  if (!options.use_environment) {
    env.get = [](std::string_view) { return std::optional<std::string>(); };
    env.home.clear();
  }
  S3Config config;
  config.bucket = options.bucket;
  config.prefix = options.prefix;
  if (config.bucket.empty()) return make_error(ErrorCode::InvalidArgument, "S3 needs a bucket name");
  if (config.bucket.find_first_of("/?#% ") != std::string::npos) {
    return make_error(ErrorCode::InvalidArgument, "'{}' is not a valid S3 bucket name", config.bucket);
  }
  // Every secret is registered the moment we hold it, wherever it came from.
  register_secret(options.secret_access_key);
  register_secret(options.session_token);

  CLOUDSYNC_ASSIGN_OR_RETURN(auth::AwsConfigFiles files, auth::load_aws_config_files(env));
  CLOUDSYNC_ASSIGN_OR_RETURN(auth::AwsProfile profile, auth::load_aws_profile(files, env, options.profile));

  // Endpoint first: the provider may follow from its host.
  std::string endpoint = options.endpoint;
  // The SDKs' switch for ignoring every configured endpoint (environment and profile).
  std::string ignore = env.value("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
                           .value_or(profile.setting("ignore_configured_endpoint_urls").value_or(""));
  if (endpoint.empty() && ascii_lower(ignore) != "true") {
    endpoint = env.value("AWS_ENDPOINT_URL_S3").value_or("");
    if (endpoint.empty()) endpoint = env.value("AWS_ENDPOINT_URL").value_or("");
    if (endpoint.empty()) endpoint = profile.setting("s3.endpoint_url").value_or("");
    if (endpoint.empty()) endpoint = profile.setting("endpoint_url").value_or("");
  }

  S3Provider provider = options.provider;
  if (provider == S3Provider::Auto) {
    provider = S3Provider::Aws;
    if (!endpoint.empty()) {
      auto url = http::parse_url(endpoint);
      if (!url.ok()) return url.status().with_context("S3 endpoint");
      provider = provider_for_host(url->host);
    }
  }
  config.provider = provider;

  config.region = options.region;
  if (config.region.empty()) config.region = env.value("AWS_REGION").value_or("");
  if (config.region.empty()) config.region = env.value("AWS_DEFAULT_REGION").value_or("");
  if (config.region.empty()) config.region = profile.setting("region").value_or("");
  if (config.region.empty()) {
    config.region = (provider == S3Provider::R2 || provider == S3Provider::Gcs) ? "auto" : "us-east-1";
  }
  for (char c : config.region) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') {
      return make_error(ErrorCode::InvalidArgument, "'{}' is not an S3 region", config.region);
    }
  }

  if (endpoint.empty()) {
    switch (provider) {
      case S3Provider::Aws:
        endpoint = aws_endpoint_for_region(config.region);
        config.default_endpoint = true;
        break;
      case S3Provider::Gcs: endpoint = "https://storage.googleapis.com"; break;
      default:
        return make_error(ErrorCode::InvalidArgument,
                          "S3 provider '{}' needs an endpoint (e.g. endpoint=https://host:port; for R2 "
                          "https://<account id>.r2.cloudflarestorage.com)",
                          provider_name(provider));
    }
  }
  {
    auto url = http::parse_url(endpoint);
    if (!url.ok()) return url.status().with_context("S3 endpoint");
    if (url->path != "/" || !url->query.empty()) {
      return make_error(ErrorCode::InvalidArgument, "S3 endpoint '{}' must not have a path or query", endpoint);
    }
    config.endpoint = *url;
  }

  std::string style = profile.setting("s3.addressing_style").value_or("auto");  // the AWS CLI's setting
  if (options.path_style) {
    config.path_style = *options.path_style;
  } else if (style == "path" || style == "virtual") {
    config.path_style = style == "path";
  } else {
    // Virtual-host style where AWS wants it; path style for custom endpoints
    // (MinIO and friends usually lack wildcard DNS) and for bucket names that
    // cannot be a DNS label under a wildcard TLS certificate.
    config.path_style = !(provider == S3Provider::Aws && provider_for_host(config.endpoint.host) == S3Provider::Aws &&
                          virtual_host_compatible(config.bucket));
  }
  if (!config.path_style && !virtual_host_compatible(config.bucket) && config.bucket.find('.') != std::string::npos &&
      config.endpoint.scheme == "https") {
    log(LogLevel::Warn, "bucket '{}' has dots: virtual-host addressing over TLS will fail certificate checks",
        config.bucket);
  }

  config.client.verify_tls = options.verify_tls;
  config.client.proxy = options.proxy;
  config.client.ca_bundle = options.ca_bundle;
  if (config.client.ca_bundle.empty()) config.client.ca_bundle = env.value("AWS_CA_BUNDLE").value_or("");
  if (config.client.ca_bundle.empty()) config.client.ca_bundle = profile.setting("ca_bundle").value_or("");

  if (options.anonymous) {
    config.anonymous = true;
    config.credential_source = "anonymous";
  } else {
    auth::AwsCredentialChainOptions chain;
    chain.keys = {options.access_key_id, options.secret_access_key, options.session_token, TimePoint::max()};
    chain.region = config.region;
    chain.client = config.client;
    chain.transport = hooks.credentials_transport;
    chain.cache = hooks.credentials_cache;
    if (!options.use_environment && options.access_key_id.empty() && options.secret_access_key.empty()) {
      return make_error(ErrorCode::Unauthenticated,
                        "no S3 credentials: give access_key_id and secret_access_key, or anonymous=true");
    }
    CLOUDSYNC_ASSIGN_OR_RETURN(config.credentials, auth::resolve_aws_credential_chain(chain, env, files, profile));
    config.credential_source = config.credentials->describe();
  }

  config.checksum = options.checksum;
  if (config.checksum == S3Checksum::Auto) {
    config.checksum =
        (provider == S3Provider::Aws || provider == S3Provider::Minio) ? S3Checksum::Crc32c : S3Checksum::Md5;
    // Ceph, R2 and GCS are known not to verify it everywhere; of an unknown
    // store we ask the store itself.
    config.learn_checksum = provider == S3Provider::Other;
    config.endpoint_facts = options.endpoint_facts ? options.endpoint_facts : process_endpoint_facts();
  }
  config.sign_payload = options.sign_payload;
  config.conditional_writes = options.conditional_writes.value_or(
      provider == S3Provider::Aws || provider == S3Provider::Minio || provider == S3Provider::R2);

  config.min_part_size = options.min_part_size ? options.min_part_size : kMinPartSize;
  config.part_size = options.part_size ? options.part_size : kDefaultPartSize;
  config.multipart_threshold = options.multipart_threshold ? options.multipart_threshold : kDefaultThreshold;
  if (config.part_size < config.min_part_size || config.part_size > kMaxPartSize) {
    return make_error(ErrorCode::InvalidArgument, "S3 part_size must be between {} and {} bytes, not {}",
                      config.min_part_size, kMaxPartSize, config.part_size);
  }
  if (config.multipart_threshold < config.min_part_size) {
    return make_error(ErrorCode::InvalidArgument, "S3 multipart_threshold must be at least min_part_size ({} bytes)",
                      config.min_part_size);
  }

  config.retry.max_attempts = std::max<uint32_t>(options.max_attempts, 1);
  config.clock = [] { return now_utc(); };
  return config;
}

}  // namespace cloudsync::s3
