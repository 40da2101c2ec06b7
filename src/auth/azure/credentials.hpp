// Azure Blob Storage credentials from configuration: connection strings, a
// SAS token or URL, or an account name and key, given explicitly or through
// the environment variables the Azure CLI reads.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "auth/azure/sas.hpp"
#include "cloudsync/status.hpp"

namespace cloudsync::auth {

/// Azurite's (and the older storage emulator's) well-known development account.
/// Microsoft publishes this key; it is not a secret.
inline constexpr std::string_view kAzuriteAccount = "devstoreaccount1";
inline constexpr std::string_view kAzuriteAccountKey =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
inline constexpr std::string_view kAzuriteBlobEndpoint = "http://127.0.0.1:10000/devstoreaccount1";

/// Everything the Azure backend needs to address and authorise requests.
/// Exactly one of account_key and sas is set.
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
};

/// Looks an environment variable up; nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;
/// The process environment.
EnvLookup process_environment();

/// Resolves credentials from `settings` when any field is set, else from the
/// environment: AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_ACCOUNT with
/// AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN (the Azure CLI's names). The
/// two sources are never mixed, and within one a connection string excludes
/// the other fields. A key and a SAS together are rejected as ambiguous.
Result<AzureCredentials> resolve_azure_credentials(const AzureAuthSettings& settings, const EnvLookup& env);

}  // namespace cloudsync::auth
