#include "backends/azure/azure_errors.hpp"

#include <array>
#include <utility>

#include <pugixml.hpp>

#include "backends/xml_depth.hpp"
#include "core/error.hpp"
#include "core/time.hpp"
#include "http/http_date.hpp"

namespace cloudsync::azure {

namespace {

struct CodeMapping {
  std::string_view service_code;
  ErrorCode code;
};

// learn.microsoft.com/rest/api/storageservices/blob-service-error-codes and
// common-rest-api-error-codes. Codes not listed fall back on the HTTP status.
constexpr std::array kCodes = {
    CodeMapping{"BlobNotFound", ErrorCode::NotFound},
    CodeMapping{"ContainerNotFound", ErrorCode::NotFound},
    CodeMapping{"ResourceNotFound", ErrorCode::NotFound},
    CodeMapping{"AuthenticationFailed", ErrorCode::Unauthenticated},
    CodeMapping{"NoAuthenticationInformation", ErrorCode::Unauthenticated},
    CodeMapping{"InvalidAuthenticationInfo", ErrorCode::Unauthenticated},
    CodeMapping{"AuthorizationPermissionMismatch", ErrorCode::PermissionDenied},
    CodeMapping{"AuthorizationFailure", ErrorCode::PermissionDenied},
    CodeMapping{"AuthorizationResourceTypeMismatch", ErrorCode::PermissionDenied},
    CodeMapping{"AuthorizationServiceMismatch", ErrorCode::PermissionDenied},
    CodeMapping{"AuthorizationProtocolMismatch", ErrorCode::PermissionDenied},
    CodeMapping{"AuthorizationSourceIPMismatch", ErrorCode::PermissionDenied},
    CodeMapping{"InsufficientAccountPermissions", ErrorCode::PermissionDenied},
    CodeMapping{"AccountIsDisabled", ErrorCode::PermissionDenied},
    CodeMapping{"ConditionNotMet", ErrorCode::PreconditionFailed},
    CodeMapping{"TargetConditionNotMet", ErrorCode::PreconditionFailed},
    CodeMapping{"SourceConditionNotMet", ErrorCode::PreconditionFailed},
    CodeMapping{"BlobAlreadyExists", ErrorCode::AlreadyExists},
    CodeMapping{"ContainerAlreadyExists", ErrorCode::AlreadyExists},
    CodeMapping{"ContainerBeingDeleted", ErrorCode::Conflict},
    CodeMapping{"ServerBusy", ErrorCode::Throttled},
    CodeMapping{"OperationTimedOut", ErrorCode::Timeout},
    CodeMapping{"InternalError", ErrorCode::Network},
    CodeMapping{"Md5Mismatch", ErrorCode::Integrity},
    CodeMapping{"Crc64Mismatch", ErrorCode::Integrity},
    CodeMapping{"InvalidMd5", ErrorCode::Integrity},
    CodeMapping{"InvalidRange", ErrorCode::InvalidArgument},
    CodeMapping{"InvalidBlobOrBlock", ErrorCode::InvalidArgument},
    CodeMapping{"InvalidBlockId", ErrorCode::InvalidArgument},
    // With ids unique per upload, blocks go missing when another writer
    // committed the blob in between (which discards uncommitted blocks).
    CodeMapping{"InvalidBlockList", ErrorCode::Conflict},
    CodeMapping{"OutOfRangeInput", ErrorCode::InvalidArgument},
    CodeMapping{"InvalidResourceName", ErrorCode::InvalidArgument},
    CodeMapping{"InvalidMetadata", ErrorCode::InvalidArgument},
    CodeMapping{"RequestBodyTooLarge", ErrorCode::LimitExceeded},
    CodeMapping{"BlockCountExceedsLimit", ErrorCode::LimitExceeded},
    CodeMapping{"BlockListTooLong", ErrorCode::LimitExceeded},
    CodeMapping{"UncommittedBlockCountExceedsLimit", ErrorCode::LimitExceeded},
    CodeMapping{"MetadataTooLarge", ErrorCode::LimitExceeded},
    CodeMapping{"LeaseIdMissing", ErrorCode::Conflict},
    CodeMapping{"LeaseIdMismatchWithBlobOperation", ErrorCode::Conflict},
    CodeMapping{"LeaseAlreadyPresent", ErrorCode::Conflict},
    CodeMapping{"SnapshotsPresent", ErrorCode::Conflict},
    CodeMapping{"BlobArchived", ErrorCode::Unsupported},
    CodeMapping{"BlobBeingRehydrated", ErrorCode::Unsupported},
    CodeMapping{"InvalidBlobType", ErrorCode::Unsupported},
    CodeMapping{"UnsupportedHeader", ErrorCode::Unsupported},
};

constexpr std::string_view kAuthenticationFailedMessage = "Server failed to authenticate the request";

// The first line of a service message ("...\nRequestId:...\nTime:...").
std::string first_line(std::string_view text) {
  size_t end = text.find_first_of("\r\n");
  std::string_view line = text.substr(0, end);
  while (!line.empty() && (line.back() == ' ' || line.back() == '.')) line.remove_suffix(1);
  return std::string(line);
}

// AuthenticationErrorDetail quotes the request's signature ("The MAC signature
// found in the HTTP request '...'"); quoted parts are left out of messages.
std::string without_quoted_parts(std::string_view text) {
  std::string out;
  bool quoted = false;
  for (char c : text) {
    if (c == '\'') {
      if (!quoted) out += "'...'";
      quoted = !quoted;
    } else if (!quoted) {
      out += c;
    }
  }
  return out;
}

}  // namespace

AzureError parse_azure_error(const http::Response& response) {
  AzureError out;
  if (auto id = response.headers.get("x-ms-request-id")) out.request_id = std::string(*id);
  if (auto code = response.headers.get("x-ms-error-code")) out.code = std::string(*code);
  pugi::xml_document doc;
  if (!response.body.empty() && doc.load_buffer(response.body.data(), response.body.size()) && !xml_deeper_than(doc)) {
    pugi::xml_node error = doc.child("Error");
    if (out.code.empty()) out.code = error.child_value("Code");
    std::string_view message = error.child_value("Message");
    out.message = first_line(message);
    if (out.request_id.empty()) {
      size_t at = message.find("RequestId:");
      if (at != std::string_view::npos) out.request_id = first_line(message.substr(at + 10));
    }
    std::string_view detail = error.child_value("AuthenticationErrorDetail");
    if (!detail.empty()) out.message += (out.message.empty() ? "" : ": ") + without_quoted_parts(first_line(detail));
  }
  return out;
}

ErrorCode azure_error_code(int http_status, std::string_view service_code) {
  for (const CodeMapping& m : kCodes) {
    if (m.service_code == service_code) return m.code;
  }
  return http::error_code_for_status(http_status);
}

bool is_transient_azure_code(std::string_view service_code) {
  return service_code == "ServerBusy" || service_code == "OperationTimedOut" || service_code == "InternalError";
}

Status azure_error(const http::Response& response, std::string_view what, bool create_only) {
  AzureError error = parse_azure_error(response);
  ErrorCode code = azure_error_code(response.status, error.code);
  // Azurite reports a Content-MD5 mismatch as 400 InvalidOperation ("Provided
  // contentMD5 doesn't match") where the service says Md5Mismatch.
  if (error.code == "InvalidOperation" && error.message.find("MD5 doesn't match") != std::string::npos) {
    code = ErrorCode::Integrity;
  }
  // Azurite answers a request it cannot authenticate (a wrong key, a forged
  // signature, a SAS outside its time window) with 403 AuthorizationFailure
  // and the AuthenticationFailed message, where the service says
  // AuthenticationFailed; the service's AuthorizationFailure ("This request
  // is not authorized to perform this operation") is a refusal after
  // authentication, and stays PermissionDenied.
  if (error.code == "AuthorizationFailure" && error.message.starts_with(kAuthenticationFailedMessage)) {
    code = ErrorCode::Unauthenticated;
  }
  // Put Blob answers 409 BlobAlreadyExists to If-None-Match: *, other writes
  // (Put Block List) 412 ConditionNotMet: both mean the object exists.
  if (create_only && (code == ErrorCode::AlreadyExists || code == ErrorCode::PreconditionFailed)) {
    code = ErrorCode::AlreadyExists;
  }
  // HEAD answers have no body: the code is all the service said.
  const std::string& message = error.message.empty() ? error.code : error.message;
  return http::status_from_response(response, what, code, error.code, message, error.request_id);
}

bool AzureAnswerReader::is_transient(const http::Call& /*call*/, const http::Response& response) {
  std::optional<std::string_view> code = response.headers.get("x-ms-error-code");
  return code && is_transient_azure_code(*code);
}

// A wrong key earns the same refusal; the client blames our clock only when
// the service's Date differs from it.
std::optional<TimePoint> AzureAnswerReader::server_time(const http::Call& /*call*/, const http::Response& response) {
  if (response.status != 403 || response.headers.get("x-ms-error-code") != "AuthenticationFailed") return std::nullopt;
  std::optional<std::string_view> date = response.headers.get("Date");
  if (!date) return std::nullopt;
  Result<TimePoint> parsed = parse_http_date(*date);
  return parsed.ok() ? std::optional<TimePoint>(*parsed) : std::nullopt;
}

Status AzureAnswerReader::error(const http::Call& call, const http::Response& response, const http::SendInfo& info) {
  Status error = azure_error(response, call.what, create_only_);
  // The retry loop names its attempts only for transport failures.
  return info.attempts > 1 ? error.with_context(fmt::format("{} attempts, last", info.attempts)) : error;
}

Status AzureAnswerReader::transport_error(const http::Call& call, Status status, const http::SendInfo& /*info*/) {
  return status.with_context(call.what);
}

}  // namespace cloudsync::azure
