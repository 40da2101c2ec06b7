#include "auth/aws/aws_instance_metadata.hpp"

#include <charconv>

#include "auth/aws/aws_credentials_http.hpp"
#include "core/ascii.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/redact.hpp"

namespace cloudsync::auth {

namespace {

constexpr std::string_view kTokenPath = "/latest/api/token";
constexpr std::string_view kRolesPath = "/latest/meta-data/iam/security-credentials/";
constexpr std::string_view kTokenHeader = "X-aws-ec2-metadata-token";
// A token is replaced this long before its TTL ends.
constexpr std::chrono::seconds kTokenMargin{60};

bool is_true(const std::optional<std::string>& v) { return v && ascii_lower(*v) == "true"; }

class InstanceMetadataSource final : public AwsCredentialsSource {
 public:
  InstanceMetadataSource(InstanceMetadataOptions options, std::shared_ptr<http::Transport> transport)
      : options_(std::move(options)) {
    while (options_.endpoint.ends_with("/")) options_.endpoint.pop_back();
    http_.transport = std::move(transport);
    http_.retry = aws_credentials_retry_policy();
    http_.retry.max_attempts = std::max<uint32_t>(options_.attempts, 1);
  }

  Result<AwsCredentials> fetch(const OpContext& ctx, TimePoint /*now*/) override {
    Result<AwsCredentials> out = fetch_credentials(ctx);
    if (!out.ok()) return out.status().with_context(describe());
    return out;
  }
  std::string describe() const override { return "EC2 instance metadata at " + options_.endpoint; }

 private:
  // The session token; empty when IMDSv1 is in use. Fetches run one at a
  // time (the cache is single-flight), so no lock.
  Result<std::string> session_token(const OpContext& ctx) {
    auto now = std::chrono::steady_clock::now();
    if (!token_.empty() && now < token_valid_until_) return token_;
    token_.clear();
    http::Call put;
    put.method = "PUT";
    put.url = options_.endpoint + std::string(kTokenPath);
    put.headers.set("X-aws-ec2-metadata-token-ttl-seconds", std::to_string(options_.token_ttl.count()));
    put.what = "PUT " + put.url;
    put.authorize = false;
    Result<http::Response> answer = send_credentials_request(http_, put, nullptr, ctx);
    if (!answer.ok()) {
      const int status = answer.status().http_status();
      if (options_.v1_fallback && (status == 403 || status == 404 || status == 405)) {
        log(LogLevel::Debug, "{}: no IMDSv2 token (HTTP {}); using IMDSv1", describe(), status);
        return std::string();
      }
      return answer.status();
    }
    token_ = std::string(trim(answer->body));
    register_secret(token_);
    if (token_.empty()) return make_error(ErrorCode::BadResponse, "{}: an empty session token", put.what);
    token_valid_until_ = now + options_.token_ttl - std::min(options_.token_ttl / 2, kTokenMargin);
    return token_;
  }

  Result<http::Response> get(const std::string& path, const OpContext& ctx) {
    for (int round = 0;; ++round) {
      CLOUDSYNC_ASSIGN_OR_RETURN(std::string token, session_token(ctx));
      http::Call call;
      call.url = options_.endpoint + path;
      if (!token.empty()) call.headers.set(kTokenHeader, token);
      call.what = "GET " + call.url;
      call.authorize = false;
      Result<http::Response> answer = send_credentials_request(http_, call, nullptr, ctx);
      // A 401: the session token expired early (IMDS restarted): once more with a new one.
      if (!answer.ok() && round == 0 && answer.status().http_status() == 401 && !token.empty()) {
        token_.clear();
        continue;
      }
      return answer;
    }
  }

  Result<AwsCredentials> fetch_credentials(const OpContext& ctx) {
    Result<http::Response> roles = get(std::string(kRolesPath), ctx);
    if (!roles.ok()) {
      if (roles.status().http_status() == 404) {
        return make_error(ErrorCode::Unauthenticated, "the instance has no IAM role attached");
      }
      return roles.status();
    }
    std::string_view role = trim(roles->body);
    role = trim(role.substr(0, role.find('\n')));
    if (role.empty()) return make_error(ErrorCode::Unauthenticated, "the instance has no IAM role attached");
    CLOUDSYNC_ASSIGN_OR_RETURN(http::Response answer, get(std::string(kRolesPath) + std::string(role), ctx));
    return credentials_from_json(answer.body, CredentialFields{}, nullptr,
                                 "instance metadata role '" + std::string(role) + "'");
  }

  InstanceMetadataOptions options_;
  AwsHttpSettings http_;
  std::string token_;
  std::chrono::steady_clock::time_point token_valid_until_{};
};

}  // namespace

Result<std::optional<InstanceMetadataOptions>> instance_metadata_options_from(const AwsEnvironment& env,
                                                                              const AwsProfile& profile) {
  if (is_true(env.value("AWS_EC2_METADATA_DISABLED"))) return std::optional<InstanceMetadataOptions>();
  InstanceMetadataOptions options;
  std::string mode = ascii_lower(env.value("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE")
                                     .value_or(profile.setting("ec2_metadata_service_endpoint_mode").value_or("")));
  if (mode == "ipv6") options.endpoint = "http://[fd00:ec2::254]";
  if (auto endpoint = env.value("AWS_EC2_METADATA_SERVICE_ENDPOINT")) {
    options.endpoint = *endpoint;
  } else if (auto configured = profile.setting("ec2_metadata_service_endpoint")) {
    options.endpoint = *configured;
  }
  Result<http::Url> url = http::parse_url(options.endpoint);
  if (!url.ok() || (url->scheme != "http" && url->scheme != "https")) {
    return make_error(ErrorCode::InvalidArgument, "the instance metadata endpoint '{}' is not an http(s) URL",
                      options.endpoint);
  }
  auto number = [&](std::string_view var, std::string_view setting) -> Result<std::optional<int64_t>> {
    std::optional<std::string> text = env.value(var);
    if (!text) text = profile.setting(std::string(setting));
    if (!text) return std::optional<int64_t>();
    int64_t value = 0;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec != std::errc() || end != text->data() + text->size() || value < 1 || value > 3600) {
      return make_error(ErrorCode::InvalidArgument, "{} must be a whole number from 1 to 3600, not '{}'", var, *text);
    }
    return std::optional<int64_t>(value);
  };
  CLOUDSYNC_ASSIGN_OR_RETURN(auto timeout, number("AWS_METADATA_SERVICE_TIMEOUT", "metadata_service_timeout"));
  if (timeout) options.timeout = std::chrono::seconds(*timeout);
  CLOUDSYNC_ASSIGN_OR_RETURN(auto attempts,
                             number("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "metadata_service_num_attempts"));
  if (attempts) options.attempts = static_cast<uint32_t>(*attempts);
  std::optional<std::string> v1_disabled = env.value("AWS_EC2_METADATA_V1_DISABLED");
  if (!v1_disabled) v1_disabled = profile.setting("ec2_metadata_v1_disabled");
  options.v1_fallback = !is_true(v1_disabled);
  return std::optional<InstanceMetadataOptions>(std::move(options));
}

std::unique_ptr<AwsCredentialsSource> make_instance_metadata_source(InstanceMetadataOptions options,
                                                                    std::shared_ptr<http::Transport> transport,
                                                                    const http::ClientOptions& client) {
  if (!transport) {
    http::ClientOptions imds = client;
    imds.connect_timeout = options.timeout;
    imds.low_speed_time = std::chrono::duration_cast<std::chrono::seconds>(options.timeout) + std::chrono::seconds(1);
    transport = http::make_curl_transport(imds);
  }
  return std::make_unique<InstanceMetadataSource>(std::move(options), std::move(transport));
}

}  // namespace cloudsync::auth
