#include "transfer/memory_relay.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/log.hpp"
#include "core/parallel.hpp"
#include "transfer/transfer_steps.hpp"

namespace cloudsync {

using transfer_steps::map_put_error;
using transfer_steps::ProgressSource;
using transfer_steps::put_options_for;
using transfer_steps::source_changed;
using transfer_steps::verify_hashes;

namespace {

bool sized(const ObjectMeta& meta) { return meta.kind != ObjectKind::Document; }

// One buffer when the object is smaller than what the destination would
// upload in parts (and than kMaxRelayBuffer); an exported document has no
// size until it is exported, and exports are small.
bool fits_one_buffer(const ObjectMeta& src_meta, const Capabilities& dst_caps) {
  if (!sized(src_meta) || src_meta.size == 0) return true;
  uint64_t limit = kMaxRelayBuffer;
  if (dst_caps.multipart.supported) limit = std::min(limit, dst_caps.multipart.threshold);
  return src_meta.size < limit;
}

// Appends to a buffer and hashes what it appends.
class BufferSink final : public ByteSink {
 public:
  BufferSink(std::string& buffer, Hasher* hasher) : buffer_(buffer), hasher_(hasher) {}
  Status write(std::string_view data) override {
    buffer_.append(data);
    if (hasher_ != nullptr) hasher_->update(data);
    return Status::OK();
  }

 private:
  std::string& buffer_;
  Hasher* hasher_;
};

Status source_read_error(const Status& failed, const Path& src_key) {
  if (failed.code() == ErrorCode::PreconditionFailed) {
    return source_changed(src_key, "at the source while it was being read");
  }
  return failed;
}

// What the source vouches for: its answer, and the listing's where the answer
// is not the whole truth.
HashSet vouched_hashes(const StorageBackend& src, const ObjectMeta& answer, const ObjectMeta& listed) {
  HashSet vouched = answer.hashes;
  if (!src.capabilities().get_reports_hashes) vouched.merge(listed.hashes);
  return vouched;
}

Status check_stored(const ObjectMeta& written, uint64_t size, const HashSet& sent, const Path& dst_key) {
  if (written.size != size) {
    return make_error(ErrorCode::Integrity, "'{}' was stored with {} bytes, expected {}", dst_key.str(), written.size,
                      size);
  }
  return verify_hashes(written.hashes, sent, dst_key);
}

TransferResult relayed(ObjectMeta source, const Path& src_key, ObjectMeta destination, const Path& dst_key,
                       HashSet hashes, uint64_t bytes) {
  TransferResult result;
  result.source = std::move(source);
  result.source.key = src_key.str();
  result.source.hashes.merge(hashes);
  result.destination = std::move(destination);
  result.destination.key = dst_key.str();
  result.content_hashes = std::move(hashes);
  result.bytes = bytes;
  return result;
}

Result<TransferResult> relay_in_one_buffer(StorageBackend& src, const Path& src_key, const ObjectMeta& src_meta,
                                           StorageBackend& dst, const Path& dst_key,
                                           const DestinationExpectation& expect, const TransferOptions& options,
                                           ProgressTracker* progress, const OpContext& ctx) {
  const Capabilities& dst_caps = dst.capabilities();
  const HashKinds listed = src_meta.hashes.kinds();
  const HashKinds verify =
      options.ignore_checksum ? 0 : cheapest_hash_kind(listed ? listed : src.capabilities().hashes);
  const HashKinds for_destination =
      dst_caps.upload_hashes | (options.ignore_checksum ? 0 : cheapest_hash_kind(dst_caps.hashes));
  Hasher hasher(options.hash_kinds | verify | for_destination);
  std::string buffer;
  if (sized(src_meta)) buffer.reserve(static_cast<size_t>(src_meta.size));
  BufferSink sink(buffer, &hasher);
  auto got = transfer_steps::get_resuming(src, src_key, src_meta.etag, std::nullopt, sink, options, ctx);
  if (!got.ok()) return source_read_error(got.status(), src_key);
  if (sized(src_meta) && (buffer.size() != src_meta.size || got->size != src_meta.size)) {
    return make_error(ErrorCode::Integrity, "'{}' arrived with {} bytes, expected {}", src_key.str(), buffer.size(),
                      src_meta.size);
  }
  HashSet computed = hasher.finish();
  const HashSet vouched = vouched_hashes(src, *got, src_meta);
  if (!options.ignore_checksum && vouched.kinds() != 0 && !vouched.matches(computed).has_value()) {
    // The answer vouches only for a kind the listing did not promise: the
    // bytes are at hand, hash them for it.
    Hasher again(cheapest_hash_kind(vouched.kinds()));
    again.update(buffer);
    computed.merge(again.finish());
  }
  if (!options.ignore_checksum) CLOUDSYNC_RETURN_IF_ERROR(verify_hashes(vouched, computed, src_key));

  PutOptions put;
  put.mtime = src_meta.mtime ? src_meta.mtime : got->mtime;
  put.size = buffer.size();
  put.known_hashes = computed;
  CLOUDSYNC_ASSIGN_OR_RETURN(put, put_options_for(dst, dst_key, expect, std::move(put), ctx));
  MemorySource source(buffer);
  ProgressSource counted(source, progress, src_key.str());
  auto written = dst.put(dst_key, counted, put, ctx);
  if (!written.ok()) return map_put_error(written.status(), dst_key);
  CLOUDSYNC_RETURN_IF_ERROR(check_stored(*written, buffer.size(), computed, dst_key));
  return relayed(std::move(got).value(), src_key, std::move(written).value(), dst_key, std::move(computed),
                 buffer.size());
}

// Hashes the parts of one object in order while they arrive out of order: a
// part waits for its turn, so at most the parts in flight are held.
class InOrderHasher {
 public:
  InOrderHasher(HashKinds kinds, const CancelToken& stop) : hasher_(kinds), stop_(stop) {}
  /// False when the relay stopped before part `index`'s turn came.
  bool add(size_t index, std::string_view data) {
    {
      std::unique_lock lock(mutex_);
      turn_.wait(lock, [&] { return next_ == index || stop_.is_cancelled(); });
      if (next_ != index) return false;
    }
    hasher_.update(data);  // only the part whose turn it is gets here
    {
      std::lock_guard lock(mutex_);
      ++next_;
    }
    turn_.notify_all();
    return true;
  }
  /// Wakes the waiting parts after the relay stopped.
  void stopped() {
    { std::lock_guard lock(mutex_); }
    turn_.notify_all();
  }
  HashSet finish() { return hasher_.finish(); }

 private:
  Hasher hasher_;
  const CancelToken& stop_;
  std::mutex mutex_;
  std::condition_variable turn_;
  size_t next_ = 0;
};

Result<TransferResult> relay_in_parts(StorageBackend& src, const Path& src_key, const ObjectMeta& src_meta,
                                      StorageBackend& dst, const Path& dst_key, const DestinationExpectation& expect,
                                      const TransferOptions& options, ProgressTracker* progress, const OpContext& ctx) {
  // The upload records the whole object's hashes when it starts (S3's
  // metadata): they are those the source vouches for, and the relay checks
  // the bytes against them before it commits.
  auto head = src.head(src_key, ctx);
  if (!head.ok()) return source_read_error(head.status(), src_key);
  if (head->etag != src_meta.etag || head->size != src_meta.size) {
    return source_changed(src_key, "since it was listed");
  }
  const HashSet vouched = vouched_hashes(src, *head, src_meta);
  const uint64_t size = src_meta.size;
  const Capabilities& caps = dst.capabilities();
  const uint64_t part_size = choose_part_size(caps, size, options.part_size);
  const auto count = static_cast<size_t>((size + part_size - 1) / part_size);

  PutOptions put;
  put.mtime = src_meta.mtime ? src_meta.mtime : head->mtime;
  put.size = size;
  put.known_hashes = vouched;
  CLOUDSYNC_ASSIGN_OR_RETURN(put, put_options_for(dst, dst_key, expect, std::move(put), ctx));
  auto started = dst.start_multipart(dst_key, put, ctx);
  if (!started.ok()) return map_put_error(started.status(), dst_key);
  std::unique_ptr<MultipartUpload> upload = std::move(started).value();

  const HashKinds verify = options.ignore_checksum ? 0 : cheapest_hash_kind(vouched.kinds());
  CancelToken stop(ctx.cancel);
  OpContext part_ctx = ctx;
  part_ctx.cancel = &stop;
  InOrderHasher whole(options.hash_kinds | verify, stop);
  std::vector<PartInfo> parts(count);
  const std::string label = src_key.str();
  auto job = [&](size_t i) -> Status {
    const uint64_t offset = i * part_size;
    const uint64_t length = std::min(part_size, size - offset);
    std::string buffer;
    buffer.reserve(static_cast<size_t>(length));
    BufferSink sink(buffer, nullptr);
    auto got =
        transfer_steps::get_resuming(src, src_key, src_meta.etag, ByteRange{offset, length}, sink, options, part_ctx);
    if (!got.ok()) return source_read_error(got.status(), src_key);
    if (buffer.size() != length) {
      return make_error(ErrorCode::Integrity, "part {} of '{}' arrived with {} bytes, expected {}", i + 1,
                        src_key.str(), buffer.size(), length);
    }
    MemorySource source(buffer);
    ProgressSource counted(source, progress, label);
    auto sent = upload->upload_part(static_cast<uint32_t>(i + 1), counted, part_ctx);
    if (!sent.ok()) return map_put_error(sent.status(), dst_key);
    if (!whole.add(i, buffer)) return Status::OK();  // stopped: another part failed, and says why
    // No lock: each part writes its own slot.
    parts[i] = std::move(sent).value();
    return Status::OK();
  };
  Status first_error = parallel_for_until_error(
      count, caps.multipart.parallel ? std::max<uint32_t>(options.part_concurrency, 1) : 1, stop, job, "copy cancelled",
      [&] { whole.stopped(); });  // the parts waiting for their turn at the hasher give up
  HashSet computed = whole.finish();
  if (first_error.ok() && !options.ignore_checksum) first_error = verify_hashes(vouched, computed, src_key);
  if (!first_error.ok()) {
    Status aborted = upload->abort(OpContext{});
    if (!aborted.ok()) {
      log(LogLevel::Warn, "could not abort the upload of '{}': {}", dst_key.str(), aborted.to_string());
    }
    return first_error;
  }
  auto written = upload->complete(std::move(parts), ctx);
  if (!written.ok()) {
    (void)upload->abort(OpContext{});
    return map_put_error(written.status(), dst_key);
  }
  HashSet known = computed;
  known.merge(vouched);
  CLOUDSYNC_RETURN_IF_ERROR(check_stored(*written, size, known, dst_key));
  return relayed(std::move(head).value(), src_key, std::move(written).value(), dst_key, std::move(known), size);
}

}  // namespace

bool can_relay_through_memory(const StorageBackend& src, const ObjectMeta& src_meta, const StorageBackend& dst) {
  const Capabilities& dst_caps = dst.capabilities();
  if (fits_one_buffer(src_meta, dst_caps)) return true;
  return dst_caps.multipart.supported && src.capabilities().ranged_get && !src_meta.etag.empty();
}

Result<TransferResult> relay_through_memory(StorageBackend& src, const Path& src_key, const ObjectMeta& src_meta,
                                            StorageBackend& dst, const Path& dst_key,
                                            const DestinationExpectation& expect, const TransferOptions& options,
                                            ProgressTracker* progress, const OpContext& ctx) {
  if (fits_one_buffer(src_meta, dst.capabilities())) {
    return relay_in_one_buffer(src, src_key, src_meta, dst, dst_key, expect, options, progress, ctx);
  }
  return relay_in_parts(src, src_key, src_meta, dst, dst_key, expect, options, progress, ctx);
}

}  // namespace cloudsync
