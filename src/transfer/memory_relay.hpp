// Copies between two different remote stores through memory: the GET of the
// source feeds the PUT of the destination through bounded buffers, with no
// temporary file. An object below the destination's multipart threshold
// moves in one buffer (one PUT, retryable from it); a larger one in
// part-sized buffers, a few parts in flight (peak memory: parts in flight x
// part size), each part read with a range pinned to the source's etag,
// resumed after a dropped connection, and retryable from its buffer. The
// whole object is hashed in order as the parts pass and checked against what
// the source vouches for before the upload is committed.
#pragma once

#include "cloudsync/backend.hpp"
#include "transfer/progress_tracker.hpp"
#include "transfer/transfer.hpp"

namespace cloudsync {

/// Largest object moved in one buffer to a store without multipart uploads;
/// larger ones spool through a temporary file.
inline constexpr uint64_t kMaxRelayBuffer = uint64_t{64} << 20;

/// True when `src_meta` can go from `src` to `dst` through bounded memory:
/// small enough for one buffer, or in parts (the destination takes multipart
/// uploads and the source reads ranges pinned to an etag).
bool can_relay_through_memory(const StorageBackend& src, const ObjectMeta& src_meta, const StorageBackend& dst);

/// Copies `src_key` of `src` to `dst_key` of `dst` through memory (see above).
/// A source changed since `src_meta` was listed is PreconditionFailed; a
/// destination that is not what `expect` says, Conflict.
Result<TransferResult> relay_through_memory(StorageBackend& src, const Path& src_key, const ObjectMeta& src_meta,
                                            StorageBackend& dst, const Path& dst_key,
                                            const DestinationExpectation& expect, const TransferOptions& options,
                                            ProgressTracker* progress, const OpContext& ctx);

}  // namespace cloudsync
