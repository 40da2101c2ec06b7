// Reading blobs: Get Blob Properties (head) and Get Blob (streamed, ranged,
// pinned to an etag). Listing is in azure_list.
#pragma once

#include <string>

#include "backends/azure/azure_client.hpp"
#include "cloudsync/backend.hpp"

namespace cloudsync::azure {

Result<ObjectMeta> head_blob(AzureClient& client, const std::string& key, const OpContext& ctx);

/// Streams the blob (or a range) into `sink`. The result reports the whole
/// blob's size, never the range's. A range answer must be a 206 starting at
/// the requested offset; a body cut short is a Network error (the caller
/// resumes with a range); a changed etag is PreconditionFailed.
Result<ObjectMeta> get_blob(AzureClient& client, const std::string& key, const GetOptions& options, ByteSink& sink,
                            const OpContext& ctx);

}  // namespace cloudsync::azure
