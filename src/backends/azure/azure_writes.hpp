// Writing a container: Put Blob for objects below the block threshold, Put
// Block + Put Block List above it (parts in parallel, or block by block from a
// stream of unknown size), and deletes.
//
// Block ids are base64 of "<16 random hex digits>-<5-digit part number>":
// unique per upload (two uploads of one blob never mix their blocks), and all
// the same length, as the service requires. Every request body carries a
// Content-MD5 when it is cheap to know (a rewindable part or small blob, or
// a hash the caller already has); Put Block List stores the whole file's MD5
// (x-ms-blob-content-md5) so that large blobs keep one.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "backends/azure/azure_client.hpp"
#include "cloudsync/backend.hpp"

namespace cloudsync::azure {

inline constexpr uint32_t kMaxBlocks = 50'000;
inline constexpr uint64_t kMaxBlockSize = 4000ull << 20;
inline constexpr uint64_t kMaxPutBlobSize = 5000ull << 20;

/// The permission letter a write in `mode` needs from a SAS: create-only
/// writes may use c instead of w.
std::string_view write_permission(const AzureClient& client, PutMode mode);

/// What a successful write of `size` bytes with `options` tells about the new
/// blob, from the answer's headers (etag, Last-Modified) and the options
/// (content type, metadata, mtime); its hashes are left to the caller.
ObjectMeta written_meta(const std::string& key, const http::Headers& headers, uint64_t size, const PutOptions& options);

/// A conditional write refused on a later attempt may have been refused
/// because an earlier attempt, whose answer was lost, went through: the blob
/// then has our size, MD5 (hex) and mtime, and the write did happen. Returns
/// the blob then, else `refused`.
Result<ObjectMeta> unless_ours(AzureClient& client, const std::string& key, const PutOptions& options,
                               const std::string& md5_hex, uint64_t size, const Status& refused, uint32_t attempts,
                               const OpContext& ctx);

/// The id of block `number` (1..50000) of the upload `upload_id`.
std::string block_id(std::string_view upload_id, uint32_t number);

/// Size of block `index` (0-based) when a source is uploaded block by block:
/// `base`, grown so that a known `total` fits in 50,000 blocks; for an unknown
/// total it doubles every 10,000 blocks (up to 16 x base), capped at 4000 MiB.
uint64_t stream_block_size(uint64_t base, std::optional<uint64_t> total, uint32_t index);

/// One Put Blob request of `size` bytes from `data`.
Result<ObjectMeta> put_blob(AzureClient& client, const std::string& key, ByteSource& data, uint64_t size,
                            const PutOptions& options, const OpContext& ctx);

/// A block upload; complete() commits it with Put Block List. abort() only
/// forgets the blocks: the service discards uncommitted blocks by itself (at
/// the next write of the blob, or after a week), and they are never visible.
std::unique_ptr<MultipartUpload> start_block_upload(std::shared_ptr<AzureClient> client, std::string key,
                                                    PutOptions options);

/// Uploads `data` block by block with one block in memory at a time: for
/// sources of unknown size and sizes beyond one Put Blob.
Result<ObjectMeta> put_streamed_blocks(std::shared_ptr<AzureClient> client, const std::string& key, ByteSource& data,
                                       std::optional<uint64_t> size, uint64_t block_size, const PutOptions& options,
                                       const OpContext& ctx);

/// Deletes blobs, `concurrency` at a time; a missing blob counts as deleted.
Result<std::vector<Status>> delete_blobs(AzureClient& client, std::span<const Path> paths, uint32_t concurrency,
                                         const OpContext& ctx);

}  // namespace cloudsync::azure
