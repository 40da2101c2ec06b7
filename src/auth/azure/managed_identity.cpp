#include "auth/azure/managed_identity.hpp"

#include <atomic>

#include "core/error.hpp"
#include "core/redact.hpp"
#include "core/url.hpp"

namespace cloudsync::auth {
namespace {

class ManagedIdentitySource final : public TokenSource {
 public:
  ManagedIdentitySource(ManagedIdentityOptions options, TokenEndpointOptions endpoint, http::Headers headers, bool imds)
      : options_(std::move(options)), endpoint_(std::move(endpoint)), headers_(std::move(headers)), imds_(imds) {}

  Result<AccessToken> fetch(const OpContext& ctx, TimePoint now) override {
    TokenRequest request;
    request.method = "GET";
    request.headers = headers_;
    TokenEndpointOptions endpoint = endpoint_;
    // Until the IMDS has answered, one quick attempt: off Azure nothing listens.
    if (imds_ && !reached_.load()) endpoint.retry.max_attempts = 1;
    Result<AccessToken> token = request_token(endpoint, request, now, ctx);
    if (!token.ok()) {
      if (imds_ && !reached_.load() &&
          (token.status().code() == ErrorCode::Network || token.status().code() == ErrorCode::Timeout)) {
        return make_error(token.status().code(), "{}: no instance metadata service answered at {} (not on Azure?)",
                          describe(), options_.imds_host.empty() ? kImdsHost : options_.imds_host);
      }
      return token.status().with_context(describe());
    }
    reached_.store(true);
    return token;
  }

  std::string describe() const override {
    std::string who = options_.client_id.empty() ? "system-assigned" : "user-assigned " + options_.client_id;
    return fmt::format("managed identity ({}, {})", who, imds_ ? "IMDS" : "App Service");
  }

 private:
  const ManagedIdentityOptions options_;
  const TokenEndpointOptions endpoint_;
  const http::Headers headers_;
  const bool imds_;
  std::atomic<bool> reached_{false};
};

}  // namespace

Result<std::unique_ptr<TokenSource>> make_managed_identity_source(ManagedIdentityOptions options,
                                                                  TokenEndpointOptions endpoint,
                                                                  const http::ClientOptions& client) {
  register_secret(options.identity_header);
  const bool app_service = !options.identity_endpoint.empty() && !options.identity_header.empty();
  std::string uri;
  http::Headers headers;
  std::string query = "resource=" + percent_encode(options.resource);
  if (!options.client_id.empty()) query += "&client_id=" + percent_encode(options.client_id);
  if (app_service) {
    uri = options.identity_endpoint + (options.identity_endpoint.find('?') == std::string::npos ? "?" : "&") +
          "api-version=2019-08-01&" + query;
    headers.set("X-IDENTITY-HEADER", options.identity_header);
  } else {
    std::string host = options.imds_host.empty() ? std::string(kImdsHost) : options.imds_host;
    while (!host.empty() && host.back() == '/') host.pop_back();
    uri = host + "/metadata/identity/oauth2/token?api-version=2018-02-01&" + query;
    headers.set("Metadata", "true");
    if (!endpoint.transport) {
      http::ClientOptions quick = client;
      quick.connect_timeout = options.imds_probe_timeout;
      endpoint.transport = http::make_curl_transport(quick);
    }
  }
  endpoint.token_uri.clear();
  CLOUDSYNC_ASSIGN_OR_RETURN(TokenEndpointOptions resolved, resolve_token_endpoint(std::move(endpoint), uri));
  return std::unique_ptr<TokenSource>(std::make_unique<ManagedIdentitySource>(std::move(options), std::move(resolved),
                                                                              std::move(headers), !app_service));
}

}  // namespace cloudsync::auth
