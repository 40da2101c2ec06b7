// Which Microsoft Entra ID credential an Azure integration uses, from its
// options and the environment variables the Azure SDKs read, and the chain
// DefaultAzureCredential tries when none is named.
//
// The chain, in DefaultAzureCredential's order (azure-identity, Python 1.x /
// .NET 1.x; "Credential chains" in learn.microsoft.com/azure/developer/
// python/sdk/authentication/credential-chains), of the members that apply
// outside Windows and a browser:
//   1. EnvironmentCredential: AZURE_TENANT_ID + AZURE_CLIENT_ID with
//      AZURE_CLIENT_SECRET, else with AZURE_CLIENT_CERTIFICATE_PATH
//      (+ AZURE_CLIENT_CERTIFICATE_PASSWORD);
//   2. WorkloadIdentityCredential: AZURE_FEDERATED_TOKEN_FILE with
//      AZURE_TENANT_ID and AZURE_CLIENT_ID;
//   3. ManagedIdentityCredential: IDENTITY_ENDPOINT + IDENTITY_HEADER (App
//      Service), else the IMDS (AZURE_CLIENT_ID picks a user-assigned identity);
//   4. AzureCliCredential: `az account get-access-token`.
// (SharedTokenCache, Visual Studio Code, PowerShell and azd are not tried.)
// Members whose settings are absent are skipped; the others are tried in
// turn until one gives a token, and that one is used from then on. When all
// fail, the message names each member and why. AZURE_AUTHORITY_HOST replaces
// https://login.microsoftonline.com.
#pragma once

#include <memory>
#include <string>

#include "auth/azure/env_lookup.hpp"
#include "auth/oauth/token_cache.hpp"
#include "auth/oauth/token_endpoint.hpp"

namespace cloudsync::auth {

/// The credential=... values.
enum class EntraMethod { Default, ClientSecret, ClientCertificate, WorkloadIdentity, ManagedIdentity, AzureCli };

/// "default", "client_secret", ... -> the method; InvalidArgument otherwise.
Result<EntraMethod> parse_entra_method(std::string_view name);
std::string_view entra_method_name(EntraMethod method);

/// What the options say; empty fields come from the environment.
struct EntraSettings {
  EntraMethod method = EntraMethod::Default;
  std::string tenant_id;                    ///< else AZURE_TENANT_ID
  std::string client_id;                    ///< else AZURE_CLIENT_ID
  std::string client_secret;                ///< else AZURE_CLIENT_SECRET (a secret)
  std::string client_certificate_path;      ///< else AZURE_CLIENT_CERTIFICATE_PATH
  std::string client_certificate_password;  ///< else AZURE_CLIENT_CERTIFICATE_PASSWORD (a secret)
  std::string federated_token_file;         ///< else AZURE_FEDERATED_TOKEN_FILE
  std::string authority_host;               ///< else AZURE_AUTHORITY_HOST, else login.microsoftonline.com
};

/// The token source `settings.method` names (or the chain for Default).
/// `endpoint` carries the transport for Entra and App Service requests;
/// `client` the TLS and proxy settings for the IMDS' own transport.
/// InvalidArgument when a named method lacks what it needs (naming the
/// option and the variable); for Default, Unauthenticated only when no
/// member can be tried at all.
Result<std::unique_ptr<TokenSource>> make_entra_source(const EntraSettings& settings, const EnvLookup& env,
                                                       const TokenEndpointOptions& endpoint,
                                                       const http::ClientOptions& client);

}  // namespace cloudsync::auth
