// Moving one object between two backends, safely and with bounded memory.
//
// Downloads into a local folder go to a hidden temporary (AtomicFileWriter),
// are hashed while they stream, resumed with a ranged read pinned to the etag
// after a dropped connection, verified against the size and any hash the
// source vouches for, fsynced and only then renamed into place. Uploads stream
// from the file (in parallel parts above the backend's multipart threshold)
// and never buffer a whole object. Within one store that copies by itself
// (Capabilities::server_side_copy, StorageBackend::can_copy_from) the store
// copies and no byte passes through here (server_copy.hpp); between two
// remote stores the bytes go through bounded memory buffers, retryable on
// both sides (memory_relay.hpp), and spool through a temporary file only when
// an object is too large for one buffer and cannot be sent in parts.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

#include "cloudsync/backend.hpp"
#include "core/file_io.hpp"
#include "transfer/progress_tracker.hpp"

namespace cloudsync {

struct TransferOptions {
  /// Parts of one object in flight at once (multipart uploads).
  uint32_t part_concurrency = 4;
  /// Part size for multipart uploads; 0 uses the backend's default. Grown as
  /// needed to stay within the backend's part count limit.
  uint64_t part_size = 0;
  /// Hashes the caller wants of the data (e.g. for a manifest), on top of what
  /// the transfer needs itself: the cheapest hash the other side can verify
  /// (CRC32C before MD5 before SHA-256) and what the destination needs up front.
  /// Every kind costs CPU on every byte: MD5 alone costs more than the rest of
  /// a transfer.
  HashKinds hash_kinds = 0;
  /// Skip the whole-object checksum (rclone's --ignore-checksum): downloads are
  /// not verified against a hash the source vouches for (sizes still are), and
  /// uploads compute no hash for the destination to vouch for unless it needs
  /// one up front (Capabilities::upload_hashes) or the caller asks. Each
  /// request still carries the checksum its backend sends with it (S3's
  /// Content-MD5 or CRC32C per part), so what goes wrong on the wire is still
  /// caught. It saves an MD5 pass over every byte: most of a transfer's CPU.
  bool ignore_checksum = false;
  /// Ranged resumptions of one download (of each range of a multi-stream
  /// download) after transient errors.
  uint32_t resume_attempts = 5;
  /// Streams reading one object into a local folder at once, where the source
  /// serves ranges (Capabilities::ranged_get) and the object has an etag to
  /// pin them to: each a ranged GET written at its offset of the temporary
  /// file. One connection across a region carries ~100 MB/s; several fill
  /// the link. 1 = one stream.
  uint32_t download_streams = 8;
  /// Objects from this size up are read in `download_streams` streams.
  uint64_t multi_stream_threshold = 64ull << 20;
  /// Bytes per ranged GET of a multi-stream download; 0 chooses from the size
  /// (about four ranges a stream, 8-64 MiB each).
  uint64_t download_range_size = 0;
  bool fsync = true;
  /// Where remote-to-remote copies spool when they cannot go through memory
  /// (see above); empty: the system temp folder.
  std::filesystem::path spool_dir;
};

/// What must hold at the destination for the write to go ahead (conditional
/// writes without a store-side precondition are checked just before commit).
struct DestinationExpectation {
  enum class Kind { Anything, Absent, Unchanged } kind = Kind::Anything;
  ObjectMeta meta;  ///< for Unchanged: the destination as it was planned
  /// A store without conditional writes cannot enforce the expectation; it
  /// is then checked by reading the destination first (one more request per
  /// file) unless this is false.
  bool check_by_reading = true;
};

struct TransferResult {
  ObjectMeta source;       ///< the source object as read
  ObjectMeta destination;  ///< the destination object as written
  HashSet content_hashes;  ///< hashes of the bytes that moved
  uint64_t bytes = 0;
};

/// Copies `src_key` of `src` to `dst_key` of `dst`. `src_meta` is the source
/// object as listed (size, etag); a source that changed since is detected.
/// `put` carries the destination write options (mtime, metadata, mode).
Result<TransferResult> transfer_object(StorageBackend& src, const Path& src_key, const ObjectMeta& src_meta,
                                       StorageBackend& dst, const Path& dst_key, const DestinationExpectation& expect,
                                       const TransferOptions& options, ProgressTracker* progress, const OpContext& ctx);

/// The cheapest kind in `available` (CRC32C, then MD5, then SHA-256), or 0.
HashKinds cheapest_hash_kind(HashKinds available);

/// Hashes the file `rel` below `root` (no symlink followed) in one streaming pass.
Result<HashSet> hash_local_file(const std::filesystem::path& root, const Path& rel, HashKinds kinds,
                                const OpContext& ctx);
/// Hashes what `source` reads, in one streaming pass.
Result<HashSet> hash_source(FileSource& source, HashKinds kinds, const OpContext& ctx);

/// The part size a multipart upload of `size` bytes should use on a backend.
uint64_t choose_part_size(const Capabilities& caps, uint64_t size, uint64_t requested);

}  // namespace cloudsync
