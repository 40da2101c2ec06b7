#include "auth/google/metadata_server.hpp"

#include <algorithm>
#include <cstdlib>
#include <initializer_list>

#include "core/ascii.hpp"
#include "core/environment.hpp"
#include "core/error.hpp"
#include "core/url.hpp"

namespace cloudsync::auth {
namespace {

constexpr std::string_view kDefaultHost = "metadata.google.internal";
constexpr std::string_view kDefaultDetectHost = "169.254.169.254";
constexpr std::string_view kTokenPath = "/computeMetadata/v1/instance/service-accounts/default/token";

std::string first_set(std::initializer_list<std::string> candidates, std::string_view fallback) {
  for (const std::string& candidate : candidates) {
    if (!candidate.empty()) return candidate;
  }
  return std::string(fallback);
}

bool is_google_metadata(const http::Response& answer) {
  std::optional<std::string_view> flavor = answer.headers.get("Metadata-Flavor");
  return flavor && iequals(*flavor, "Google");
}

class MetadataSource final : public TokenSource {
 public:
  explicit MetadataSource(TokenEndpointOptions endpoint) : endpoint_(std::move(endpoint)) {}

  Result<AccessToken> fetch(const OpContext& ctx, TimePoint now) override {
    TokenRequest request;
    request.method = "GET";
    request.headers.set("Metadata-Flavor", "Google");
    request.parse_answer = [](const http::Response& answer, TimePoint at,
                              std::string_view what) -> Result<AccessToken> {
      if (!is_google_metadata(answer)) {
        return make_error(ErrorCode::BadResponse,
                          "{}: the answer lacks Metadata-Flavor: Google (not a GCE metadata server)", what);
      }
      return parse_token_answer(answer, at, what);
    };
    return request_token(endpoint_, request, now, ctx);
  }
  std::string describe() const override { return "the GCE metadata server's default service account"; }

 private:
  const TokenEndpointOptions endpoint_;
};

}  // namespace

std::string metadata_detection_host(const MetadataServerOptions& options) {
  return first_set(
      {options.detect_host, environment_variable("GCE_METADATA_IP").value_or(""),
       environment_variable("GCE_METADATA_HOST").value_or(""), environment_variable("GCE_METADATA_ROOT").value_or("")},
      kDefaultDetectHost);
}

std::string metadata_server_host(const MetadataServerOptions& options) {
  return first_set({options.host, environment_variable("GCE_METADATA_HOST").value_or(""),
                    environment_variable("GCE_METADATA_ROOT").value_or("")},
                   kDefaultHost);
}

Status detect_metadata_server(const MetadataServerOptions& options, const OpContext& ctx) {
  http::ClientOptions client;
  client.bypass_proxy = true;
  client.connect_timeout = options.detect_timeout;
  // A server that accepts but never answers is cut off by the stall detector.
  client.low_speed_time =
      std::max(std::chrono::seconds(1), std::chrono::ceil<std::chrono::seconds>(options.detect_timeout));
  std::shared_ptr<http::Transport> transport = http::make_curl_transport(client);
  const std::string host = metadata_detection_host(options);
  http::Request request;
  request.url = "http://" + host + "/";
  request.headers.set("Metadata-Flavor", "Google");
  Result<http::Response> answer = transport->send(request, nullptr, ctx);
  if (!answer.ok()) return answer.status().with_context(fmt::format("no metadata server at {}", host));
  if (!is_google_metadata(*answer)) {
    return make_error(ErrorCode::BadResponse, "{} answered HTTP {} without Metadata-Flavor: Google", host,
                      answer->status);
  }
  return Status::OK();
}

Result<std::unique_ptr<TokenSource>> make_metadata_server_source(const MetadataServerOptions& options,
                                                                 const GoogleAuthSettings& settings) {
  std::string scopes;
  for (const std::string& scope : settings.scopes) {
    if (!scopes.empty()) scopes += ',';
    scopes += scope;
  }
  std::string url = "http://" + metadata_server_host(options) + std::string(kTokenPath);
  if (!scopes.empty()) url += "?scopes=" + percent_encode(scopes);
  TokenEndpointOptions endpoint;
  endpoint.retry = settings.retry;
  http::ClientOptions direct;
  direct.bypass_proxy = true;
  endpoint.transport = http::make_curl_transport(direct);
  CLOUDSYNC_ASSIGN_OR_RETURN(endpoint, resolve_token_endpoint(std::move(endpoint), url));
  return std::unique_ptr<TokenSource>(std::make_unique<MetadataSource>(std::move(endpoint)));
}

}  // namespace cloudsync::auth
