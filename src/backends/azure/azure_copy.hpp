// Server-side copies between containers of one storage account with Copy
// Blob (PUT with x-ms-copy-source): any size in one request, the source
// authorised by the destination request's own Shared Key or bearer token, or,
// for a destination reached with a SAS, by a SAS on the source URL. A copy
// the service answers "pending" is waited for (Get Blob Properties with a
// growing delay), and one that fails, stalls or is cancelled is aborted and
// its destination removed: no partial blob stays behind.
#pragma once

#include <string>

#include "backends/azure/azure_client.hpp"
#include "cloudsync/backend.hpp"

namespace cloudsync::azure {

/// True when `to` can copy blobs that `from` reaches server-side: both reach
/// the same blob endpoint (one account), and the source read can be
/// authorised: `to` has the account key or a bearer token (the service checks
/// that principal's read access to the source), or `to` has a SAS and `from`
/// has a SAS that visibly grants reading blobs (sent on the source URL) or the
/// account key (a read-only SAS for the one source blob is minted from it).
bool can_copy_blobs(const AzureClient& to, const AzureClient& from);

/// Copies `src_key` of `from` to `dst_key` of `to` (see
/// StorageBackend::copy_from for the contract). The source is pinned with
/// x-ms-source-if-match; the destination's PutMode is honoured as put()
/// honours it; the metadata a put writes (the mtime, the caller's metadata)
/// replaces the source's, while the content type and Content-MD5 travel with
/// the copy as the source has them.
Result<ObjectMeta> copy_blob(AzureClient& to, AzureClient& from, const std::string& src_key, const std::string& dst_key,
                             const CopyOptions& options, const OpContext& ctx);

}  // namespace cloudsync::azure
