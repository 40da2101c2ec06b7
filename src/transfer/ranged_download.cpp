#include "transfer/ranged_download.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/log.hpp"
#include "core/parallel.hpp"
#include "transfer/transfer_steps.hpp"

namespace cloudsync {

namespace {

constexpr uint64_t kMinRange = 8ull << 20;
constexpr uint64_t kMaxRange = 64ull << 20;
constexpr size_t kPrefixReadChunk = 1 << 20;

struct Range {
  uint64_t offset = 0;
  uint64_t length = 0;
  /// Bytes of the range written so far (from its start; only its own stream
  /// writes, the prefix hasher reads).
  std::atomic<uint64_t> done{0};
  uint32_t crc = 0;  ///< CRC32C of the bytes written, when combined CRCs are the hash
};

// Writes one range's bytes at their offsets, in the order they arrive.
class RangeSink final : public ByteSink {
 public:
  RangeSink(AtomicFileWriter& out, Range& range, bool crc, ProgressTracker* progress, const std::string& label)
      : out_(out), range_(range), crc_(crc), progress_(progress), label_(label) {}
  Status write(std::string_view data) override {
    uint64_t at = range_.done.load(std::memory_order_relaxed);
    if (data.size() > range_.length - at) {
      return make_error(ErrorCode::BadResponse, "'{}': more bytes arrived than the range {}-{} holds", label_,
                        range_.offset, range_.offset + range_.length - 1);
    }
    CLOUDSYNC_RETURN_IF_ERROR(out_.write_at(range_.offset + at, data));
    if (crc_) range_.crc = crc32c_extend(range_.crc, data);
    range_.done.store(at + data.size(), std::memory_order_release);
    if (progress_ != nullptr) progress_->add_bytes(static_cast<int64_t>(data.size()), label_);
    return Status::OK();
  }

 private:
  AtomicFileWriter& out_;
  Range& range_;
  bool crc_;
  ProgressTracker* progress_;
  const std::string& label_;
};

// The bytes from the start of the file that every range has written.
uint64_t completed_prefix(const std::vector<Range>& ranges) {
  uint64_t prefix = 0;
  for (const Range& r : ranges) {
    uint64_t done = r.done.load(std::memory_order_acquire);
    prefix += done;
    if (done < r.length) break;
  }
  return prefix;
}

// Hashes the temporary file in order as its prefix completes, on a thread of
// its own (MD5 and SHA-256 cannot be combined from pieces). The bytes were
// just written: they are read back from the page cache, not the disk.
class PrefixHasher {
 public:
  PrefixHasher(std::unique_ptr<FileSource> file, HashKinds kinds, const std::vector<Range>& ranges)
      : file_(std::move(file)), hasher_(kinds), ranges_(ranges), thread_([this] { run(); }) {}
  ~PrefixHasher() { stop(); }

  /// Waits until everything written is hashed (or stops at an error).
  Result<HashSet> finish() {
    stop();
    if (!status_.ok()) return status_;
    return hasher_.finish();
  }
  /// Stops early: the download failed.
  void abandon() {
    abandoned_ = true;
    stop();
  }
  /// No more bytes will come.
  void all_written() { all_written_ = true; }

 private:
  void stop() {
    all_written_ = true;
    if (thread_.joinable()) thread_.join();
  }
  void run() {
    auto buf = std::make_unique_for_overwrite<char[]>(kPrefixReadChunk);
    uint64_t hashed = 0;
    while (!abandoned_) {
      bool last_look = all_written_.load();
      uint64_t ready = completed_prefix(ranges_);
      if (ready == hashed) {
        if (last_look) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        continue;
      }
      while (hashed < ready && !abandoned_) {
        size_t want = static_cast<size_t>(std::min<uint64_t>(ready - hashed, kPrefixReadChunk));
        auto n = file_->read(std::span<char>(buf.get(), want));
        if (!n.ok()) {
          status_ = n.status();
          return;
        }
        if (*n == 0) {
          status_ = make_error(ErrorCode::Internal, "the temporary file ended at byte {} of {} written", hashed, ready);
          return;
        }
        hasher_.update(std::string_view(buf.get(), *n));
        hashed += *n;
      }
    }
  }

  std::unique_ptr<FileSource> file_;
  Hasher hasher_;
  const std::vector<Range>& ranges_;
  std::atomic<bool> all_written_{false};
  std::atomic<bool> abandoned_{false};
  Status status_;
  std::thread thread_;  // last: starts once the rest is ready
};

}  // namespace

bool use_ranged_download(const Capabilities& caps, const ObjectMeta& src_meta, const TransferOptions& options) {
  return options.download_streams > 1 && caps.ranged_get && !src_meta.etag.empty() &&
         src_meta.kind != ObjectKind::Document &&
         src_meta.size >= std::max<uint64_t>(options.multi_stream_threshold, 1);
}

uint64_t choose_range_size(uint64_t size, const TransferOptions& options) {
  if (options.download_range_size > 0) return options.download_range_size;
  uint64_t streams = std::max<uint32_t>(options.download_streams, 1);
  return std::clamp<uint64_t>(size / (streams * 4), kMinRange, kMaxRange);
}

Result<RangedDownload> download_ranged(StorageBackend& src, const Path& key, const ObjectMeta& src_meta,
                                       AtomicFileWriter& out, HashKinds kinds, const TransferOptions& options,
                                       ProgressTracker* progress, const OpContext& ctx) {
  const uint64_t size = src_meta.size;
  const uint64_t range_size = std::max<uint64_t>(choose_range_size(size, options), 1);
  std::vector<Range> ranges(static_cast<size_t>((size + range_size - 1) / range_size));
  for (size_t i = 0; i < ranges.size(); ++i) {
    ranges[i].offset = i * range_size;
    ranges[i].length = std::min(range_size, size - ranges[i].offset);
  }
  // CRC32C alone combines from the ranges; any other kind is hashed in order.
  const bool combine_crcs = (kinds & ~hash_kinds(HashKind::Crc32c)) == 0;
  std::unique_ptr<PrefixHasher> in_order;
  if (!combine_crcs && size > 0) {
    // The reader reads up to the size the file has when it is opened: give
    // the temporary its whole size first (the last range writes this byte again).
    CLOUDSYNC_RETURN_IF_ERROR(out.write_at(size - 1, std::string_view("\0", 1)));
    CLOUDSYNC_ASSIGN_OR_RETURN(auto reader, out.reopen_temporary());
    in_order = std::make_unique<PrefixHasher>(std::move(reader), kinds, ranges);
  }
  const bool crc = combine_crcs && kinds != 0;
  const std::string& label = key.str();

  std::mutex mutex;
  std::optional<ObjectMeta> answered;
  // Cancelled on the first failed range (or with the operation) so that the others stop early.
  CancelToken stop(ctx.cancel);
  OpContext range_ctx = ctx;
  range_ctx.cancel = &stop;
  auto fetch = [&](size_t i) -> Status {
    Range& range = ranges[i];
    RangeSink sink(out, range, crc, progress, label);
    // Every range of the same version (pinned to the etag), or PreconditionFailed.
    Result<ObjectMeta> got = transfer_steps::get_resuming(
        src, key, src_meta.etag, ByteRange{range.offset, range.length}, sink, options, range_ctx);
    if (got.ok() && range.done.load() != range.length) {
      got = make_error(ErrorCode::Integrity, "'{}': the range at byte {} ended after {} of {} bytes", label,
                       range.offset, range.done.load(), range.length);
    }
    if (!got.ok()) return got.status();
    std::lock_guard lock(mutex);
    if (!answered) answered = std::move(got).value();
    return Status::OK();
  };
  Status first_error = parallel_for_until_error(ranges.size(), std::max<uint32_t>(options.download_streams, 1), stop,
                                                fetch, "download cancelled");
  if (!first_error.ok()) {
    if (in_order) in_order->abandon();
    return first_error;
  }
  RangedDownload result;
  result.meta = answered ? std::move(*answered) : src_meta;
  result.bytes = completed_prefix(ranges);
  if (in_order) {
    in_order->all_written();
    CLOUDSYNC_ASSIGN_OR_RETURN(result.hashes, in_order->finish());
  } else if (crc) {
    uint32_t whole = 0;
    for (const Range& r : ranges) whole = crc32c_combine(whole, r.crc, r.length);
    result.hashes.crc32c = fmt::format("{:08x}", whole);
  }
  return result;
}

}  // namespace cloudsync
