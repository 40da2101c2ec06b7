// Status and Result<T>: how every cloudsync operation reports failure.
//
// No exception crosses a module boundary. Functions that can fail return a
// Status (nothing else to return) or a Result<T> (a value or a Status). A Status
// carries one ErrorCode from a fixed, append-only set, a human-readable message
// (secrets are scrubbed from it when it is built), and, for errors that came from
// a remote service, the HTTP status, the provider's own error code and the
// request id, which is what a support ticket needs.
//
// C++ API: source-stable within a major version, not binary-stable. Use it
// through the static library (cloudsync::cloudsync_static) or add_subdirectory();
// the shared library libcloudsync.so exports the C ABI (cloudsync.h) only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#include "cloudsync/export.hpp"

namespace cloudsync {

/// The kinds of failure. Order and values are part of the ABI: append only.
/// Each kind maps to exactly one C code (cloudsync.h) and one CLI exit status;
/// the table lives in src/core/status.cpp.
enum class ErrorCode : int {
  Ok = 0,
  NotFound,            ///< the object, folder, integration or file does not exist
  AlreadyExists,       ///< create-only write over an existing object; name taken
  PreconditionFailed,  ///< an If-Match / expected version did not hold
  PermissionDenied,    ///< authenticated but not allowed (or read-only integration)
  Unauthenticated,     ///< credentials missing, wrong, expired or revoked
  InvalidArgument,     ///< bad input: a hostile path, a malformed URL or option
  LimitExceeded,       ///< a configured or provider limit (file count, size, quota)
  Conflict,            ///< both sides changed; a name collides with another
  Integrity,           ///< size or checksum mismatch after a transfer
  Throttled,           ///< rate limited by the provider (429, SlowDown, ...)
  Timeout,             ///< connect or low-speed timeout
  Cancelled,           ///< cancelled by the caller (token or progress callback)
  Network,             ///< connection refused/reset, DNS, TLS, truncated body
  Unsupported,         ///< the backend or build cannot do this
  Internal,            ///< a bug or an unexpected local I/O failure
  BadResponse,         ///< the server's answer cannot be understood (malformed XML/JSON, a required field missing)
};

/// The last ErrorCode: the codes are Ok .. kLastErrorCode, without gaps.
inline constexpr ErrorCode kLastErrorCode = ErrorCode::BadResponse;

/// Stable lower-case name of a code, e.g. "not_found".
CLOUDSYNC_API std::string_view error_code_name(ErrorCode code);
/// True for the kinds a retry can cure (throttled, timeout, network).
CLOUDSYNC_API bool error_code_is_transient(ErrorCode code);
/// The exit status the cloudsync CLI uses for a kind (0 for Ok, 1 for Internal).
CLOUDSYNC_API int error_code_exit_status(ErrorCode code);

/// The outcome of an operation: OK, or an error with its details.
/// Cheap to copy (an OK status holds no allocation; errors share their state).
class [[nodiscard]] CLOUDSYNC_API Status {
 public:
  /// An OK status.
  Status() noexcept = default;
  /// An error. `code` must not be ErrorCode::Ok. The message is scrubbed of
  /// anything that looks like a credential before it is stored.
  Status(ErrorCode code, std::string message);

  static Status OK() noexcept { return Status(); }

  bool ok() const noexcept { return state_ == nullptr; }
  ErrorCode code() const noexcept;
  /// The message without the code name; empty for OK.
  const std::string& message() const noexcept;

  /// Provider details, empty/0 when the error did not come from a remote call.
  int http_status() const noexcept;
  const std::string& provider_code() const noexcept;
  const std::string& request_id() const noexcept;
  /// For a PermissionDenied from a store: the action it refused ("list",
  /// "read", "write" or "delete"), the permission an admin has to grant;
  /// empty otherwise.
  const std::string& missing_action() const noexcept;

  /// Returns a copy with provider details attached.
  Status with_provider_details(int http_status, std::string provider_code, std::string request_id) const;
  /// Returns a copy naming the refused action; unchanged unless the code is PermissionDenied.
  Status with_missing_action(std::string_view action) const;
  /// Returns a copy whose message is prefixed by `context` ("import a.csv: ...").
  Status with_context(std::string_view context) const;

  /// "not_found: message (HTTP 404, NoSuchKey, request id ...)" or "ok".
  std::string to_string() const;

 private:
  struct State;
  std::shared_ptr<const State> state_;
};

/// A value of type T or an error Status.
template <class T>
class [[nodiscard]] Result {
  static_assert(!std::is_same_v<std::decay_t<T>, Status>, "Result<Status> is meaningless");

 public:
  Result(T value) : v_(std::in_place_index<1>, std::move(value)) {}  // NOLINT: implicit by design
  /// An error result. Passing an OK status is a programming error and is turned
  /// into an Internal error rather than a result without a value.
  Result(Status status) : v_(std::in_place_index<0>, std::move(status)) {  // NOLINT
    if (std::get<0>(v_).ok()) {
      v_.template emplace<0>(ErrorCode::Internal, "Result constructed from an OK status");
    }
  }

  bool ok() const noexcept { return v_.index() == 1; }
  explicit operator bool() const noexcept { return ok(); }

  /// The error, or OK when a value is held.
  const Status& status() const noexcept {
    static const Status kOk;
    return ok() ? kOk : std::get<0>(v_);
  }

  T& value() & { return std::get<1>(v_); }
  const T& value() const& { return std::get<1>(v_); }
  T&& value() && { return std::get<1>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  template <class U>
  T value_or(U&& fallback) const& {
    return ok() ? value() : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  std::variant<Status, T> v_;
};

}  // namespace cloudsync

#define CLOUDSYNC_CONCAT_INNER_(a, b) a##b
#define CLOUDSYNC_CONCAT_(a, b) CLOUDSYNC_CONCAT_INNER_(a, b)

namespace cloudsync::detail {
inline const Status& status_of(const Status& s) noexcept { return s; }
template <class T>
const Status& status_of(const Result<T>& r) noexcept {
  return r.status();
}
}  // namespace cloudsync::detail

/// Evaluates an expression yielding a Status or a Result and returns its error.
#define CLOUDSYNC_RETURN_IF_ERROR(expr)                                           \
  do {                                                                            \
    ::cloudsync::Status cloudsync_status_ = ::cloudsync::detail::status_of(expr); \
    if (!cloudsync_status_.ok()) return cloudsync_status_;                        \
  } while (0)

#define CLOUDSYNC_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                                     \
  if (!tmp.ok()) return tmp.status();                     \
  lhs = std::move(tmp).value()

/// `CLOUDSYNC_ASSIGN_OR_RETURN(auto x, f());` declares x from a Result or returns its error.
#define CLOUDSYNC_ASSIGN_OR_RETURN(lhs, rexpr) \
  CLOUDSYNC_ASSIGN_OR_RETURN_IMPL_(CLOUDSYNC_CONCAT_(cloudsync_result_, __LINE__), lhs, rexpr)
