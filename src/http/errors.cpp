// What an HTTP status means as an ErrorCode, and the error Status built from a
// failed response when the provider's own error document says more.
#include <algorithm>
#include <cctype>

#include "core/error.hpp"
#include "http/http.hpp"

namespace cloudsync::http {

namespace {

// A short single-line excerpt of an error body, for messages when the provider
// gave no parsed message (proxies and load balancers answer with HTML or text).
constexpr size_t kBodyExcerpt = 200;

std::string body_excerpt(std::string_view body) {
  std::string out;
  for (char c : body.substr(0, kBodyExcerpt)) {
    unsigned char u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u == 0x7F ? ' ' : c);
  }
  // Collapse the whitespace that control characters and indentation left.
  out.erase(std::unique(out.begin(), out.end(), [](char a, char b) { return a == ' ' && b == ' '; }), out.end());
  while (!out.empty() && out.back() == ' ') out.pop_back();
  while (!out.empty() && out.front() == ' ') out.erase(out.begin());
  if (body.size() > kBodyExcerpt) out += "...";
  return out;
}

}  // namespace

ErrorCode error_code_for_status(int status) {
  switch (status) {
    case 400: return ErrorCode::InvalidArgument;
    case 401: return ErrorCode::Unauthenticated;
    case 403: return ErrorCode::PermissionDenied;
    case 404: return ErrorCode::NotFound;
    case 405: return ErrorCode::Unsupported;  // method not allowed on this resource
    case 408: return ErrorCode::Timeout;
    case 409: return ErrorCode::Conflict;
    case 410: return ErrorCode::NotFound;         // gone
    case 411: return ErrorCode::InvalidArgument;  // length required
    case 412: return ErrorCode::PreconditionFailed;
    case 413: return ErrorCode::LimitExceeded;       // payload too large
    case 414: return ErrorCode::InvalidArgument;     // URI too long
    case 416: return ErrorCode::InvalidArgument;     // range not satisfiable
    case 428: return ErrorCode::PreconditionFailed;  // precondition required
    case 429: return ErrorCode::Throttled;
    case 501: return ErrorCode::Unsupported;
    case 503: return ErrorCode::Throttled;      // S3 SlowDown, Azure ServerBusy
    case 507: return ErrorCode::LimitExceeded;  // insufficient storage
    default: break;
  }
  if (status >= 500 && status <= 599) return ErrorCode::Network;
  // Anything else (an unexpected 1xx/2xx/3xx or an unknown 4xx) is nothing the
  // caller can act on: a bug or a protocol surprise.
  return ErrorCode::Internal;
}

Status status_from_response(const Response& response, std::string_view what, ErrorCode code,
                            std::string_view provider_code, std::string_view provider_message,
                            std::string_view request_id) {
  if (code == ErrorCode::Ok) code = ErrorCode::Internal;
  std::string detail = provider_message.empty() ? body_excerpt(response.body) : std::string(provider_message);
  std::string message = detail.empty() ? fmt::format("{}: HTTP {}", what, response.status)
                                       : fmt::format("{}: HTTP {} {}", what, response.status, detail);
  return Status(code, std::move(message))
      .with_provider_details(response.status, std::string(provider_code), std::string(request_id));
}

}  // namespace cloudsync::http
