// The one place where Drive's answers become ErrorCodes and retry decisions.
//
// Drive says what went wrong in error.errors[].reason, and the HTTP status
// alone is ambiguous: a 403 is a rate limit (retry), a quota (stop), a
// permission problem or a flagged file (report). Reasons follow
// developers.google.com/drive/api/guides/handle-errors.
#pragma once

#include <string>
#include <string_view>

#include "cloudsync/status.hpp"
#include "backends/gdrive/gdrive_pacer.hpp"
#include "http/client.hpp"

namespace cloudsync::gdrive {

/// What kind of call an answer belongs to: the same answer can mean different
/// things for an upload (the daily upload cap) or an export, and a 404 from a
/// resumable session means the session is gone, not the file.
enum class CallKind { Metadata, Download, Export, Upload, UploadChunk };

struct DriveError {
  int http_status = 0;
  std::string reason;   ///< errors[0].reason, else error.status ("PERMISSION_DENIED"), else empty
  std::string message;  ///< error.message (or errors[0].message), else empty
};

/// Parses Google's JSON error document {"error":{"code","message","errors":[{"reason",...}]}};
/// tolerant of bodies that are not (proxies, load balancers).
DriveError parse_drive_error(const http::Response& response);

struct DriveErrorPolicy {
  /// userRateLimitExceeded "User rate limit exceeded." on an upload is the
  /// daily upload cap: stop (LimitExceeded) instead of retrying.
  bool stop_on_upload_limit = true;
};

/// True when `error` is a rate limit that a later retry can pass.
bool is_rate_limit(const DriveError& error, CallKind kind, const DriveErrorPolicy& policy);

/// Retry decision for one attempt: rate limits, 429 and 503 retry; other 5xx
/// and network errors retry only idempotent calls (a create that failed after
/// Drive made the file would make a twin); quotas, permissions and the rest fail.
http::Outcome classify_drive_answer(const Result<http::Response>& result, bool idempotent, CallKind kind,
                                    const DriveErrorPolicy& policy);

/// The error Status for a failed answer: code from the reason (else the
/// status), "<what>: HTTP <status> <reason>: <message>" plus what to do, and
/// the HTTP status and reason attached as provider details.
Status drive_error_status(const http::Response& response, std::string_view what, CallKind kind,
                          const DriveErrorPolicy& policy);

/// Drive's reading of answers for the shared http::Client: statuses in
/// Call::accept are answers; otherwise classify_drive_answer() decides (a
/// rate limit is retried and slows the pacer down) and drive_error_status()
/// makes the error. One per call.
class DriveAnswerReader final : public http::AnswerReader {
 public:
  DriveAnswerReader(CallKind kind, const DriveErrorPolicy& policy, Pacer& pacer)
      : kind_(kind), policy_(policy), pacer_(pacer) {}

  http::Outcome classify(const http::Call& call, const Result<http::Response>& result) override;
  Status error(const http::Call& call, const http::Response& response, const http::SendInfo& info) override;

 private:
  CallKind kind_;
  const DriveErrorPolicy& policy_;
  Pacer& pacer_;
};

}  // namespace cloudsync::gdrive
