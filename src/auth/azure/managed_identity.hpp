// Azure managed identity tokens, from the endpoint the host provides:
//  - App Service and Functions: IDENTITY_ENDPOINT with the IDENTITY_HEADER
//    secret (api-version 2019-08-01, header X-IDENTITY-HEADER);
//  - elsewhere (VMs, scale sets, AKS): the Instance Metadata Service,
//    http://169.254.169.254/metadata/identity/oauth2/token (api-version
//    2018-02-01, header "Metadata: true"); AZURE_POD_IDENTITY_AUTHORITY_HOST
//    replaces its scheme and host, as in the Azure SDKs.
// Both take `resource` (https://storage.azure.com/) rather than a scope, and
// an optional client_id choosing a user-assigned identity. Their answers give
// expires_on in Unix seconds (request_token reads it).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "auth/oauth/token_cache.hpp"
#include "auth/oauth/token_endpoint.hpp"

namespace cloudsync::auth {

inline constexpr std::string_view kImdsHost = "http://169.254.169.254";
inline constexpr std::string_view kStorageResource = "https://storage.azure.com/";

struct ManagedIdentityOptions {
  /// A user-assigned identity's client ID; empty: the system-assigned one.
  std::string client_id;
  std::string resource = std::string(kStorageResource);
  /// App Service: IDENTITY_ENDPOINT and IDENTITY_HEADER. Used when both are set.
  std::string identity_endpoint;
  std::string identity_header;  ///< a secret
  /// IMDS' scheme and host; empty: kImdsHost.
  std::string imds_host;
  /// The IMDS is on a link-local address that answers at once or not at all:
  /// until it has answered once, one attempt with this connect timeout, so
  /// that a machine outside Azure learns it quickly.
  std::chrono::milliseconds imds_probe_timeout{1000};
};

/// The source for the endpoint `options` select. `endpoint.transport` is
/// used for App Service; the IMDS gets its own with the probe timeout.
Result<std::unique_ptr<TokenSource>> make_managed_identity_source(ManagedIdentityOptions options,
                                                                  TokenEndpointOptions endpoint,
                                                                  const http::ClientOptions& client);

}  // namespace cloudsync::auth
