// Downloads of one large object in several streams: ranged GETs pinned to the
// object's etag (so that two versions are never mixed), each written at its
// offset of the temporary file and resumed on its own after transient errors,
// and hashed as a whole: a CRC32C is combined from the ranges' CRCs; other
// kinds are computed in order over the file's completed prefix, which is
// still in the page cache, while the ranges arrive.
#pragma once

#include <cstdint>

#include "cloudsync/backend.hpp"
#include "core/file_io.hpp"
#include "transfer/progress_tracker.hpp"
#include "transfer/transfer.hpp"

namespace cloudsync {

struct RangedDownload {
  ObjectMeta meta;  ///< the object as the answers described it (whole size, etag, hashes)
  HashSet hashes;   ///< of all bytes written, the kinds asked for
  uint64_t bytes = 0;
};

/// Whether an object of `src` is worth reading in several streams.
bool use_ranged_download(const Capabilities& caps, const ObjectMeta& src_meta, const TransferOptions& options);

/// The bytes of each ranged GET for an object of `size` bytes.
uint64_t choose_range_size(uint64_t size, const TransferOptions& options);

/// Reads `key` (as listed in `src_meta`: size and etag) into `out` in
/// options.download_streams streams, hashing `kinds`. Fails with the first
/// range's error that outlived its resumptions (PreconditionFailed when the
/// object changed between or during ranges); the caller then abandons `out`.
Result<RangedDownload> download_ranged(StorageBackend& src, const Path& key, const ObjectMeta& src_meta,
                                       AtomicFileWriter& out, HashKinds kinds, const TransferOptions& options,
                                       ProgressTracker* progress, const OpContext& ctx);

}  // namespace cloudsync
