// Aborting multipart uploads that were never completed. Their parts are
// stored (and billed) until the upload is aborted, and a process killed in
// the middle of an upload never gets to abort it.
#include <set>
#include <utility>

#include "backends/s3/s3_backend.hpp"
#include "backends/s3/s3_xml.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/time.hpp"

namespace cloudsync::s3 {

namespace {
// ListMultipartUploads answers at most 1000 per page; this bounds a listing
// whose server keeps saying "truncated".
constexpr int kMaxPages = 100'000;
}  // namespace

Result<uint64_t> S3Backend::sweep_interrupted_uploads(const SweepOptions& options, const OpContext& ctx) {
  // S3 cannot tell which process began an upload: age is the only safe test
  // (an upload begun recently may still be running on another machine).
  const TimePoint cutoff = now_utc() - options.older_than;
  std::vector<PendingUpload> stale;
  std::string key_marker, id_marker;
  std::set<std::pair<std::string, std::string>> markers_seen;
  for (int page = 0;; ++page) {
    if (ctx.cancelled()) return Status(ErrorCode::Cancelled, "sweep cancelled");
    if (page >= kMaxPages) {
      return make_error(ErrorCode::LimitExceeded, "{}: the list of multipart uploads did not end after {} pages",
                        describe(), kMaxPages);
    }
    S3Request request;
    request.query = {{"uploads", ""}, {"encoding-type", "url"}};
    if (!options.prefix.empty()) request.query.emplace_back("prefix", options.prefix);
    if (!key_marker.empty()) request.query.emplace_back("key-marker", key_marker);
    if (!id_marker.empty()) request.query.emplace_back("upload-id-marker", id_marker);
    request.what = "ListMultipartUploads " + client_->describe(options.prefix);
    CLOUDSYNC_ASSIGN_OR_RETURN(http::Response response, client_->send(request, ctx));
    CLOUDSYNC_ASSIGN_OR_RETURN(ListUploadsPage listed, parse_list_multipart_uploads(response.body, true));
    for (PendingUpload& upload : listed.uploads) {
      if (upload.initiated && *upload.initiated <= cutoff) stale.push_back(std::move(upload));
    }
    if (!listed.truncated) break;
    if (!markers_seen.emplace(listed.next_key_marker, listed.next_upload_id_marker).second ||
        (listed.next_key_marker.empty() && listed.next_upload_id_marker.empty())) {
      return make_error(ErrorCode::BadResponse, "{}: the list of multipart uploads repeated its position ('{}')",
                        describe(), listed.next_key_marker);
    }
    key_marker = std::move(listed.next_key_marker);
    id_marker = std::move(listed.next_upload_id_marker);
  }
  uint64_t aborted = 0;
  for (const PendingUpload& upload : stale) {
    S3Request request;
    request.method = "DELETE";
    request.key = upload.key;
    request.query = {{"uploadId", upload.upload_id}};
    request.what = "AbortMultipartUpload " + client_->describe(upload.key);
    Result<http::Response> answer = client_->send(request, ctx);
    if (!answer.ok() && answer.status().code() != ErrorCode::NotFound) return answer.status();
    log(LogLevel::Info, "aborted the unfinished upload of {} begun {}", client_->describe(upload.key),
        format_rfc3339(*upload.initiated));
    ++aborted;
  }
  return aborted;
}

}  // namespace cloudsync::s3
