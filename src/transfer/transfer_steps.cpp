#include "transfer/transfer_steps.hpp"

#include <chrono>
#include <thread>

#include "core/error.hpp"
#include "core/log.hpp"
#include "http/http.hpp"
#include "http/retry_budget.hpp"

namespace cloudsync::transfer_steps {

Result<size_t> ProgressSource::read(std::span<char> buf) {
  CLOUDSYNC_ASSIGN_OR_RETURN(size_t n, in_.read(buf));
  counted_ += n;
  if (progress_ != nullptr && n > 0) progress_->add_bytes(static_cast<int64_t>(n), label_);
  return n;
}

Status ProgressSource::rewind() {
  CLOUDSYNC_RETURN_IF_ERROR(in_.rewind());
  if (progress_ != nullptr && counted_ > 0) progress_->add_bytes(-static_cast<int64_t>(counted_), label_);
  counted_ = 0;
  return Status::OK();
}

Status verify_hashes(const HashSet& vouched, const HashSet& computed, const Path& key) {
  auto same = vouched.matches(computed);
  if (same.has_value() && !*same) {
    return make_error(ErrorCode::Integrity, "'{}' was corrupted in transfer: checksum mismatch", key.str());
  }
  return Status::OK();
}

Status source_changed(const Path& key, std::string_view why) {
  return make_error(ErrorCode::PreconditionFailed, "'{}' changed {}; it will be sent again", key.str(), why);
}

Status destination_changed(const Path& key, std::string_view why) {
  return make_error(ErrorCode::Conflict, "'{}' changed at the destination since it was planned ({})", key.str(), why);
}

Result<PutOptions> put_options_for(StorageBackend& dst, const Path& dst_key, const DestinationExpectation& expect,
                                   PutOptions put, const OpContext& ctx) {
  const Capabilities& caps = dst.capabilities();
  switch (expect.kind) {
    case DestinationExpectation::Kind::Anything: put.mode = PutMode::Overwrite; break;
    case DestinationExpectation::Kind::Absent:
      if (caps.conditional_create) {
        put.mode = PutMode::Create;
      } else if (!expect.check_by_reading) {
        put.mode = PutMode::Overwrite;
      } else {
        auto head = dst.head(dst_key, ctx);
        if (head.ok()) return destination_changed(dst_key, "an object appeared");
        if (head.status().code() != ErrorCode::NotFound) return head.status();
        put.mode = PutMode::Overwrite;
      }
      break;
    case DestinationExpectation::Kind::Unchanged:
      if (caps.conditional_update && !expect.meta.etag.empty()) {
        put.mode = PutMode::Update;
        put.if_match = expect.meta.etag;
      } else if (!expect.check_by_reading) {
        put.mode = PutMode::Overwrite;
      } else {
        auto head = dst.head(dst_key, ctx);
        if (!head.ok()) {
          if (head.status().code() == ErrorCode::NotFound) return destination_changed(dst_key, "it disappeared");
          return head.status();
        }
        if (head->etag != expect.meta.etag || head->size != expect.meta.size) {
          return destination_changed(dst_key, "it was modified");
        }
        put.mode = PutMode::Overwrite;
      }
      break;
  }
  return put;
}

Status map_put_error(const Status& s, const Path& dst_key) {
  if (s.code() == ErrorCode::AlreadyExists) return destination_changed(dst_key, "an object appeared");
  if (s.code() == ErrorCode::PreconditionFailed) return destination_changed(dst_key, "it was modified");
  return s;
}

bool resume_after(ErrorCode code, uint32_t attempt, const TransferOptions& options, const OpContext& ctx) {
  // A spent operation budget (the HTTP layer counts every failed attempt)
  // means this file does not insist either.
  bool budget_left = ctx.retry_budget == nullptr || !ctx.retry_budget->spent();
  if (!error_code_is_transient(code) || attempt >= options.resume_attempts || ctx.cancelled() || !budget_left) {
    return false;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100 * (attempt + 1)));
  return true;
}

Result<ObjectMeta> get_resuming(StorageBackend& src, const Path& key, const std::string& etag,
                                std::optional<ByteRange> range, ByteSink& sink, const TransferOptions& options,
                                const OpContext& ctx) {
  const ByteRange whole = range.value_or(ByteRange{});
  http::CountingSink counted(&sink);
  GetOptions get;
  get.if_match = etag;
  get.range = range;
  for (uint32_t attempt = 0;; ++attempt) {
    const uint64_t before = counted.bytes();
    Result<ObjectMeta> got = src.get(key, get, counted, ctx);
    if (got.ok()) return got;
    if (counted.bytes() > before) retry_progress(ctx);  // bytes that arrived are progress
    const bool can_continue = counted.bytes() == 0 || (src.capabilities().ranged_get && !etag.empty());
    if (!can_continue || !resume_after(got.status().code(), attempt, options, ctx)) return got;
    log(LogLevel::Info, "resuming the read of '{}' at byte {} after: {}", key.str(), whole.offset + counted.bytes(),
        got.status().to_string());
    if (counted.bytes() > 0) {
      std::optional<uint64_t> left;
      if (whole.length) left = *whole.length - counted.bytes();
      get.range = ByteRange{whole.offset + counted.bytes(), left};
    }
  }
}

}  // namespace cloudsync::transfer_steps
