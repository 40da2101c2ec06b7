#include "backends/azure/azure_writes.hpp"

#include <algorithm>
#include <atomic>
#include <vector>

#include "backends/azure/azure_meta.hpp"
#include "backends/azure/azure_reads.hpp"
#include "backends/azure/azure_xml.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/log.hpp"
#include "core/parallel.hpp"
#include "core/url.hpp"

namespace cloudsync::azure {

namespace {

constexpr size_t kReadChunk = 256 * 1024;
// Sources up to this size are read once more to send a Content-MD5 with them
// when the caller knows no MD5 (the engine always passes one).
constexpr uint64_t kPrehashLimit = 64ull << 20;

// Hashes what the transport reads, starting over when the body is rewound for
// a retry, so that the MD5 describes the attempt that was answered.
class HashingSource final : public ByteSource {
 public:
  explicit HashingSource(ByteSource& inner) : inner_(inner) {}
  Result<size_t> read(std::span<char> buf) override {
    CLOUDSYNC_ASSIGN_OR_RETURN(size_t n, inner_.read(buf));
    hasher_.update(std::string_view(buf.data(), n));
    bytes_ += n;
    return n;
  }
  std::optional<uint64_t> size() const override { return inner_.size(); }
  Status rewind() override {
    CLOUDSYNC_RETURN_IF_ERROR(inner_.rewind());
    (void)hasher_.finish();
    bytes_ = 0;
    return Status::OK();
  }
  uint64_t bytes() const noexcept { return bytes_; }
  std::string md5_hex() { return hasher_.finish().md5; }

 private:
  ByteSource& inner_;
  Hasher hasher_{hash_kinds(HashKind::Md5)};
  uint64_t bytes_ = 0;
};

// The MD5 (base64) of a source that can be read twice, leaving it at its
// start; empty for a source that cannot start over.
Result<std::string> md5_of_rewindable(ByteSource& data, const OpContext& ctx) {
  Status rewound = data.rewind();
  if (!rewound.ok()) {
    if (rewound.code() == ErrorCode::Unsupported) return std::string();
    return rewound;
  }
  Hasher hasher(hash_kinds(HashKind::Md5));
  std::vector<char> buf(kReadChunk);
  for (;;) {
    if (ctx.cancelled()) return make_error(ErrorCode::Cancelled, "upload cancelled");
    CLOUDSYNC_ASSIGN_OR_RETURN(size_t n, data.read(buf));
    if (n == 0) break;
    hasher.update(std::string_view(buf.data(), n));
  }
  CLOUDSYNC_RETURN_IF_ERROR(data.rewind());
  return md5_base64_from_hex(hasher.finish().md5);
}

class BlockUpload final : public MultipartUpload {
 public:
  BlockUpload(std::shared_ptr<AzureClient> client, std::string key, PutOptions options)
      : client_(std::move(client)), key_(std::move(key)), options_(std::move(options)), upload_id_(random_hex(8)) {}

  Result<PartInfo> upload_part(uint32_t number, ByteSource& data, const OpContext& ctx) override {
    if (number == 0 || number > kMaxBlocks) {
      return make_error(ErrorCode::InvalidArgument, "{}: block number {} is not within 1..{}", client_->describe(key_),
                        number, kMaxBlocks);
    }
    CLOUDSYNC_RETURN_IF_ERROR(check_open());
    CLOUDSYNC_RETURN_IF_ERROR(client_->check_sas(write_permission(*client_, options_.mode), SasScope::Object));
    std::optional<uint64_t> size = data.size();
    // A part of unknown size is read into memory: a block needs its length up
    // front, and parts are bounded by the part size.
    std::string buffered;
    std::optional<MemorySource> memory;
    ByteSource* body = &data;
    if (!size) {
      std::vector<char> buf(kReadChunk);
      for (;;) {
        CLOUDSYNC_ASSIGN_OR_RETURN(size_t n, data.read(buf));
        if (n == 0) break;
        buffered.append(buf.data(), n);
        if (buffered.size() > kMaxBlockSize) break;
      }
      memory.emplace(buffered);
      body = &*memory;
      size = buffered.size();
    }
    // The service refuses empty blocks; an empty part adds nothing anyway.
    if (*size == 0) return PartInfo{number, 0, {}};
    if (*size > kMaxBlockSize) {
      return make_error(ErrorCode::InvalidArgument, "{}: block {} is larger than {} bytes", client_->describe(key_),
                        number, kMaxBlockSize);
    }
    CLOUDSYNC_ASSIGN_OR_RETURN(std::string md5, md5_of_rewindable(*body, ctx));
    std::string id = block_id(upload_id_, number);
    AzureCall call;
    call.method = "PUT";
    call.url = client_->blob_url(key_) + "?comp=block&blockid=" + percent_encode(id);
    if (!md5.empty()) call.headers.set("Content-MD5", md5);
    call.body = body;
    call.body_size = *size;
    call.creates_in_container = true;
    call.what = fmt::format("PUT {} (block {})", client_->describe(key_), number);
    CLOUDSYNC_RETURN_IF_ERROR(client_->send(call, ctx));
    return PartInfo{number, *size, id};
  }

  Result<ObjectMeta> complete(std::vector<PartInfo> parts, const OpContext& ctx) override {
    CLOUDSYNC_RETURN_IF_ERROR(check_open());
    std::sort(parts.begin(), parts.end(), [](const PartInfo& a, const PartInfo& b) { return a.number < b.number; });
    std::vector<std::string> ids;
    uint64_t total = 0;
    for (size_t i = 0; i < parts.size(); ++i) {
      const PartInfo& part = parts[i];
      if (part.number == 0 || part.number > kMaxBlocks || (i > 0 && part.number == parts[i - 1].number)) {
        return make_error(ErrorCode::InvalidArgument, "{}: part numbers must be distinct and within 1..{}",
                          client_->describe(key_), kMaxBlocks);
      }
      if (part.size == 0) continue;
      std::string id = block_id(upload_id_, part.number);
      if (part.etag != id) {
        return make_error(ErrorCode::InvalidArgument, "{}: part {} was not uploaded by this upload",
                          client_->describe(key_), part.number);
      }
      ids.push_back(std::move(id));
      total += part.size;
    }
    CLOUDSYNC_RETURN_IF_ERROR(client_->check_sas(write_permission(*client_, options_.mode), SasScope::Object));
    std::string xml = block_list_xml(ids);
    MemorySource body(xml);
    AzureCall call;
    call.method = "PUT";
    call.url = client_->blob_url(key_) + "?comp=blocklist";
    CLOUDSYNC_RETURN_IF_ERROR(add_write_headers(call.headers, options_));
    std::string file_md5 = md5_base64_from_hex(options_.known_hashes.md5);
    if (!file_md5.empty()) call.headers.set("x-ms-blob-content-md5", file_md5);
    call.headers.set("Content-MD5", base64_encode(md5_digest(xml)));
    call.headers.set("Content-Type", "application/xml");
    call.body = &body;
    call.body_size = xml.size();
    call.create_only = options_.mode == PutMode::Create;
    call.what = fmt::format("PUT {} (block list of {})", client_->describe(key_), ids.size());
    Result<http::Response> response = client_->send(call, ctx);
    std::string md5_hex = file_md5.empty() ? std::string() : md5_hex_from_base64(file_md5);
    if (!response.ok()) {
      return unless_ours(*client_, key_, options_, md5_hex, total, response.status(), call.attempts, ctx);
    }
    finished_ = true;
    ObjectMeta meta = written_meta(key_, response->headers, total, options_);
    meta.hashes.md5 = md5_hex;
    return meta;
  }

  Status abort(const OpContext&) override {
    if (!finished_.exchange(true)) {
      log(LogLevel::Debug, "{}: block upload {} abandoned; the service discards its uncommitted blocks",
          client_->describe(key_), upload_id_);
    }
    return Status::OK();
  }

 private:
  Status check_open() const {
    if (finished_) {
      return make_error(ErrorCode::InvalidArgument, "{}: this upload was already completed or aborted",
                        client_->describe(key_));
    }
    return Status::OK();
  }

  std::shared_ptr<AzureClient> client_;
  std::string key_;
  PutOptions options_;
  std::string upload_id_;
  std::atomic<bool> finished_{false};
};

}  // namespace

std::string_view write_permission(const AzureClient& client, PutMode mode) {
  return mode == PutMode::Create && !client.may('w') ? "c" : "w";
}

ObjectMeta written_meta(const std::string& key, const http::Headers& headers, uint64_t size,
                        const PutOptions& options) {
  ObjectMeta meta = meta_from_headers(key, headers);
  meta.size = size;
  meta.hashes = {};
  meta.content_type = options.content_type.empty() ? "application/octet-stream" : options.content_type;
  for (const auto& [name, value] : options.metadata) {
    std::string lower = name;
    for (char& c : lower) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    meta.metadata[lower] = value;
  }
  if (options.mtime) meta.metadata[std::string(kMtimeKey)] = format_mtime(*options.mtime);
  apply_metadata(meta);
  return meta;
}

Result<ObjectMeta> unless_ours(AzureClient& client, const std::string& key, const PutOptions& options,
                               const std::string& md5_hex, uint64_t size, const Status& refused, uint32_t attempts,
                               const OpContext& ctx) {
  bool maybe_ours = attempts > 1 && !md5_hex.empty() && options.mode != PutMode::Overwrite &&
                    (refused.code() == ErrorCode::AlreadyExists || refused.code() == ErrorCode::PreconditionFailed);
  if (!maybe_ours) return refused;
  Result<ObjectMeta> now = head_blob(client, key, ctx);
  if (!now.ok() || now->size != size || now->hashes.md5 != md5_hex || now->mtime != options.mtime) return refused;
  log(LogLevel::Info, "{}: an earlier attempt of the write had succeeded; the refusal of the retry is ignored",
      client.describe(key));
  return now;
}

std::string block_id(std::string_view upload_id, uint32_t number) {
  return base64_encode(fmt::format("{}-{:05}", upload_id, number));
}

uint64_t stream_block_size(uint64_t base, std::optional<uint64_t> total, uint32_t index) {
  base = std::max<uint64_t>(base, 1);
  uint64_t size = base;
  if (total) {
    size = std::max(base, (*total + kMaxBlocks - 1) / kMaxBlocks);
  } else {
    constexpr uint32_t kBlocksPerStep = 10'000;
    size = base << std::min<uint32_t>(index / kBlocksPerStep, 4);
  }
  return std::min(size, kMaxBlockSize);
}

Result<ObjectMeta> put_blob(AzureClient& client, const std::string& key, ByteSource& data, uint64_t size,
                            const PutOptions& options, const OpContext& ctx) {
  CLOUDSYNC_RETURN_IF_ERROR(client.check_sas(write_permission(client, options.mode), SasScope::Object));
  std::string md5 = md5_base64_from_hex(options.known_hashes.md5);
  if (md5.empty() && size <= kPrehashLimit) {
    CLOUDSYNC_ASSIGN_OR_RETURN(md5, md5_of_rewindable(data, ctx));
  }
  HashingSource body(data);
  AzureCall call;
  call.method = "PUT";
  call.url = client.blob_url(key);
  call.headers.set("x-ms-blob-type", "BlockBlob");
  CLOUDSYNC_RETURN_IF_ERROR(add_write_headers(call.headers, options));
  if (!md5.empty()) call.headers.set("Content-MD5", md5);
  call.body = &body;
  call.body_size = size;
  call.create_only = options.mode == PutMode::Create;
  call.creates_in_container = true;
  call.what = "PUT " + client.describe(key);
  Result<http::Response> response = client.send(call, ctx);
  std::string sent = body.bytes() == size ? body.md5_hex() : std::string();
  if (!response.ok()) {
    std::string md5_hex = md5.empty() ? sent : md5_hex_from_base64(md5);
    return unless_ours(client, key, options, md5_hex, size, response.status(), call.attempts, ctx);
  }
  ObjectMeta meta = written_meta(key, response->headers, size, options);
  // The service answers with the MD5 of the body it received.
  std::optional<std::string_view> received = response->headers.get("Content-MD5");
  std::string received_hex = received ? md5_hex_from_base64(*received) : std::string();
  if (!received_hex.empty() && !sent.empty() && received_hex != sent) {
    return make_error(ErrorCode::Integrity, "{}: the service received other bytes than were sent (MD5 {} != {})",
                      call.what, received_hex, sent);
  }
  meta.hashes.md5 = !sent.empty() ? sent : received_hex;
  return meta;
}

std::unique_ptr<MultipartUpload> start_block_upload(std::shared_ptr<AzureClient> client, std::string key,
                                                    PutOptions options) {
  return std::make_unique<BlockUpload>(std::move(client), std::move(key), std::move(options));
}

Result<ObjectMeta> put_streamed_blocks(std::shared_ptr<AzureClient> client, const std::string& key, ByteSource& data,
                                       std::optional<uint64_t> size, uint64_t block_size, const PutOptions& options,
                                       const OpContext& ctx) {
  BlockUpload upload(client, key, options);
  std::vector<PartInfo> parts;
  std::string buffer;
  uint64_t total = 0;
  for (uint32_t index = 0;; ++index) {
    if (index >= kMaxBlocks) {
      (void)upload.abort(ctx);
      return make_error(ErrorCode::LimitExceeded, "{}: the data does not fit in {} blocks", client->describe(key),
                        kMaxBlocks);
    }
    buffer.resize(static_cast<size_t>(stream_block_size(block_size, size, index)));
    size_t filled = 0;
    while (filled < buffer.size()) {
      Result<size_t> n = data.read(std::span<char>(buffer.data() + filled, buffer.size() - filled));
      if (!n.ok()) {
        (void)upload.abort(ctx);
        return n.status();
      }
      if (*n == 0) break;
      filled += *n;
    }
    if (filled == 0 && index > 0) break;
    MemorySource block(std::string_view(buffer).substr(0, filled));
    Result<PartInfo> part = upload.upload_part(index + 1, block, ctx);
    if (!part.ok()) {
      (void)upload.abort(ctx);
      return part.status();
    }
    parts.push_back(*part);
    total += filled;
    if (filled < buffer.size()) break;
  }
  if (size && total != *size) {
    (void)upload.abort(ctx);
    return make_error(ErrorCode::Integrity, "{}: the source produced {} bytes, {} were announced",
                      client->describe(key), total, *size);
  }
  return upload.complete(std::move(parts), ctx);
}

Result<std::vector<Status>> delete_blobs(AzureClient& client, std::span<const Path> paths, uint32_t concurrency,
                                         const OpContext& ctx) {
  CLOUDSYNC_RETURN_IF_ERROR(client.check_sas("d", SasScope::Object));
  std::vector<Status> results(paths.size(), Status(ErrorCode::Cancelled, "not deleted: cancelled"));
  parallel_for(
      paths.size(), concurrency,
      [&](size_t i) {
        AzureCall call;
        call.method = "DELETE";
        call.url = client.blob_url(paths[i].str());
        call.what = "DELETE " + client.describe(paths[i].str());
        Result<http::Response> response = client.send(call, ctx);
        // Absent counts as deleted (and a retried delete finds its own work done).
        results[i] =
            response.ok() || response.status().code() == ErrorCode::NotFound ? Status::OK() : response.status();
      },
      ctx.cancel);
  return results;
}

}  // namespace cloudsync::azure
