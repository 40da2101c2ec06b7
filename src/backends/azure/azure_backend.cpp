// AzureBackend: the StorageBackend over one container, assembled from the
// client (requests, auth, retries, errors), reads and writes.
#include "backends/azure/azure_backend.hpp"

#include <algorithm>

#include "backends/azure/azure_client.hpp"
#include "backends/azure/azure_copy.hpp"
#include "backends/azure/azure_list.hpp"
#include "backends/azure/azure_reads.hpp"
#include "backends/azure/azure_writes.hpp"
#include "core/error.hpp"

namespace cloudsync::azure {

namespace {

// Blob names may have up to 1024 characters; counting UTF-8 bytes keeps
// every accepted key within that.
constexpr uint32_t kMaxKeyBytes = 1024;

class AzureBackend final : public StorageBackend {
 public:
  AzureBackend(std::shared_ptr<AzureClient> client, AzureBackendOptions options)
      : client_(std::move(client)), options_(std::move(options)), caps_(azure_capabilities(options_)) {}

  std::string scheme() const override { return "az"; }
  std::string describe() const override { return client_->describe(); }
  const Capabilities& capabilities() const override { return caps_; }

  Result<ObjectMeta> head(const Path& path, const OpContext& ctx) override {
    CLOUDSYNC_RETURN_IF_ERROR(check_key(path));
    return head_blob(*client_, path.str(), ctx);
  }

  Result<ObjectMeta> get(const Path& path, const GetOptions& options, ByteSink& sink, const OpContext& ctx) override {
    CLOUDSYNC_RETURN_IF_ERROR(check_key(path));
    return get_blob(*client_, path.str(), options, sink, ctx);
  }

  Result<ObjectMeta> put(const Path& path, ByteSource& data, const PutOptions& options, const OpContext& ctx) override {
    CLOUDSYNC_RETURN_IF_ERROR(check_key(path));
    std::optional<uint64_t> size = data.size();
    if (!size) size = options.size;
    if (size && *size <= std::min(caps_.multipart.threshold, kMaxPutBlobSize)) {
      return put_blob(*client_, path.str(), data, *size, options, ctx);
    }
    // Too large for one request, or of unknown size: block by block.
    return put_streamed_blocks(client_, path.str(), data, size, options_.block_size, options, ctx);
  }

  Result<std::unique_ptr<MultipartUpload>> start_multipart(const Path& path, const PutOptions& options,
                                                           const OpContext&) override {
    CLOUDSYNC_RETURN_IF_ERROR(check_key(path));
    return start_block_upload(client_, path.str(), options);
  }

  Result<ListPage> list_page(const ListOptions& options, const OpContext& ctx) override {
    return list_blobs(*client_, options, ctx);
  }

  bool can_copy_from(const StorageBackend& source) const override { return copy_peer(source) != nullptr; }

  Result<ObjectMeta> copy_from(const StorageBackend& source, const Path& src_path, const Path& dst_path,
                               const CopyOptions& options, const OpContext& ctx) override {
    const AzureBackend* from = copy_peer(source);
    if (from == nullptr) return StorageBackend::copy_from(source, src_path, dst_path, options, ctx);
    const Path src_key = source.locate(src_path).key;
    CLOUDSYNC_RETURN_IF_ERROR(check_key(dst_path));
    CLOUDSYNC_RETURN_IF_ERROR(from->check_key(src_key));
    return copy_blob(*client_, *from->client_, src_key.str(), dst_path.str(), options, ctx);
  }

  Result<std::vector<Status>> remove_many(std::span<const Path> paths, const OpContext& ctx) override {
    for (const Path& p : paths) CLOUDSYNC_RETURN_IF_ERROR(check_key(p));
    return delete_blobs(*client_, paths, std::max<uint32_t>(options_.delete_concurrency, 1), ctx);
  }

 private:
  // The container behind `source` when this one can copy its blobs.
  const AzureBackend* copy_peer(const StorageBackend& source) const {
    const auto* peer = dynamic_cast<const AzureBackend*>(source.locate(Path()).store);
    if (peer == nullptr || !caps_.server_side_copy) return nullptr;
    return can_copy_blobs(*client_, *peer->client_) ? peer : nullptr;
  }

  Status check_key(const Path& path) const {
    if (path.is_root()) return make_error(ErrorCode::InvalidArgument, "{}: the root is not a blob", describe());
    if (path.str().size() > kMaxKeyBytes) {
      return make_error(ErrorCode::InvalidArgument, "{}: blob names are limited to {} bytes ('{}...' has {})",
                        describe(), kMaxKeyBytes, path.str().substr(0, 40), path.str().size());
    }
    return Status::OK();
  }

  std::shared_ptr<AzureClient> client_;
  AzureBackendOptions options_;
  Capabilities caps_;
};

}  // namespace

Capabilities azure_capabilities(const AzureBackendOptions& options) {
  Capabilities caps;
  caps.mtime_precision = std::chrono::nanoseconds(1);  // metadata "mtime" keeps nanoseconds
  caps.hashes = hash_kinds(HashKind::Md5);
  caps.conditional_create = true;
  caps.conditional_update = true;
  caps.case_sensitive = true;
  caps.duplicate_names = false;
  caps.hierarchical = false;
  caps.ranged_get = true;
  caps.max_key_bytes = kMaxKeyBytes;
  // remove_many sends one request per blob, this many at a time in parallel
  // (the size of a Blob Batch, so that callers batch sensibly).
  caps.max_batch_delete = 256;
  caps.server_side_copy = true;  // within one account: azure_copy
  caps.multipart.supported = true;
  caps.multipart.parallel = true;
  caps.multipart.equal_parts = false;
  caps.multipart.min_part_size = 1;
  caps.multipart.max_part_size = kMaxBlockSize;
  caps.multipart.part_size_multiple = 1;
  caps.multipart.max_parts = kMaxBlocks;
  caps.multipart.default_part_size = std::clamp<uint64_t>(options.block_size, 1, kMaxBlockSize);
  caps.multipart.threshold = std::min(std::max<uint64_t>(options.upload_cutoff, 1), kMaxPutBlobSize);
  return caps;
}

std::shared_ptr<StorageBackend> make_container_backend(std::shared_ptr<AzureClient> client,
                                                       AzureBackendOptions options) {
  return std::make_shared<AzureBackend>(std::move(client), std::move(options));
}

}  // namespace cloudsync::azure
