// What an Azure Storage error answer means: the one place where the service's
// error codes (x-ms-error-code header, or <Error><Code> in the XML body) become
// cloudsync ErrorCodes, and where the retryable ones are named.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "cloudsync/status.hpp"
#include "http/client.hpp"

namespace cloudsync::azure {

/// The error details of a failed response.
struct AzureError {
  std::string code;        ///< "BlobNotFound"; empty when the answer named none
  std::string message;     ///< first line of <Message>; empty when absent
  std::string request_id;  ///< x-ms-request-id
};
AzureError parse_azure_error(const http::Response& response);

/// The ErrorCode for a service error code, falling back on the HTTP status.
ErrorCode azure_error_code(int http_status, std::string_view service_code);

/// True for service error codes a retry can cure (ServerBusy,
/// OperationTimedOut, InternalError), whatever their HTTP status.
bool is_transient_azure_code(std::string_view service_code);

/// The error Status for a failed response to the request named `what`
/// ("PUT az://container/key"), with the HTTP status, service error code and
/// request id attached. With `create_only` (an If-None-Match: * write) both
/// 409 BlobAlreadyExists and 412 ConditionNotMet mean AlreadyExists.
Status azure_error(const http::Response& response, std::string_view what, bool create_only = false);

/// Azure's reading of answers for the shared http::Client: x-ms-error-code
/// names the transient ones and the refusals of our date (SharedKey requests
/// dated more than 15 minutes off the service's clock are refused as 403
/// AuthenticationFailed, with the service's time in Date); failed answers
/// become azure_error(), transport failures are named by the request.
class AzureAnswerReader final : public http::AnswerReader {
 public:
  /// `create_only`: the call is an If-None-Match: * write (see azure_error).
  explicit AzureAnswerReader(bool create_only) : create_only_(create_only) {}

  bool is_transient(const http::Call& call, const http::Response& response) override;
  std::optional<TimePoint> server_time(const http::Call& call, const http::Response& response) override;
  /// With "N attempts, last" when the loop tried more than once.
  Status error(const http::Call& call, const http::Response& response, const http::SendInfo& info) override;
  Status transport_error(const http::Call& call, Status status, const http::SendInfo& info) override;

 private:
  bool create_only_;
};

}  // namespace cloudsync::azure
