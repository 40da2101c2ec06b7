#include "cloudsync/status.hpp"

#include <array>
#include <cstring>

#include "core/error.hpp"
#include "core/error_table.hpp"
#include "core/redact.hpp"

namespace cloudsync {

// The one table that maps each ErrorCode to everything outside the C++ API
// sees of it: its name, its C ABI code, its CLI exit status and whether a
// retry can cure it. Append only, in enum order.
static constexpr std::array<ErrorCodeInfo, 17> kErrorTable{{
    {ErrorCode::Ok, "ok", 0, 0, false},
    {ErrorCode::NotFound, "not_found", -1, 3, false},
    {ErrorCode::AlreadyExists, "already_exists", -2, 4, false},
    {ErrorCode::PreconditionFailed, "precondition_failed", -3, 5, false},
    {ErrorCode::PermissionDenied, "permission_denied", -4, 6, false},
    {ErrorCode::Unauthenticated, "unauthenticated", -5, 7, false},
    {ErrorCode::InvalidArgument, "invalid_argument", -6, 8, false},
    {ErrorCode::LimitExceeded, "limit_exceeded", -7, 9, false},
    {ErrorCode::Conflict, "conflict", -8, 10, false},
    {ErrorCode::Integrity, "integrity", -9, 11, false},
    {ErrorCode::Throttled, "throttled", -10, 12, true},
    {ErrorCode::Timeout, "timeout", -11, 13, true},
    {ErrorCode::Cancelled, "cancelled", -12, 14, false},
    {ErrorCode::Network, "network", -13, 15, true},
    {ErrorCode::Unsupported, "unsupported", -14, 16, false},
    {ErrorCode::Internal, "internal", -15, 1, false},
    // The server's fault, not ours: told apart from Internal so that a host
    // (and the CLI's exit status) does not report a bug in cloudsync.
    {ErrorCode::BadResponse, "bad_response", -16, 17, false},
}};
static_assert(kErrorTable.size() == static_cast<size_t>(kLastErrorCode) + 1, "one table row per ErrorCode");

const ErrorCodeInfo& error_code_info(ErrorCode code) {
  auto i = static_cast<size_t>(code);
  return i < kErrorTable.size() ? kErrorTable[i] : kErrorTable.back();
}

std::span<const ErrorCodeInfo> all_error_codes() { return kErrorTable; }

std::string_view error_code_name(ErrorCode code) { return error_code_info(code).name; }
bool error_code_is_transient(ErrorCode code) { return error_code_info(code).transient; }
int error_code_exit_status(ErrorCode code) { return error_code_info(code).exit_status; }

struct Status::State {
  ErrorCode code;
  std::string message;
  int http_status = 0;
  std::string provider_code;
  std::string request_id;
  std::string missing_action;
};

Status::Status(ErrorCode code, std::string message) {
  if (code == ErrorCode::Ok) code = ErrorCode::Internal;  // an error status must be an error
  state_ = std::make_shared<const State>(State{code, redact(message), 0, {}, {}, {}});
}

ErrorCode Status::code() const noexcept { return state_ ? state_->code : ErrorCode::Ok; }

const std::string& Status::message() const noexcept {
  static const std::string kEmpty;
  return state_ ? state_->message : kEmpty;
}
int Status::http_status() const noexcept { return state_ ? state_->http_status : 0; }
const std::string& Status::provider_code() const noexcept {
  static const std::string kEmpty;
  return state_ ? state_->provider_code : kEmpty;
}
const std::string& Status::request_id() const noexcept {
  static const std::string kEmpty;
  return state_ ? state_->request_id : kEmpty;
}
const std::string& Status::missing_action() const noexcept {
  static const std::string kEmpty;
  return state_ ? state_->missing_action : kEmpty;
}

Status Status::with_provider_details(int http_status, std::string provider_code, std::string request_id) const {
  if (!state_) return *this;
  Status copy;
  copy.state_ = std::make_shared<const State>(State{state_->code, state_->message, http_status, redact(provider_code),
                                                    redact(request_id), state_->missing_action});
  return copy;
}

Status Status::with_missing_action(std::string_view action) const {
  if (!state_ || state_->code != ErrorCode::PermissionDenied) return *this;
  Status copy;
  State state = *state_;
  state.missing_action = std::string(action);
  copy.state_ = std::make_shared<const State>(std::move(state));
  return copy;
}

Status Status::with_context(std::string_view context) const {
  if (!state_ || context.empty()) return *this;
  Status copy;
  State state = *state_;
  state.message = fmt::format("{}: {}", context, state_->message);
  copy.state_ = std::make_shared<const State>(std::move(state));
  return copy;
}

std::string Status::to_string() const {
  if (!state_) return "ok";
  std::string out = fmt::format("{}: {}", error_code_name(state_->code), state_->message);
  std::string details;
  auto add = [&](const std::string& part) {
    if (part.empty()) return;
    if (!details.empty()) details += ", ";
    details += part;
  };
  if (state_->http_status != 0) add(fmt::format("HTTP {}", state_->http_status));
  add(state_->provider_code);
  if (!state_->request_id.empty()) add("request id " + state_->request_id);
  if (!details.empty()) out += " (" + details + ")";
  return out;
}

ErrorCode error_code_from_errno(int err) {
  switch (err) {
    case ENOENT: return ErrorCode::NotFound;
    case EEXIST:
    case ENOTEMPTY: return ErrorCode::AlreadyExists;
    case EACCES:
    case EPERM:
    case EROFS: return ErrorCode::PermissionDenied;
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
    case EMFILE:
    case ENFILE: return ErrorCode::LimitExceeded;
    case ENAMETOOLONG:
    case EINVAL:
    case EILSEQ: return ErrorCode::InvalidArgument;
    case EISDIR:
    case ENOTDIR: return ErrorCode::Conflict;
    case ETIMEDOUT: return ErrorCode::Timeout;
    case EINTR:
    case ECANCELED: return ErrorCode::Cancelled;
    default: return ErrorCode::Internal;
  }
}

Status errno_error(int err, std::string_view operation, const std::filesystem::path& file) {
  return make_error(error_code_from_errno(err), "{} '{}': {}", operation, file.string(), std::strerror(err));
}

}  // namespace cloudsync
