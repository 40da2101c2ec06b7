#include "backends/gdrive/gdrive_resumable_upload.hpp"

#include "core/error.hpp"
#include "core/log.hpp"
#include "http/content_range.hpp"

namespace cloudsync::gdrive {

namespace {

// A server that answers 308 without taking any of a final chunk this many
// times in a row is not going to.
constexpr int kMaxStalledRounds = 3;

bool completed(int status) { return status == 200 || status == 201; }

// "bytes=0-N" -> N + 1; no header -> 0 (the server holds nothing).
Result<uint64_t> held_by_server(const http::Response& response) {
  std::optional<std::string_view> range = response.headers.get("Range");
  if (!range) return uint64_t{0};
  std::optional<uint64_t> held = http::parse_upload_range(*range);
  if (!held) return make_error(ErrorCode::BadResponse, "unexpected Range '{}' from a Drive upload session", *range);
  return *held;
}

}  // namespace

ResumableWriter::ResumableWriter(DriveClient& client, UploadTarget target, std::optional<uint64_t> total,
                                 std::string what)
    : client_(client), target_(std::move(target)), total_(total), what_(std::move(what)) {}

Status ResumableWriter::append(std::string_view data, const OpContext& ctx) {
  carry_.append(data);
  appended_ += data.size();
  if (total_ && appended_ > *total_) {
    return make_error(ErrorCode::Integrity, "{}: the source has more than the {} bytes announced", what_, *total_);
  }
  CLOUDSYNC_ASSIGN_OR_RETURN(std::optional<DriveFile> done, flush(false, ctx));
  if (done) return make_error(ErrorCode::Internal, "{}: Drive completed the upload before its last byte", what_);
  return Status::OK();
}

Result<DriveFile> ResumableWriter::finish(const OpContext& ctx) {
  if (total_ && appended_ != *total_) {
    return make_error(ErrorCode::Integrity, "{}: the source produced {} bytes, {} were announced", what_, appended_,
                      *total_);
  }
  CLOUDSYNC_ASSIGN_OR_RETURN(std::optional<DriveFile> done, flush(true, ctx));
  if (!done) return make_error(ErrorCode::Internal, "{}: Drive did not complete the upload", what_);
  return std::move(*done);
}

std::string ResumableWriter::range_total(bool final) const {
  if (final) return std::to_string(appended_);
  return total_ ? std::to_string(*total_) : std::string("*");
}

Status ResumableWriter::accept_range(const http::Response& response) {
  CLOUDSYNC_ASSIGN_OR_RETURN(uint64_t held, held_by_server(response));
  if (held < confirmed_) {
    return make_error(ErrorCode::Internal, "{}: the upload session went back from {} to {} bytes", what_, confirmed_,
                      held);
  }
  uint64_t fresh = held - confirmed_;
  if (fresh > carry_.size()) {
    return make_error(ErrorCode::Internal, "{}: the upload session claims {} bytes, {} were sent", what_, held,
                      confirmed_ + carry_.size());
  }
  carry_.erase(0, static_cast<size_t>(fresh));
  confirmed_ = held;
  return Status::OK();
}

Result<std::optional<DriveFile>> ResumableWriter::flush(bool final, const OpContext& ctx) {
  auto due = [&]() -> size_t {
    if (final) return carry_.size();
    return carry_.empty() ? 0 : static_cast<size_t>((carry_.size() - 1) / kChunkQuantum * kChunkQuantum);
  };
  int stalled = 0;
  for (;;) {
    if (!final && due() == 0) return std::optional<DriveFile>();
    if (session_.empty()) {
      CLOUDSYNC_ASSIGN_OR_RETURN(session_, client_.start_resumable(target_, total_, what_, ctx));
    }
    const uint64_t before = confirmed_;
    DriveClient::Call call;
    call.method = "PUT";
    call.url = session_;
    call.what = what_;
    call.kind = CallKind::UploadChunk;
    call.idempotent = true;  // after a failure the offset is asked for first
    call.authorize = client_.same_host(session_);
    call.accept = {308};
    // One attempt may be two requests: where the session stands, then the chunk.
    call.exchange = [&](const http::Request& authorized, ByteSink*,
                        const OpContext& attempt_ctx) -> Result<http::Response> {
      http::Transport& transport = *client_.config().transport;
      std::optional<std::string_view> authorization = authorized.headers.get("Authorization");
      MemorySource empty("");
      if (need_sync_) {
        http::Request query;
        query.method = "PUT";
        query.url = session_;
        if (authorization) query.headers.set("Authorization", *authorization);
        query.headers.set("Content-Range", "bytes */" + range_total(final));
        query.body = &empty;
        query.body_size = 0;
        Result<http::Response> r = transport.send(query, nullptr, attempt_ctx);
        if (!r.ok() || r->status != 308) return r;  // completed, expired, or another failure
        CLOUDSYNC_RETURN_IF_ERROR(accept_range(*r));
        need_sync_ = false;
        log(LogLevel::Info, "{}: resuming at byte {}", what_, confirmed_);
        if (!final && due() == 0) return r;  // everything due is already there
      }
      const size_t n = due();
      MemorySource chunk(std::string_view(carry_).substr(0, n));
      http::Request put;
      put.method = "PUT";
      put.url = session_;
      if (authorization) put.headers.set("Authorization", *authorization);
      put.headers.set("Content-Range",
                      n == 0 ? "bytes */" + range_total(final)
                             : fmt::format("bytes {}-{}/{}", confirmed_, confirmed_ + n - 1, range_total(final)));
      put.body = &chunk;
      put.body_size = n;
      Result<http::Response> r = transport.send(put, nullptr, attempt_ctx);
      // The chunk may have arrived in part: ask before sending again.
      if (!r.ok() || r->status >= 500) need_sync_ = true;
      return r;
    };
    Result<http::Response> answer = client_.send(call, ctx);
    if (!answer.ok()) {
      session_expired_ = answer.status().http_status() == 404;
      return answer.status();
    }
    const http::Response& response = *answer;
    if (response.status == 308) {
      CLOUDSYNC_RETURN_IF_ERROR(accept_range(response));
      stalled = confirmed_ == before ? stalled + 1 : 0;
      if (stalled >= kMaxStalledRounds) {
        return make_error(ErrorCode::Internal, "{}: the upload session stopped taking data at byte {}", what_,
                          confirmed_);
      }
      continue;
    }
    if (completed(response.status)) {
      if (!final) return make_error(ErrorCode::Internal, "{}: Drive completed the upload early", what_);
      CLOUDSYNC_ASSIGN_OR_RETURN(DriveFile file, parse_drive_file(response.body, what_));
      confirmed_ = appended_;
      carry_.clear();
      return std::optional<DriveFile>(std::move(file));
    }
    return make_error(ErrorCode::Internal, "{}: Drive answered HTTP {} to a chunk", what_, response.status);
  }
}

}  // namespace cloudsync::gdrive
