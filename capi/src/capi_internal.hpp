// Shared plumbing of the C ABI: the exception guard, the thread-local last
// error, string hand-off and request parsing.
#pragma once

#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>
#include <string>

#include "cloudsync.h"
#include "cloudsync/backend.hpp"
#include "cloudsync/progress.hpp"
#include "cloudsync/status.hpp"
#include "core/json.hpp"

struct cloudsync_cancel {
  cloudsync::CancelToken token;
};

namespace cloudsync::capi {

/// Records `status` as this thread's last error and returns its C code.
int fail(const Status& status);
/// The C code of an ErrorCode (from the one error table).
int c_code(ErrorCode code);

/// Runs `body` (returning a Status), converting any exception into an error:
/// nothing unwinds into C.
template <class F>
int guarded(F&& body) noexcept {
  try {
    Status s = body();
    return s.ok() ? CLOUDSYNC_OK : fail(s);
  } catch (const std::bad_alloc&) {
    return fail(Status(ErrorCode::Internal, "out of memory"));
  } catch (const std::exception& e) {
    return fail(Status(ErrorCode::Internal, std::string("unexpected failure: ") + e.what()));
  } catch (...) {
    return fail(Status(ErrorCode::Internal, "unexpected failure"));
  }
}

/// A malloc'ed copy the caller frees with cloudsync_free.
char* to_c_string(const std::string& s);
/// Stores a result string through an optional out parameter.
inline void hand_out(char** out, const std::string& s) {
  if (out != nullptr) *out = to_c_string(s);
}

/// Requires a non-NULL argument.
Status require_arg(const void* p, const char* name);

/// Parses an optional JSON object argument ("{}" when NULL or empty) and
/// checks that it has only the given keys.
Result<rapidjson::Document> parse_request(const char* json, std::string_view what,
                                          std::initializer_list<std::string_view> known);
/// A JSON object of string values as backend options.
Result<BackendOptions> options_member(const rapidjson::Value& obj, const char* key, std::string_view what);
/// A non-negative integer member.
Result<std::optional<uint64_t>> uint_member(const rapidjson::Value& obj, const char* key, std::string_view what);

/// Adapts a C progress callback to a ProgressCallback (empty when fn is NULL).
ProgressCallback progress_adapter(cloudsync_progress_fn fn, void* user);

}  // namespace cloudsync::capi
