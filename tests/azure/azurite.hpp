// Azurite for the Azure backend's tests: one emulator per test process
// (started on first use through tests/peers/start-azurite.sh, stopped at
// exit), fresh containers, SAS tokens, and raw signed requests for looking at
// the service behind the backend's back. The recording transport, log capture
// and fault proxy the Azure tests use come from tests/support.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "auth/azure/credentials.hpp"
#include "auth/azure/sas.hpp"
#include "auth/azure/shared_key.hpp"
#include "backends/azure/azure_backend.hpp"
#include "cloudsync/backends/azure.hpp"
#include "http/http.hpp"
#include "support/http_support.hpp"
#include "support/peer_server.hpp"
#include "support/recording_transport.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {

/// PeerSpec for Azurite on {port} with extra azurite `flags` (e.g. --oauth
/// basic --cert C --key K); the npm install is shared by the build tree.
PeerSpec azurite_spec(const std::vector<std::string>& flags = {});

class Azurite {
 public:
  Azurite();

  /// http://127.0.0.1:PORT/devstoreaccount1 (path style).
  std::string endpoint() const;
  int port() const { return server_.port(); }

  /// A container with a new unique name, created on the server.
  std::string new_container();
  /// Options for `container` with the account key, through `endpoint`
  /// (default: endpoint()).
  AzureBackendOptions key_options(const std::string& container, const std::string& endpoint = {}) const;
  /// A backend on `container` with the account key.
  std::shared_ptr<StorageBackend> backend(const std::string& container, azure::AzureEnvironment env = {},
                                          AzureBackendOptions options = {}) const;

  /// A container SAS token (sr=c) with `permissions`, valid until `expires`.
  std::string container_sas(const std::string& container, const std::string& permissions, TimePoint expires) const;
  /// Stored access policies on `container` (identifier -> permissions),
  /// valid from an hour ago until `expires`; they replace the container's.
  void set_access_policies(const std::string& container,
                           const std::vector<std::pair<std::string, std::string>>& policies, TimePoint expires);
  /// A container SAS token that names a stored access policy (si) and
  /// carries neither permissions nor times: the service alone decides.
  std::string policy_sas(const std::string& container, const std::string& identifier) const;
  /// A blob SAS token (sr=b) for one blob (`blob` decoded).
  std::string blob_sas(const std::string& container, const std::string& blob, const std::string& permissions,
                       TimePoint expires) const;
  /// An account SAS token (ss=b) for `resource_types` with `permissions`.
  std::string account_sas(const std::string& resource_types, const std::string& permissions, TimePoint expires) const;

  /// One SharedKey-signed request, without retries. `path` follows the
  /// endpoint: "/container/blob?comp=blocklist" (already encoded).
  http::Response raw(const std::string& method, const std::string& path, const http::Headers& headers = {},
                     const std::string& body = {});
  /// The names List Blobs reports for `container`, raw (include=uncommittedblobs
  /// with `uncommitted`).
  std::vector<std::string> blob_names(const std::string& container, bool uncommitted = false);

 private:
  PeerServer server_;
  std::shared_ptr<http::Transport> transport_;
  auth::AzureSharedKeySigner signer_;
};

/// The Azurite of this test process.
Azurite& azurite();

/// A unique name fragment for blobs and prefixes.
std::string unique_name(const std::string& stem);

}  // namespace cloudsync::test
