// Microsoft Entra ID tokens for an application (a service principal): the
// client credentials grant at {authority}/{tenant}/oauth2/v2.0/token, with a
// client secret, a certificate (an RS256 client assertion) or a federated
// token (workload identity: Kubernetes' projected service-account token,
// re-read at every refresh because the kubelet rotates it). Each is a
// TokenSource for a CachingTokenProvider.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "auth/oauth/jwt.hpp"
#include "auth/oauth/token_cache.hpp"
#include "auth/oauth/token_endpoint.hpp"

namespace cloudsync::auth {

/// The Azure public cloud's authority (AZURE_AUTHORITY_HOST overrides it).
inline constexpr std::string_view kEntraAuthorityHost = "https://login.microsoftonline.com";
/// The scope of Azure Storage's data plane.
inline constexpr std::string_view kStorageScope = "https://storage.azure.com/.default";
/// How long a client assertion is valid (Entra accepts up to 10 minutes' skew).
inline constexpr std::chrono::seconds kClientAssertionLifetime{600};

/// Who asks for tokens.
struct EntraApp {
  std::string authority_host;  ///< empty: kEntraAuthorityHost
  std::string tenant_id;       ///< directory (tenant) ID or domain
  std::string client_id;       ///< application (client) ID
  std::string scope = std::string(kStorageScope);
};

/// "{authority_host}/{tenant_id}/oauth2/v2.0/token". InvalidArgument when the
/// tenant is empty or not a plain name, or the host no http(s) URL.
Result<std::string> entra_token_uri(const EntraApp& app);

/// A certificate of the application with its private key, and the
/// thumbprints Entra matches it by (base64url SHA-1 "x5t" and SHA-256 "x5t#S256").
struct ClientCertificate {
  RsaPrivateKey key;
  std::string x5t;
  std::string x5t_s256;
};

/// Reads a PEM file holding the certificate and its unencrypted RSA private
/// key (either order; what `az ad sp create-for-rbac --create-cert` writes).
/// A non-empty `password` (a PKCS#12 or encrypted key) is Unsupported: convert
/// with `openssl pkcs12 -nodes`. No message contains key material.
Result<ClientCertificate> load_client_certificate(const std::filesystem::path& pem_file, std::string_view password);

/// The client assertion's JOSE header and claims (aud = the token URI, iss =
/// sub = the client ID, a random jti, nbf/iat = `now`, exp = now + 10 min).
std::string client_assertion_header_json(const ClientCertificate& cert);
std::string client_assertion_claims_json(std::string_view client_id, std::string_view token_uri, TimePoint now,
                                         std::string_view jti);

/// Client secret (AZURE_CLIENT_SECRET). The secret is registered for redaction.
Result<std::unique_ptr<TokenSource>> make_client_secret_source(EntraApp app, std::string secret,
                                                               TokenEndpointOptions endpoint);
/// Client certificate (AZURE_CLIENT_CERTIFICATE_PATH).
Result<std::unique_ptr<TokenSource>> make_client_certificate_source(EntraApp app, ClientCertificate cert,
                                                                    TokenEndpointOptions endpoint);
/// Workload identity (AZURE_FEDERATED_TOKEN_FILE): the file is read at every fetch.
Result<std::unique_ptr<TokenSource>> make_workload_identity_source(EntraApp app, std::filesystem::path token_file,
                                                                   TokenEndpointOptions endpoint);

}  // namespace cloudsync::auth
