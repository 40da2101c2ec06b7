#include "auth/aws/aws_container_credentials.hpp"

#include "core/ascii.hpp"
#include "core/error.hpp"
#include "core/file_io.hpp"
#include "core/redact.hpp"

namespace cloudsync::auth {

namespace {

constexpr size_t kMaxAuthorizationTokenFileBytes = 64 * 1024;

bool allowed_container_host(std::string_view host) {
  if (host.starts_with("[") && host.ends_with("]")) host = host.substr(1, host.size() - 2);
  if (host == "localhost" || host == "::1" || host.starts_with("127.")) return true;
  return host == "169.254.170.2" || host == "169.254.170.23" || ascii_lower(host) == "fd00:ec2::23";
}

class ContainerSource final : public AwsCredentialsSource {
 public:
  ContainerSource(ContainerEndpoint endpoint, AwsHttpSettings http)
      : endpoint_(std::move(endpoint)), http_(std::move(http)) {}

  Result<AwsCredentials> fetch(const OpContext& ctx, TimePoint /*now*/) override {
    std::string token = endpoint_.authorization_token;
    if (!endpoint_.authorization_token_file.empty()) {
      Result<std::string> text = read_small_file(endpoint_.authorization_token_file, kMaxAuthorizationTokenFileBytes);
      if (!text.ok()) {
        return text.status().with_context(fmt::format("{}: cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE {}",
                                                      endpoint_.description,
                                                      endpoint_.authorization_token_file.string()));
      }
      token = std::string(trim(*text));
    }
    register_secret(token);
    if (token.find_first_of("\r\n") != std::string::npos) {
      return make_error(ErrorCode::InvalidArgument, "{}: the authorization token has a line break",
                        endpoint_.description);
    }
    http::Call call;
    call.url = endpoint_.url;
    call.headers.set("Accept", "application/json");
    if (!token.empty()) call.headers.set("Authorization", token);
    call.what = "GET " + redact_url(endpoint_.url);
    call.authorize = false;
    Result<http::Response> answer = send_credentials_request(http_, call, nullptr, ctx);
    if (!answer.ok()) return answer.status().with_context(endpoint_.description);
    return credentials_from_json(answer->body, CredentialFields{}, nullptr, endpoint_.description);
  }
  std::string describe() const override { return endpoint_.description; }

 private:
  ContainerEndpoint endpoint_;
  AwsHttpSettings http_;
};

}  // namespace

Result<std::optional<ContainerEndpoint>> container_endpoint_from(const AwsEnvironment& env) {
  ContainerEndpoint endpoint;
  if (auto relative = env.value("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
    endpoint.url = std::string(kEcsCredentialsHost) + (relative->starts_with("/") ? "" : "/") + *relative;
    endpoint.description = "container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI)";
  } else if (auto full = env.value("AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
    Result<http::Url> url = http::parse_url(*full);
    if (!url.ok() || (url->scheme != "http" && url->scheme != "https")) {
      return make_error(ErrorCode::InvalidArgument, "AWS_CONTAINER_CREDENTIALS_FULL_URI '{}' is not an http(s) URL",
                        redact_url(*full));
    }
    if (!allowed_container_host(url->host)) {
      return make_error(ErrorCode::InvalidArgument,
                        "AWS_CONTAINER_CREDENTIALS_FULL_URI may only point at a loopback address or the container "
                        "agent (169.254.170.2, 169.254.170.23, fd00:ec2::23), not '{}'",
                        url->host);
    }
    endpoint.url = *full;
    endpoint.description = "container credentials (AWS_CONTAINER_CREDENTIALS_FULL_URI)";
  } else {
    return std::optional<ContainerEndpoint>();
  }
  if (auto file = env.value("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
    endpoint.authorization_token_file = *file;
  } else if (auto token = env.value("AWS_CONTAINER_AUTHORIZATION_TOKEN")) {
    register_secret(*token);
    endpoint.authorization_token = *token;
  }
  return std::optional<ContainerEndpoint>(std::move(endpoint));
}

std::unique_ptr<AwsCredentialsSource> make_container_source(ContainerEndpoint endpoint, AwsHttpSettings http) {
  return std::make_unique<ContainerSource>(std::move(endpoint), std::move(http));
}

}  // namespace cloudsync::auth
