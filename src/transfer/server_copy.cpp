#include "transfer/server_copy.hpp"

#include "core/error.hpp"
#include "core/log.hpp"
#include "transfer/transfer_steps.hpp"

namespace cloudsync {

using transfer_steps::destination_changed;
using transfer_steps::put_options_for;
using transfer_steps::source_changed;
using transfer_steps::verify_hashes;

bool can_copy_server_side(const StorageBackend& src, const StorageBackend& dst) {
  return dst.capabilities().server_side_copy && dst.can_copy_from(src);
}

bool copy_refused(const Status& status) {
  return status.code() == ErrorCode::Unsupported || status.code() == ErrorCode::PermissionDenied;
}

Result<TransferResult> copy_server_side(StorageBackend& src, const Path& src_key, const ObjectMeta& src_meta,
                                        StorageBackend& dst, const Path& dst_key, const DestinationExpectation& expect,
                                        ProgressTracker* progress, const OpContext& ctx) {
  // A listing does not carry everything the copy records (an S3 listing has
  // no mtime or checksum metadata): the source's own answer does, for no
  // bytes, and it shows a source that changed before anything is written.
  auto head = src.head(src_key, ctx);
  if (!head.ok()) {
    if (head.status().code() == ErrorCode::NotFound) return source_changed(src_key, "since it was listed (it is gone)");
    return head.status();
  }
  if (!src_meta.etag.empty() && head->etag != src_meta.etag) return source_changed(src_key, "since it was listed");
  if (src_meta.kind != ObjectKind::Document && head->size != src_meta.size) {
    return source_changed(src_key, "since it was listed");
  }
  HashSet vouched = head->hashes;
  if (!src.capabilities().get_reports_hashes) vouched.merge(src_meta.hashes);

  PutOptions put;
  put.mtime = src_meta.mtime ? src_meta.mtime : head->mtime;
  put.size = head->size;
  put.content_type = head->content_type;
  put.known_hashes = vouched;
  CLOUDSYNC_ASSIGN_OR_RETURN(put, put_options_for(dst, dst_key, expect, std::move(put), ctx));
  CopyOptions copy;
  copy.put = put;
  copy.source_if_match = head->etag;
  copy.source_size = head->size;

  Result<ObjectMeta> copied = dst.copy_from(src, src_key, dst_key, copy, ctx);
  if (!copied.ok()) {
    const Status& failed = copied.status();
    const ErrorCode code = failed.code();
    if (code != ErrorCode::PreconditionFailed && code != ErrorCode::AlreadyExists && code != ErrorCode::NotFound) {
      return failed;
    }
    // Either side's condition may have failed, and a store can answer both
    // the same way (S3: 412): the source's etag now tells which.
    auto now = src.head(src_key, ctx);
    if (!now.ok() || now->etag != head->etag) return source_changed(src_key, "while it was being copied");
    if (code == ErrorCode::AlreadyExists) return destination_changed(dst_key, "an object appeared");
    if (code == ErrorCode::PreconditionFailed && put.mode == PutMode::Update) {
      return destination_changed(dst_key, "it was modified");
    }
    return failed;
  }
  if (copied->size != head->size) {
    return make_error(ErrorCode::Integrity, "'{}' was copied with {} bytes, expected {}", dst_key.str(), copied->size,
                      head->size);
  }
  CLOUDSYNC_RETURN_IF_ERROR(verify_hashes(copied->hashes, vouched, dst_key));
  if (progress != nullptr) progress->add_bytes(static_cast<int64_t>(head->size), src_key.str());
  log(LogLevel::Debug, "copied '{}' to '{}' server-side ({} bytes)", src_key.str(), dst_key.str(), head->size);

  TransferResult result;
  result.source = std::move(head).value();
  result.source.key = src_key.str();
  result.destination = std::move(copied).value();
  result.destination.key = dst_key.str();
  result.content_hashes = vouched;
  result.content_hashes.merge(result.destination.hashes);
  result.bytes = result.source.size;
  return result;
}

}  // namespace cloudsync
