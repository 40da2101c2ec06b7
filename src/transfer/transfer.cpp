#include "transfer/transfer.hpp"

#include <algorithm>
#include <memory>
#include <vector>

#include "core/error.hpp"
#include "core/file_io.hpp"
#include "core/hash.hpp"
#include "core/log.hpp"
#include "core/parallel.hpp"
#include "http/retry_budget.hpp"
#include "transfer/memory_relay.hpp"
#include "transfer/server_copy.hpp"
#include "transfer/transfer_steps.hpp"
#include "transfer/ranged_download.hpp"

namespace cloudsync {

namespace fs = std::filesystem;

namespace {

constexpr size_t kReadChunk = 1 << 20;

using transfer_steps::destination_changed;
using transfer_steps::map_put_error;
using transfer_steps::ProgressSource;
using transfer_steps::put_options_for;
using transfer_steps::source_changed;
using transfer_steps::verify_hashes;

// Tees a download into the file writer, the hasher and the progress tracker.
class HashingSink final : public ByteSink {
 public:
  HashingSink(ByteSink& out, Hasher& hasher, ProgressTracker* progress, const std::string& label)
      : out_(out), hasher_(hasher), progress_(progress), label_(label) {}
  Status write(std::string_view data) override {
    CLOUDSYNC_RETURN_IF_ERROR(out_.write(data));
    hasher_.update(data);
    written_ += data.size();
    if (progress_ != nullptr) progress_->add_bytes(static_cast<int64_t>(data.size()), label_);
    return Status::OK();
  }
  uint64_t written() const noexcept { return written_; }

 private:
  ByteSink& out_;
  Hasher& hasher_;
  ProgressTracker* progress_;
  const std::string& label_;
  uint64_t written_ = 0;
};

// Downloads into a local folder: temporary file, hash while streaming, resume
// after transient failures, verify, fsync, check the expectation, rename.
Result<TransferResult> download_to_local(StorageBackend& src, const Path& src_key, const ObjectMeta& src_meta,
                                         const LocalFolder& folder, const Path& dst_key,
                                         const DestinationExpectation& expect, const TransferOptions& options,
                                         ProgressTracker* progress, const OpContext& ctx) {
  const fs::path& root = folder.anchor;
  const Path dst_rel = folder.key_path(dst_key);
  AtomicFileWriter::Options wopts;
  wopts.fsync = options.fsync;
  wopts.no_replace = expect.kind == DestinationExpectation::Kind::Absent;
  CLOUDSYNC_ASSIGN_OR_RETURN(auto writer, AtomicFileWriter::create(root, dst_rel, wopts));
  // Hash what the listing vouches for; when it vouches for nothing (an S3
  // multipart ETag), the cheapest kind the backend records on its writes.
  HashKinds listed = src_meta.hashes.kinds();
  HashKinds verify = options.ignore_checksum ? 0 : cheapest_hash_kind(listed ? listed : src.capabilities().hashes);
  const std::string& label = src_key.str();
  ObjectMeta meta;
  HashSet computed;
  uint64_t received = 0;
  if (use_ranged_download(src.capabilities(), src_meta, options)) {
    auto ranged = download_ranged(src, src_key, src_meta, *writer, options.hash_kinds | verify, options, progress, ctx);
    if (!ranged.ok()) {
      if (ranged.status().code() == ErrorCode::PreconditionFailed) {
        return source_changed(src_key, "at the source while it was being read");
      }
      return ranged.status();
    }
    meta = std::move(ranged->meta);
    computed = std::move(ranged->hashes);
    received = ranged->bytes;
  } else {
    Hasher hasher(options.hash_kinds | verify);
    HashingSink sink(*writer, hasher, progress, label);
    auto got = transfer_steps::get_resuming(src, src_key, src_meta.etag, std::nullopt, sink, options, ctx);
    if (!got.ok()) {
      if (got.status().code() == ErrorCode::PreconditionFailed) {
        return source_changed(src_key, "at the source while it was being read");
      }
      return got.status();
    }
    meta = std::move(got).value();
    computed = hasher.finish();
    received = sink.written();
  }
  uint64_t expected_size = src_meta.size;
  bool sized = src_meta.kind != ObjectKind::Document;  // an exported document has no size until exported
  if (sized && (received != expected_size || meta.size != expected_size)) {
    return make_error(ErrorCode::Integrity, "'{}' arrived with {} bytes, expected {}", src_key.str(), received,
                      expected_size);
  }
  HashSet vouched = meta.hashes;
  if (!src.capabilities().get_reports_hashes) vouched.merge(src_meta.hashes);
  if (!options.ignore_checksum && vouched.kinds() != 0 && !vouched.matches(computed).has_value()) {
    // The answer vouches only for a kind the listing did not promise (a
    // multipart object another tool wrote with an MD5 in its metadata):
    // read the local copy back once rather than accept it unverified.
    CLOUDSYNC_ASSIGN_OR_RETURN(auto written, writer->reopen_temporary());
    CLOUDSYNC_ASSIGN_OR_RETURN(HashSet again, hash_source(*written, cheapest_hash_kind(vouched.kinds()), ctx));
    computed.merge(again);
  }
  CLOUDSYNC_RETURN_IF_ERROR(verify_hashes(vouched, computed, src_key));

  if (expect.kind == DestinationExpectation::Kind::Unchanged) {
    auto now = stat_file_below(root, dst_rel);
    if (!now.ok()) return destination_changed(dst_key, "it disappeared");
    if (now->size != expect.meta.size || !expect.meta.mtime || now->mtime != *expect.meta.mtime) {
      return destination_changed(dst_key, "it was modified");
    }
  }
  Status committed = writer->commit(src_meta.mtime ? src_meta.mtime : meta.mtime);
  if (!committed.ok()) {
    if (committed.code() == ErrorCode::AlreadyExists) return destination_changed(dst_key, "a file appeared");
    return committed;
  }
  auto info = stat_file_below(root, dst_rel);
  if (!info.ok()) return info.status();
  TransferResult result;
  result.source = std::move(meta);
  result.source.key = src_key.str();
  result.destination.key = dst_key.str();
  result.destination.size = info->size;
  result.destination.mtime = info->mtime;
  result.destination.etag = local_file_etag(*info);
  result.destination.hashes = computed;
  result.content_hashes = computed;
  result.bytes = received;
  return result;
}

// The local file still is the one `before` described (same size, mtime and
// inode: an atomic replacement gives a new inode with the same size and mtime).
Status still_unchanged(const LocalFolder& folder, const Path& src_key, const FileInfo& before) {
  CLOUDSYNC_ASSIGN_OR_RETURN(FileInfo now, stat_file_below(folder.anchor, folder.key_path(src_key)));
  if (now.size != before.size || now.mtime != before.mtime || now.inode != before.inode) {
    return source_changed(src_key, "while it was being uploaded");
  }
  return Status::OK();
}

Result<ObjectMeta> upload_in_parts(StorageBackend& dst, const Path& dst_key, const LocalFolder& folder,
                                   const Path& src_key, const FileInfo& before, const PutOptions& put,
                                   const TransferOptions& options, ProgressTracker* progress, const std::string& label,
                                   const OpContext& ctx) {
  const Capabilities& caps = dst.capabilities();
  const uint64_t size = before.size;
  uint64_t part_size = choose_part_size(caps, size, options.part_size);
  auto count = static_cast<uint32_t>(size == 0 ? 1 : (size + part_size - 1) / part_size);
  auto started = dst.start_multipart(dst_key, put, ctx);
  if (!started.ok()) return map_put_error(started.status(), dst_key);
  auto upload = std::move(started).value();
  std::vector<PartInfo> parts(count);
  // Cancelled on the first failed part (or with the operation) so that the other parts stop early.
  CancelToken stop(ctx.cancel);
  OpContext part_ctx = ctx;
  part_ctx.cancel = &stop;
  auto job = [&](size_t i) -> Status {
    const uint64_t offset = i * part_size;
    auto source =
        FileSource::open_below(folder.anchor, folder.key_path(src_key), offset, std::min(part_size, size - offset));
    if (!source.ok()) return map_put_error(source.status(), dst_key);
    ProgressSource counted(**source, progress, label);
    auto sent = upload->upload_part(static_cast<uint32_t>(i + 1), counted, part_ctx);
    if (!sent.ok()) return map_put_error(sent.status(), dst_key);
    // No lock: each part writes its own slot.
    parts[i] = std::move(sent).value();
    return Status::OK();
  };
  Status first_error =
      parallel_for_until_error(count, caps.multipart.parallel ? std::max<uint32_t>(options.part_concurrency, 1) : 1,
                               stop, job, "upload cancelled");
  // Parts read at different times may mix two versions of the file: a file
  // that changed must never become a committed object.
  if (first_error.ok()) first_error = still_unchanged(folder, src_key, before);
  if (!first_error.ok()) {
    Status aborted = upload->abort(OpContext{});
    if (!aborted.ok())
      log(LogLevel::Warn, "could not abort the upload of '{}': {}", dst_key.str(), aborted.to_string());
    return first_error;
  }
  auto done = upload->complete(std::move(parts), ctx);
  if (!done.ok()) {
    (void)upload->abort(OpContext{});
    return map_put_error(done.status(), dst_key);
  }
  return done;
}

// Uploads a local file: one streaming put, or parts above the backend's threshold.
Result<TransferResult> upload_from_local(const LocalFolder& folder, const Path& src_key, const ObjectMeta& src_meta,
                                         StorageBackend& dst, const Path& dst_key, const DestinationExpectation& expect,
                                         const TransferOptions& options, ProgressTracker* progress,
                                         const OpContext& ctx) {
  const fs::path& root = folder.anchor;
  const Path src_rel = folder.key_path(src_key);
  CLOUDSYNC_ASSIGN_OR_RETURN(FileInfo before, stat_file_below(root, src_rel));
  if (before.size != src_meta.size || (src_meta.mtime && before.mtime != *src_meta.mtime)) {
    return source_changed(src_key, "since it was planned");
  }
  // Hashes known from planning are reused; otherwise one pass computes them all
  // (backends need them up front: Content-MD5, payload signatures, metadata).
  const Capabilities& dst_caps = dst.capabilities();
  HashKinds wanted =
      options.hash_kinds | dst_caps.upload_hashes | (options.ignore_checksum ? 0 : cheapest_hash_kind(dst_caps.hashes));
  HashSet hashes = src_meta.hashes;
  if ((hashes.kinds() & wanted) != wanted) {
    CLOUDSYNC_ASSIGN_OR_RETURN(HashSet computed, hash_local_file(root, src_rel, wanted & ~hashes.kinds(), ctx));
    hashes.merge(computed);
  }
  PutOptions put;
  put.mtime = before.mtime;
  put.size = before.size;
  put.known_hashes = hashes;
  CLOUDSYNC_ASSIGN_OR_RETURN(put, put_options_for(dst, dst_key, expect, std::move(put), ctx));

  const std::string& label = src_key.str();
  Result<ObjectMeta> written = Status(ErrorCode::Internal, "unset");
  if (dst_caps.multipart.supported && before.size >= dst_caps.multipart.threshold) {
    written = upload_in_parts(dst, dst_key, folder, src_key, before, put, options, progress, label, ctx);
  } else {
    CLOUDSYNC_ASSIGN_OR_RETURN(auto source, FileSource::open_below(root, src_rel));
    ProgressSource counted(*source, progress, label);
    written = dst.put(dst_key, counted, put, ctx);
    if (!written.ok()) return map_put_error(written.status(), dst_key);
  }
  // (upload_in_parts mapped the store's refusals itself: its own error for a
  // file that changed under it is the source's, not the destination's.)
  if (!written.ok()) return written.status();

  CLOUDSYNC_RETURN_IF_ERROR(still_unchanged(folder, src_key, before));
  if (written->size != before.size) {
    return make_error(ErrorCode::Integrity, "'{}' was stored with {} bytes, expected {}", dst_key.str(), written->size,
                      before.size);
  }
  CLOUDSYNC_RETURN_IF_ERROR(verify_hashes(written->hashes, hashes, dst_key));
  TransferResult result;
  result.source = src_meta;
  result.source.hashes = hashes;
  result.destination = std::move(written).value();
  result.destination.key = dst_key.str();
  result.content_hashes = hashes;
  result.bytes = before.size;
  return result;
}

}  // namespace

HashKinds cheapest_hash_kind(HashKinds available) {
  for (HashKind k : {HashKind::Crc32c, HashKind::Md5, HashKind::Sha256}) {
    if (has_kind(available, k)) return hash_kinds(k);
  }
  return 0;
}

uint64_t choose_part_size(const Capabilities& caps, uint64_t size, uint64_t requested) {
  const auto& mp = caps.multipart;
  uint64_t part = requested ? requested : (mp.default_part_size ? mp.default_part_size : 8ull << 20);
  part = std::max<uint64_t>(part, std::max<uint64_t>(mp.min_part_size, 1));
  if (mp.max_parts > 0) {
    uint64_t needed = (size + mp.max_parts - 1) / mp.max_parts;
    part = std::max(part, needed);
  }
  uint64_t multiple = std::max<uint64_t>(mp.part_size_multiple, 1);
  part = (part + multiple - 1) / multiple * multiple;
  if (mp.max_part_size > 0) part = std::min(part, mp.max_part_size);
  return part;
}

Result<HashSet> hash_local_file(const fs::path& root, const Path& rel, HashKinds kinds, const OpContext& ctx) {
  CLOUDSYNC_ASSIGN_OR_RETURN(auto source, FileSource::open_below(root, rel));
  return hash_source(*source, kinds, ctx);
}

Result<HashSet> hash_source(FileSource& source, HashKinds kinds, const OpContext& ctx) {
  Hasher hasher(kinds);
  // No larger than the file, and not zeroed: small files are what a sync
  // mostly moves, and clearing 1 MiB for each 4 KiB file cost more than
  // hashing it (bench/, 1000 files).
  const size_t chunk = static_cast<size_t>(std::clamp<uint64_t>(source.size().value_or(kReadChunk), 1, kReadChunk));
  auto buf = std::make_unique_for_overwrite<char[]>(chunk);
  for (;;) {
    if (ctx.cancelled()) return Status(ErrorCode::Cancelled, "hashing cancelled");
    CLOUDSYNC_ASSIGN_OR_RETURN(size_t n, source.read(std::span<char>(buf.get(), chunk)));
    if (n == 0) break;
    hasher.update(std::string_view(buf.get(), n));
  }
  return hasher.finish();
}

Result<TransferResult> transfer_object(StorageBackend& src, const Path& src_key, const ObjectMeta& src_meta,
                                       StorageBackend& dst, const Path& dst_key, const DestinationExpectation& expect,
                                       const TransferOptions& options, ProgressTracker* progress,
                                       const OpContext& ctx) {
  // Within one store that copies by itself, no byte passes through here
  // (an exported document is no copy of the stored one: it streams).
  if (src_meta.kind != ObjectKind::Document && can_copy_server_side(src, dst)) {
    auto copied = copy_server_side(src, src_key, src_meta, dst, dst_key, expect, progress, ctx);
    if (!copied.ok() && copy_refused(copied.status())) {
      log(LogLevel::Info, "copying '{}' by streaming: the store refused a server-side copy: {}", src_key.str(),
          copied.status().to_string());
    } else {
      return copied;
    }
  }
  if (auto root = dst.local_root()) {
    return download_to_local(src, src_key, src_meta, *root, dst_key, expect, options, progress, ctx);
  }
  if (auto root = src.local_root()) {
    return upload_from_local(*root, src_key, src_meta, dst, dst_key, expect, options, progress, ctx);
  }
  if (can_relay_through_memory(src, src_meta, dst)) {
    return relay_through_memory(src, src_key, src_meta, dst, dst_key, expect, options, progress, ctx);
  }
  // Too large for one buffer and not to be sent in parts: spool through a
  // private temporary folder.
  fs::path spool_base = options.spool_dir.empty() ? fs::temp_directory_path() : options.spool_dir;
  fs::path spool = spool_base / (".cloudsync-spool-" + random_hex(8));
  std::error_code ec;
  fs::create_directories(spool, ec);
  if (ec) return errno_error(ec.value(), "create spool folder", spool);
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code ignored;
      fs::remove_all(dir, ignored);
    }
  } cleanup{spool};
  Path spooled = *Path::parse("object");
  TransferOptions spool_options = options;
  spool_options.fsync = false;  // scratch data
  CLOUDSYNC_ASSIGN_OR_RETURN(TransferResult down, download_to_local(src, src_key, src_meta, LocalFolder{spool, {}},
                                                                    spooled, {}, spool_options, nullptr, ctx));
  ObjectMeta local = down.destination;
  local.hashes = down.content_hashes;
  CLOUDSYNC_ASSIGN_OR_RETURN(TransferResult up, upload_from_local(LocalFolder{spool, {}}, spooled, local, dst, dst_key,
                                                                  expect, options, progress, ctx));
  up.source = down.source;
  return up;
}

}  // namespace cloudsync
