// Versions, the thread-local last error, memory hand-off and logging.
#include <mutex>

#include "capi_internal.hpp"
#include "cloudsync/log.hpp"
#include "cloudsync/user_agent.hpp"
#include "cloudsync/version.hpp"
#include "core/error_table.hpp"

namespace cloudsync::capi {
namespace {

struct LastError {
  std::string code_name = "ok";
  std::string message;
  std::string provider_code;
  std::string request_id;
  std::string missing_action;
  cloudsync_error view{CLOUDSYNC_OK, "ok", "", 0, "", ""};

  void refresh() {
    view.code_name = code_name.c_str();
    view.message = message.c_str();
    view.provider_code = provider_code.c_str();
    view.request_id = request_id.c_str();
  }
};

LastError& last_error() {
  thread_local LastError error;
  return error;
}

// The C enum and the error table must agree, code by code.
static_assert(CLOUDSYNC_ENOTFOUND == -1 && CLOUDSYNC_EINTERNAL == -15 && CLOUDSYNC_EBADRESPONSE == -16,
              "C codes drifted from the error table");

}  // namespace

int c_code(ErrorCode code) { return error_code_info(code).c_code; }

ErrorCode error_code_of(int c_code) {
  for (const ErrorCodeInfo& info : all_error_codes()) {
    if (info.c_code == c_code && info.code != ErrorCode::Ok) return info.code;
  }
  return ErrorCode::Internal;
}

int fail(const Status& status) {
  LastError& e = last_error();
  try {
    e.code_name = std::string(error_code_name(status.code()));
    e.message = status.message();
    e.provider_code = status.provider_code();
    e.request_id = status.request_id();
    e.missing_action = status.missing_action();
  } catch (...) {
    e.message.clear();
    e.missing_action.clear();
  }
  e.view.code = c_code(status.code());
  e.view.http_status = status.http_status();
  e.refresh();
  return e.view.code;
}

char* to_c_string(const std::string& s) {
  char* out = static_cast<char*>(std::malloc(s.size() + 1));
  if (out == nullptr) throw std::bad_alloc();
  std::memcpy(out, s.c_str(), s.size() + 1);
  return out;
}

Status require_arg(const void* p, const char* name) {
  if (p != nullptr) return Status::OK();
  return Status(ErrorCode::InvalidArgument, std::string(name) + " must not be NULL");
}

Result<Path> key_arg(const char* key) {
  CLOUDSYNC_RETURN_IF_ERROR(require_arg(key, "key"));
  return Path::parse(key);
}

}  // namespace cloudsync::capi

using namespace cloudsync;

extern "C" {

const char* cloudsync_version(void) { return CLOUDSYNC_VERSION_STRING; }
int cloudsync_version_number(void) { return CLOUDSYNC_VERSION_NUMBER; }
int cloudsync_abi_version(void) { return CLOUDSYNC_ABI_MAJOR; }

const cloudsync_error* cloudsync_last_error(void) { return &capi::last_error().view; }

const char* cloudsync_last_error_missing_action(void) { return capi::last_error().missing_action.c_str(); }

void cloudsync_clear_error(void) {
  auto& e = capi::last_error();
  e.code_name = "ok";
  e.message.clear();
  e.provider_code.clear();
  e.request_id.clear();
  e.missing_action.clear();
  e.view.code = CLOUDSYNC_OK;
  e.view.http_status = 0;
  e.refresh();
}

void cloudsync_free(void* ptr) { std::free(ptr); }

int cloudsync_set_user_agent_product(const char* product) {
  return capi::guarded([&]() -> Status { return set_user_agent_product(product == nullptr ? "" : product); });
}

int cloudsync_set_log_handler(int max_level, cloudsync_log_fn fn, void* user) {
  return capi::guarded([&]() -> Status {
    if (fn != nullptr && (max_level < CLOUDSYNC_LOG_ERROR || max_level > CLOUDSYNC_LOG_TRACE)) {
      return Status(ErrorCode::InvalidArgument,
                    "max_level must be between CLOUDSYNC_LOG_ERROR and CLOUDSYNC_LOG_TRACE");
    }
    if (fn == nullptr) {
      set_log_handler(LogLevel::Error, nullptr);
    } else {
      set_log_handler(static_cast<LogLevel>(max_level), [fn, user](LogLevel level, std::string_view message) {
        std::string line(message);
        fn(static_cast<int>(level), line.c_str(), user);
      });
    }
    return Status::OK();
  });
}

int cloudsync_cancel_new(cloudsync_cancel** out) {
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(out, "out"));
    *out = new cloudsync_cancel();
    return Status::OK();
  });
}

void cloudsync_cancel_trigger(cloudsync_cancel* cancel) {
  if (cancel != nullptr) cancel->token.cancel();
}

void cloudsync_cancel_free(cloudsync_cancel* cancel) { delete cancel; }

}  // extern "C"
