// Copies within one store without the bytes passing through this process
// (StorageBackend::copy_from: S3 CopyObject / UploadPartCopy, Azure Copy
// Blob, Drive files.copy), with the guarantees of a
// streamed copy: the source pinned to the version that was listed, the
// destination expectation enforced, the mtime and the hashes the source
// vouches for recorded on the copy.
#pragma once

#include "cloudsync/backend.hpp"
#include "transfer/progress_tracker.hpp"
#include "transfer/transfer.hpp"

namespace cloudsync {

/// True when `dst` says it can copy objects of `src` server-side.
bool can_copy_server_side(const StorageBackend& src, const StorageBackend& dst);

/// Copies `src_key` of `src` to `dst_key` of `dst` server-side. A source
/// changed since `src_meta` was listed is PreconditionFailed; a destination
/// that is not what `expect` says, Conflict. progress counts the object's
/// bytes as done once the store has copied them.
Result<TransferResult> copy_server_side(StorageBackend& src, const Path& src_key, const ObjectMeta& src_meta,
                                        StorageBackend& dst, const Path& dst_key, const DestinationExpectation& expect,
                                        ProgressTracker* progress, const OpContext& ctx);

/// The store refused to copy (no permission for a server-side copy, no such
/// operation between these two): the caller copies by streaming instead.
bool copy_refused(const Status& status);

}  // namespace cloudsync
