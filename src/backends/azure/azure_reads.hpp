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

/// One List Blobs page with metadata (for the mtime); `page_size` 0 is the maximum.
Result<ListPage> list_blobs(AzureClient& client, const ListOptions& options, uint32_t page_size,
                            const OpContext& ctx);

}  // namespace cloudsync::azure
