// The one place where S3 answers become ErrorCodes: S3 error codes (from the
// <Error> document, or from the HTTP status when there is none, as for HEAD),
// the hints users need (the bucket's real region, a wrong secret), and which
// S3 codes a retry can cure.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "backends/s3/s3_xml.hpp"
#include "http/client.hpp"

namespace cloudsync::s3 {

/// Failures that mean something specific to the operation that saw them.
enum class ErrorContext {
  Default,
  /// A create-only write (If-None-Match: *): 412 means the key exists.
  CreateOnly,
  /// A write pinned to an etag (If-Match): 412, and 404 for a key that is
  /// gone, mean the precondition failed.
  UpdateIfMatch,
  /// A read pinned to an etag: 412 means the object changed.
  ReadIfMatch,
};

/// The ErrorCode of an S3 error code, or of the HTTP status when the code is
/// unknown or absent.
ErrorCode error_code_for_s3(std::string_view s3_code, int http_status, ErrorContext context = ErrorContext::Default);

/// True for S3 codes worth retrying even though their HTTP status alone would
/// not say so (400 RequestTimeout, 409 ConditionalRequestConflict, an
/// InternalError/SlowDown inside a 200).
bool s3_code_is_transient(std::string_view s3_code);

/// The region the answer says the bucket lives in (x-amz-bucket-region, or the
/// <Region> of AuthorizationHeaderMalformed), when it is a region complaint.
std::optional<std::string> region_hint(const http::Response& response, const ErrorDocument* doc);

/// The server's clock, when the answer is a RequestTimeTooSkewed complaint
/// (<ServerTime>, else the Date header).
std::optional<TimePoint> skewed_server_time(const http::Response& response, const ErrorDocument* doc);

/// What the client used when it failed, for the hints.
struct ErrorHints {
  std::string region;             ///< region the request was signed for
  std::string access_key_id;      ///< not a secret; names the key to check
  std::string credential_source;  ///< where the keys came from ("options", "profile 'x' in ...")
};

/// The error Status of a failed answer (or of a 200 carrying an <Error>):
/// "<what>: HTTP <status> <message>[; hint]" with the HTTP status, S3 code and
/// request id attached.
Status s3_error_status(const http::Response& response, std::string_view what, ErrorContext context,
                       const ErrorHints& hints);

/// S3's reading of answers for the shared http::Client: the <Error> document
/// and its transient codes, an <Error> inside a 200 (for the requests that can
/// get one), a region redirect (handed to `move_to_region`, which moves the
/// client's route; false when already there) and RequestTimeTooSkewed (the
/// server's time). Failed answers become s3_error_status(). One per call.
class S3AnswerReader final : public http::AnswerReader {
 public:
  /// `hints.region` must stay the region the current attempt was signed for.
  S3AnswerReader(ErrorContext context, bool error_in_200, const ErrorHints& hints,
                 std::function<void(const std::string& region)> move_to_region)
      : context_(context), error_in_200_(error_in_200), hints_(hints), move_to_region_(std::move(move_to_region)) {}

  bool is_transient(const http::Call& call, const http::Response& response) override;
  bool failed_despite_status(const http::Call& call, const http::Response& response) override;
  bool redirected(const http::Call& call, const http::Response& response) override;
  std::optional<TimePoint> server_time(const http::Call& call, const http::Response& response) override;
  /// 401, or an S3 code that refuses the credentials themselves (ExpiredToken,
  /// InvalidToken, TokenRefreshRequired, InvalidAccessKeyId: temporary
  /// credentials that expired or were revoked). The authorizer decides whether
  /// a refresh can cure it (static keys cannot).
  bool credentials_rejected(const http::Call& call, const http::Response& response) override;
  Status error(const http::Call& call, const http::Response& response, const http::SendInfo& info) override;

 private:
  ErrorContext context_;
  bool error_in_200_;
  const ErrorHints& hints_;
  std::function<void(const std::string& region)> move_to_region_;
};

}  // namespace cloudsync::s3
