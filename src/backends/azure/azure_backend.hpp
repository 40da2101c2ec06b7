// The Azure backend's construction seams: what make_azure_backend() takes
// from the process (transport, clock, environment, retry policy), open to
// replacement by tests, and the registry's translation of URL options.
#pragma once

#include <functional>
#include <memory>

#include "auth/azure/credentials.hpp"
#include "cloudsync/backends/azure.hpp"
#include "http/http.hpp"

namespace cloudsync::azure {

struct AzureEnvironment {
  std::shared_ptr<http::Transport> transport;  ///< default: a curl transport
  http::RetryPolicy retry;
  std::function<TimePoint()> clock;  ///< default: now_utc
  auth::EnvLookup env;               ///< default: the process environment
};

Result<std::shared_ptr<StorageBackend>> make_azure_backend(AzureBackendOptions options, AzureEnvironment environment);

/// The Capabilities of a backend made with `options`.
Capabilities azure_capabilities(const AzureBackendOptions& options);

}  // namespace cloudsync::azure
