// Azure Blob Storage as a backend: one container (block blobs), addressed
// through the account's blob endpoint.
//
// Endpoints: https://ACCOUNT.blob.core.windows.net (virtual host, the default)
// and path-style endpoints where the account is the first path segment
// (Azurite and Azure Stack: http://127.0.0.1:10000/devstoreaccount1).
// Credentials: an account key (SharedKey signing), a SAS token or SAS URL
// (account, container or blob SAS), or a connection string; when none is
// given, the environment (AZURE_STORAGE_CONNECTION_STRING, or
// AZURE_STORAGE_ACCOUNT with AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN).
// Secrets are registered for redaction and never appear in messages.
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

  // Credentials. When all five are empty they come from the environment.
  std::string account;            ///< storage account name
  std::string account_key;        ///< base64 account key (SharedKey)
  std::string sas;                ///< SAS token ("sv=...&sig=...") or SAS URL
  std::string connection_string;  ///< "DefaultEndpointsProtocol=...;AccountName=...;..."
  std::string endpoint;           ///< blob service URL; default https://ACCOUNT.blob.core.windows.net

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
