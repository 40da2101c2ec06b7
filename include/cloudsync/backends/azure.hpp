// Azure Blob Storage as a backend: one container (block blobs), addressed
// through the account's blob endpoint.
//
// Endpoints: https://ACCOUNT.blob.core.windows.net (virtual host, the default)
// and path-style endpoints where the account is the first path segment
// (Azurite and Azure Stack: http://127.0.0.1:10000/devstoreaccount1).
// Credentials, first found wins:
//  1. the options' connection string, account key (SharedKey signing) or SAS
//     token / SAS URL (account, container or blob SAS);
//  2. the environment's: AZURE_STORAGE_CONNECTION_STRING (unless the options
//     name an account or endpoint), else AZURE_STORAGE_KEY or
//     AZURE_STORAGE_SAS_TOKEN, for the options' account or else
//     AZURE_STORAGE_ACCOUNT (so `account=` in the options and the key in the
//     environment combine);
//  3. Microsoft Entra ID bearer tokens for the account, through Azure SDK's
//     DefaultAzureCredential chain: client secret or certificate
//     (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET or
//     AZURE_CLIENT_CERTIFICATE_PATH), workload identity
//     (AZURE_FEDERATED_TOKEN_FILE), managed identity (App Service's
//     IDENTITY_ENDPOINT/IDENTITY_HEADER, else the instance metadata service,
//     AZURE_POD_IDENTITY_AUTHORITY_HOST overriding its host), then the Azure
//     CLI (`az account get-access-token`). Tokens are refreshed before they
//     expire; the identity needs a Storage Blob Data role on the account.
// `credential` names one Entra method instead of that order: like the Azure
// SDK's credential classes, and in place of rclone's azureblob booleans
// (env_auth, use_msi, use_az) which cannot say "only this one". When nothing
// works the error names each method tried and why.
// Secrets are registered for redaction and never appear in messages.
//
// Network: `proxy` (else the *_proxy variables), `ca_bundle` (a PEM file of
// trusted CAs, else the system store) and `verify_tls` apply to the storage
// requests and to Entra's token requests alike.
//
// What the store keeps: the file's mtime in blob metadata "mtime" (RFC 3339,
// nanoseconds; the format rclone uses, so both tools agree), the whole-file
// MD5 (Content-MD5, set on block uploads too), and the content type. Large
// objects are uploaded as blocks (Put Block + Put Block List), in parallel.
//
// URL form for open_backend(): az://CONTAINER[/PREFIX]; the string options it
// takes are listed, with their kinds, defaults and which are secret, by
// find_backend_provider("az") (cloudsync/backend_options.hpp) and by
// `cloudsync providers az`. Unknown options are an error.
//
// C++ API: source-stable within a major version, not binary-stable. Use it
// through the static library (cloudsync::cloudsync_static) or add_subdirectory();
// the shared library libcloudsync.so exports the C ABI (cloudsync.h) only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "cloudsync/backend.hpp"
#include "cloudsync/export.hpp"

namespace cloudsync {

struct AzureBackendOptions {
  /// The container: 3-63 lower-case letters, digits and single hyphens (or
  /// "$root"). May be left empty when `sas` is a SAS URL naming one.
  std::string container;
  /// Blob name prefix the backend is scoped to ("a/b": blobs under "a/b/"
  /// appear relative to it). Empty: the whole container.
  std::string prefix;

  // Credentials (see above for the order they are looked for in).
  std::string account;            ///< storage account name; else AZURE_STORAGE_ACCOUNT
  std::string account_key;        ///< base64 account key (SharedKey)
  std::string sas;                ///< SAS token ("sv=...&sig=...") or SAS URL
  std::string connection_string;  ///< "DefaultEndpointsProtocol=...;AccountName=...;..."
  std::string endpoint;           ///< blob service URL; default https://ACCOUNT.blob.core.windows.net

  // Microsoft Entra ID. Each empty field falls back to the variable named.
  /// Empty: keys and SAS first, then the DefaultAzureCredential chain.
  /// "default": that chain only; "client_secret", "client_certificate",
  /// "workload_identity", "managed_identity", "azure_cli": that method only.
  std::string credential;
  std::string tenant_id;  ///< AZURE_TENANT_ID
  /// AZURE_CLIENT_ID: the application, or the user-assigned managed identity.
  std::string client_id;
  std::string client_secret;  ///< AZURE_CLIENT_SECRET
  /// AZURE_CLIENT_CERTIFICATE_PATH: a PEM file with the certificate and its
  /// unencrypted key (AZURE_CLIENT_CERTIFICATE_PASSWORD is refused as unsupported).
  std::string client_certificate_path;
  std::string federated_token_file;  ///< AZURE_FEDERATED_TOKEN_FILE
  /// AZURE_AUTHORITY_HOST; default https://login.microsoftonline.com
  std::string authority_host;

  // Network.
  std::string proxy;       ///< HTTP(S) proxy URL; empty: the *_proxy environment variables
  std::string ca_bundle;   ///< PEM file of trusted CAs; empty: the system store
  bool verify_tls = true;  ///< false: accept any server certificate (testing only)

  /// Create the container on the first write that finds it missing.
  bool create_container = false;
  /// Block size for block uploads (the default part size). Grown as needed to
  /// stay within 50,000 blocks.
  uint64_t block_size = 8ull << 20;
  /// Objects at least this large are uploaded as blocks, smaller ones with
  /// one Put Blob request.
  uint64_t upload_cutoff = 64ull << 20;
  /// Deletes in flight at once in remove_many().
  uint32_t delete_concurrency = 8;
};

/// Opens a container. Fails with InvalidArgument for a malformed container
/// name, endpoint or credential, Unauthenticated when no credential is found.
/// No request is sent until the first operation.
CLOUDSYNC_API Result<std::shared_ptr<StorageBackend>> make_azure_backend(AzureBackendOptions options);

}  // namespace cloudsync
