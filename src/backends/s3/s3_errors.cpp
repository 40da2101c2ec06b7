#include "backends/s3/s3_errors.hpp"

#include <utility>

#include "core/error.hpp"
#include "core/time.hpp"
#include "http/http_date.hpp"

namespace cloudsync::s3 {

namespace {

struct CodeMapping {
  std::string_view s3_code;
  ErrorCode code;
};

// S3 and S3-compatible error codes (AWS "Error codes" reference, plus the
// ones MinIO, Ceph, R2 and GCS use for the same conditions).
constexpr CodeMapping kCodes[] = {
    {"NoSuchKey", ErrorCode::NotFound},
    {"NoSuchBucket", ErrorCode::NotFound},
    {"NoSuchUpload", ErrorCode::NotFound},
    {"NoSuchVersion", ErrorCode::NotFound},
    {"NotFound", ErrorCode::NotFound},
    {"AccessDenied", ErrorCode::PermissionDenied},
    {"AllAccessDisabled", ErrorCode::PermissionDenied},
    {"AccountProblem", ErrorCode::PermissionDenied},
    {"InvalidObjectState", ErrorCode::PermissionDenied},  // archived (Glacier) object
    {"InvalidAccessKeyId", ErrorCode::Unauthenticated},
    {"SignatureDoesNotMatch", ErrorCode::Unauthenticated},
    {"ExpiredToken", ErrorCode::Unauthenticated},
    {"InvalidToken", ErrorCode::Unauthenticated},
    {"TokenRefreshRequired", ErrorCode::Unauthenticated},
    {"MissingSecurityHeader", ErrorCode::Unauthenticated},
    {"RequestTimeTooSkewed", ErrorCode::Unauthenticated},
    {"RequestExpired", ErrorCode::Unauthenticated},
    {"SlowDown", ErrorCode::Throttled},
    {"Throttling", ErrorCode::Throttled},
    {"ThrottlingException", ErrorCode::Throttled},
    {"RequestLimitExceeded", ErrorCode::Throttled},
    {"TooManyRequests", ErrorCode::Throttled},
    {"ServiceUnavailable", ErrorCode::Throttled},
    {"InternalError", ErrorCode::Network},
    {"RequestTimeout", ErrorCode::Network},
    {"PreconditionFailed", ErrorCode::PreconditionFailed},
    {"ConditionalRequestConflict", ErrorCode::Conflict},
    {"OperationAborted", ErrorCode::Conflict},
    {"BucketAlreadyExists", ErrorCode::AlreadyExists},
    {"BucketAlreadyOwnedByYou", ErrorCode::AlreadyExists},
    {"BadDigest", ErrorCode::Integrity},
    {"InvalidDigest", ErrorCode::Integrity},
    {"XAmzContentSHA256Mismatch", ErrorCode::Integrity},
    {"IncompleteBody", ErrorCode::Integrity},
    {"EntityTooLarge", ErrorCode::LimitExceeded},
    {"KeyTooLongError", ErrorCode::LimitExceeded},
    {"MaxMessageLengthExceeded", ErrorCode::LimitExceeded},
    {"QuotaExceeded", ErrorCode::LimitExceeded},
    {"EntityTooSmall", ErrorCode::InvalidArgument},
    {"InvalidPart", ErrorCode::InvalidArgument},
    {"InvalidPartOrder", ErrorCode::InvalidArgument},
    {"InvalidRange", ErrorCode::InvalidArgument},
    {"InvalidBucketName", ErrorCode::InvalidArgument},
    {"AuthorizationHeaderMalformed", ErrorCode::InvalidArgument},
    {"PermanentRedirect", ErrorCode::InvalidArgument},
    {"TemporaryRedirect", ErrorCode::InvalidArgument},
    {"IllegalLocationConstraintException", ErrorCode::InvalidArgument},
    {"NotImplemented", ErrorCode::Unsupported},
    {"MethodNotAllowed", ErrorCode::Unsupported},
};

bool is_region_complaint(int status, std::string_view code) {
  return status == 301 || status == 307 || code == "PermanentRedirect" || code == "TemporaryRedirect" ||
         code == "AuthorizationHeaderMalformed" || code == "IllegalLocationConstraintException";
}

}  // namespace

ErrorCode error_code_for_s3(std::string_view s3_code, int http_status, ErrorContext context) {
  // The operation's own reading of a failed precondition comes first.
  if (http_status == 412 || s3_code == "PreconditionFailed") {
    if (context == ErrorContext::CreateOnly) return ErrorCode::AlreadyExists;
    return ErrorCode::PreconditionFailed;
  }
  // Older MinIO answers If-None-Match: * on a PUT with 304 Not Modified
  // (minio/minio#19442): the object exists all the same.
  if (http_status == 304 && context == ErrorContext::CreateOnly) return ErrorCode::AlreadyExists;
  if (context == ErrorContext::UpdateIfMatch && (s3_code == "NoSuchKey" || (s3_code.empty() && http_status == 404))) {
    return ErrorCode::PreconditionFailed;  // nothing left to match
  }
  for (const CodeMapping& m : kCodes) {
    if (m.s3_code == s3_code) return m.code;
  }
  if (http_status == 301 || http_status == 307) return ErrorCode::InvalidArgument;  // wrong region or endpoint
  return http::error_code_for_status(http_status);
}

bool s3_code_is_transient(std::string_view s3_code) {
  return s3_code == "InternalError" || s3_code == "SlowDown" || s3_code == "ServiceUnavailable" ||
         s3_code == "RequestTimeout" || s3_code == "ConditionalRequestConflict" || s3_code == "OperationAborted" ||
         s3_code == "Throttling" || s3_code == "ThrottlingException" || s3_code == "RequestLimitExceeded";
}

std::optional<std::string> region_hint(const http::Response& response, const ErrorDocument* doc) {
  std::string_view code = doc != nullptr ? std::string_view(doc->code) : std::string_view();
  if (!is_region_complaint(response.status, code)) return std::nullopt;
  if (doc != nullptr && !doc->region.empty()) return doc->region;
  if (auto header = response.headers.get("x-amz-bucket-region"); header && !header->empty()) {
    return std::string(*header);
  }
  return std::nullopt;
}

std::optional<TimePoint> skewed_server_time(const http::Response& response, const ErrorDocument* doc) {
  if (doc == nullptr || doc->code != "RequestTimeTooSkewed") return std::nullopt;
  if (!doc->server_time.empty()) {
    if (auto t = parse_rfc3339(doc->server_time); t.ok()) return *t;
  }
  if (auto date = response.headers.get("Date")) {
    if (auto t = parse_http_date(*date); t.ok()) return *t;
  }
  return std::nullopt;
}

Status s3_error_status(const http::Response& response, std::string_view what, ErrorContext context,
                       const ErrorHints& hints) {
  std::optional<ErrorDocument> doc = parse_error_document(response.body);
  std::string code = doc ? doc->code : std::string();
  std::string message = doc ? doc->message : std::string();
  // HEAD answers have no body: name the condition the status stands for.
  if (!doc && response.body.empty()) {
    if (response.status == 404) message = "not found";
    if (response.status == 403) message = "access denied (HEAD answers carry no reason)";
    if (response.status == 412 || response.status == 304) message = "precondition failed";
  }
  ErrorCode mapped = error_code_for_s3(code, response.status, context);

  std::string hint;
  if (auto region = region_hint(response, doc ? &*doc : nullptr)) {
    if (*region != hints.region) {
      hint = fmt::format("the bucket is in region '{}', not '{}': set region={}", *region, hints.region, *region);
    }
  } else if (is_region_complaint(response.status, code)) {
    hint = fmt::format("the bucket is not in region '{}' or not at this endpoint; check region and endpoint",
                       hints.region);
  }
  std::string source =
      hints.credential_source.empty() ? std::string() : fmt::format(" (credentials from {})", hints.credential_source);
  if (code == "SignatureDoesNotMatch") {
    hint = fmt::format("the secret access key does not match access key id '{}'{}, or the request was altered",
                       hints.access_key_id, source);
  } else if (code == "InvalidAccessKeyId") {
    hint = fmt::format("access key id '{}'{} is unknown to this store", hints.access_key_id, source);
  } else if (code == "ExpiredToken" || code == "TokenRefreshRequired") {
    hint = "the session token has expired and could not be replaced: supply fresh credentials";
  } else if (code == "RequestTimeTooSkewed") {
    hint = "this machine's clock is too far from the server's";
  } else if (mapped == ErrorCode::AlreadyExists && context == ErrorContext::CreateOnly && code.empty()) {
    message = "the object already exists";
  }
  if (!hint.empty()) message = message.empty() ? hint : message + "; " + hint;

  std::string request_id(response.headers.get("x-amz-request-id").value_or(""));
  if (request_id.empty() && doc) request_id = doc->request_id;
  if (code.empty() && mapped == ErrorCode::AlreadyExists) code = "PreconditionFailed";
  return http::status_from_response(response, what, mapped, code, message, request_id);
}

bool S3AnswerReader::is_transient(const http::Call& /*call*/, const http::Response& response) {
  std::optional<ErrorDocument> doc = parse_error_document(response.body);
  return doc && s3_code_is_transient(doc->code);
}

bool S3AnswerReader::failed_despite_status(const http::Call& /*call*/, const http::Response& response) {
  return error_in_200_ && parse_error_document(response.body).has_value();
}

bool S3AnswerReader::redirected(const http::Call& /*call*/, const http::Response& response) {
  std::optional<ErrorDocument> doc = parse_error_document(response.body);
  std::optional<std::string> region = region_hint(response, doc ? &*doc : nullptr);
  if (!region || *region == hints_.region) return false;
  move_to_region_(*region);  // a no-op when another request got there first
  return true;
}

std::optional<TimePoint> S3AnswerReader::server_time(const http::Call& /*call*/, const http::Response& response) {
  std::optional<ErrorDocument> doc = parse_error_document(response.body);
  return skewed_server_time(response, doc ? &*doc : nullptr);
}

bool S3AnswerReader::credentials_rejected(const http::Call& /*call*/, const http::Response& response) {
  if (response.status == 401) return true;
  if (response.status != 400 && response.status != 403) return false;
  std::optional<ErrorDocument> doc = parse_error_document(response.body);
  if (!doc) return false;
  const std::string& code = doc->code;
  return code == "ExpiredToken" || code == "ExpiredTokenException" || code == "InvalidToken" ||
         code == "TokenRefreshRequired" || code == "InvalidAccessKeyId";
}

Status S3AnswerReader::error(const http::Call& call, const http::Response& response, const http::SendInfo& /*info*/) {
  return s3_error_status(response, call.what, context_, hints_);
}

}  // namespace cloudsync::s3
