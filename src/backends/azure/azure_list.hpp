// Listing a container: List Blobs pages.
#pragma once

#include "backends/azure/azure_client.hpp"
#include "cloudsync/backend.hpp"

namespace cloudsync::azure {

/// Default and largest List Blobs page (maxresults).
inline constexpr uint32_t kMaxListPage = 5000;

/// One List Blobs page with metadata (for the mtime): up to options.max_keys
/// entries (at most 5000), 1000 when it is 0.
Result<ListPage> list_blobs(AzureClient& client, const ListOptions& options, const OpContext& ctx);

}  // namespace cloudsync::azure
