// Azure Blob Storage credentials from configuration: connection strings, a
// SAS token or URL, or an account name and key, given explicitly or through
// the environment variables the Azure CLI reads; else Microsoft Entra ID
// bearer tokens (entra_credential.hpp).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "auth/azure/entra_credential.hpp"
#include "auth/azure/env_lookup.hpp"
#include "auth/azure/sas.hpp"
#include "auth/oauth/token_provider.hpp"
#include "cloudsync/status.hpp"

namespace cloudsync::auth {

/// Azurite's (and the older storage emulator's) well-known development account.
/// Microsoft publishes this key; it is not a secret.
inline constexpr std::string_view kAzuriteAccount = "devstoreaccount1";
inline constexpr std::string_view kAzuriteAccountKey =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
inline constexpr std::string_view kAzuriteBlobEndpoint = "http://127.0.0.1:10000/devstoreaccount1";

/// Everything the Azure backend needs to address and authorise requests.
/// Exactly one of account_key, sas and bearer is set.
struct AzureCredentials {
  /// Storage account name. Always set with an account key; with a SAS it is
  /// empty when the endpoint does not reveal it (a custom domain).
  std::string account;
  /// Base URL that "/<container>/<blob>" is appended to, without a trailing
  /// '/': "https://acct.blob.core.windows.net", or with path_style
  /// "http://127.0.0.1:10000/devstoreaccount1".
  std::string blob_endpoint;
  /// The account is the endpoint's first path segment (Azurite, Azure Stack,
  /// IP endpoints) rather than part of the host name.
  bool path_style = false;
  std::string account_key;  ///< base64, for SharedKey signing; registered as a secret
  std::optional<AzureSasToken> sas;
  /// Microsoft Entra ID tokens for https://storage.azure.com (cached and
  /// refreshed before they expire).
  std::shared_ptr<TokenProvider> bearer;
  /// The container a SAS URL named (container SAS URLs are a common input); else empty.
  std::string container;
};

/// Parses an AZURE_STORAGE_CONNECTION_STRING-style "Name=Value;..." string.
/// Names are case-insensitive; values may contain '='. Understood:
/// DefaultEndpointsProtocol (https by default), AccountName, AccountKey,
/// SharedAccessSignature, BlobEndpoint, EndpointSuffix (core.windows.net by
/// default), UseDevelopmentStorage=true (Azurite on 127.0.0.1:10000, optionally
/// with DevelopmentStorageProxyUri); Queue/Table/FileEndpoint are ignored.
/// InvalidArgument naming the faulty setting, never echoing a key or signature.
Result<AzureCredentials> parse_connection_string(std::string_view text);

/// What a user can configure for an Azure integration. Empty fields are unset.
struct AzureAuthSettings {
  std::string connection_string;
  std::string account;
  std::string account_key;
  std::string sas;       ///< a SAS token, or a SAS URL (which also gives the endpoint)
  std::string endpoint;  ///< blob endpoint override (Azurite, sovereign clouds, private endpoints)
  /// Empty: the resolution order of resolve_azure_credentials(). Else an
  /// Entra method name (parse_entra_method()): only that one is used.
  std::string credential;
  EntraSettings entra;  ///< its `method` is set from `credential`
};

/// How Entra tokens are fetched and cached.
struct AzureTokenContext {
  /// For the Entra and App Service endpoints; null: a curl transport with `client`.
  std::shared_ptr<http::Transport> transport;
  http::ClientOptions client;        ///< TLS and proxy settings (the IMDS gets its own transport)
  std::function<TimePoint()> clock;  ///< the token cache's clock; empty: the system clock
};

/// Resolves credentials, first found wins:
///  1. the settings' connection string (which excludes the other fields), or
///     account key, or SAS;
///  2. the environment's (the Azure CLI's names): AZURE_STORAGE_CONNECTION_STRING
///     (when the settings name no account or endpoint), else AZURE_STORAGE_KEY
///     or AZURE_STORAGE_SAS_TOKEN, for the settings' account or else
///     AZURE_STORAGE_ACCOUNT;
///  3. Microsoft Entra ID (make_entra_source(), the DefaultAzureCredential
///     chain unless `credential` names a method), for the settings' account
///     or endpoint, else AZURE_STORAGE_ACCOUNT.
/// With `credential` set, steps 1 and 2 are skipped and keys in the settings
/// are an error. A key and a SAS together are rejected as ambiguous. Nothing
/// is fetched here: Entra tokens are asked for at the first request.
Result<AzureCredentials> resolve_azure_credentials(const AzureAuthSettings& settings, const EnvLookup& env,
                                                   const AzureTokenContext& tokens = {});

}  // namespace cloudsync::auth
