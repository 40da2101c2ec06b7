// The Azure backend's construction seams: what make_azure_backend()
// (azure_factory.cpp) takes from the process (transport, clock, environment,
// retry policy), open to replacement by tests, and the backend it assembles.
#pragma once

#include <functional>
#include <memory>

#include "auth/azure/credentials.hpp"
#include "backends/azure/azure_client.hpp"
#include "cloudsync/backends/azure.hpp"
#include "http/http.hpp"

namespace cloudsync::azure {

struct AzureEnvironment {
  std::shared_ptr<http::Transport> transport;  ///< default: a curl transport with the options' TLS and proxy
  /// For Entra ID and App Service token requests; default: `transport`.
  std::shared_ptr<http::Transport> token_transport;
  http::RetryPolicy retry;
  std::function<TimePoint()> clock;  ///< default: now_utc
  auth::EnvLookup env;               ///< default: the process environment
  CopyPolling copy_polling;          ///< waiting for pending server-side copies
};

/// Opens options.container (scoped to options.prefix) with what `environment`
/// gives instead of the process's transport, clock and variables.
Result<std::shared_ptr<StorageBackend>> make_azure_backend(AzureBackendOptions options, AzureEnvironment environment);

/// The StorageBackend over the container `client` reaches (not scoped to a
/// prefix: make_azure_backend does that).
std::shared_ptr<StorageBackend> make_container_backend(std::shared_ptr<AzureClient> client,
                                                       AzureBackendOptions options);

/// The Capabilities of a backend made with `options`.
Capabilities azure_capabilities(const AzureBackendOptions& options);

}  // namespace cloudsync::azure
