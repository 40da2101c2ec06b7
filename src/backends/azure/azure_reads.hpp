// Reading a container: Get Blob Properties (head), Get Blob (streamed, ranged,
// pinned to an etag) and List Blobs pages.
#pragma once

#include <string>

#include "backends/azure/azure_client.hpp"
#include "cloudsync/backend.hpp"

namespace cloudsync::azure {

/// Default and largest List Blobs page (maxresults).
inline constexpr uint32_t kMaxListPage = 5000;

Result<ObjectMeta> head_blob(AzureClient& client, const std::string& key, const OpContext& ctx);

/// Streams the blob (or a range) into `sink`. The result reports the whole
/// blob's size, never the range's. A range answer must be a 206 starting at
/// the requested offset; a body cut short is a Network error (the caller
/// resumes with a range); a changed etag is PreconditionFailed.
Result<ObjectMeta> get_blob(AzureClient& client, const std::string& key, const GetOptions& options, ByteSink& sink,
                            const OpContext& ctx);

/// One List Blobs page with metadata (for the mtime): up to options.max_keys
/// entries (at most 5000), 1000 when it is 0.
Result<ListPage> list_blobs(AzureClient& client, const ListOptions& options, const OpContext& ctx);

}  // namespace cloudsync::azure
