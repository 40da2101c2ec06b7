// cloudsync_session_*: the kernel session (cloudsync/watch.hpp) for C hosts.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "capi_internal.hpp"
#include "cloudsync/watch.hpp"
#include "core/error.hpp"

struct cloudsync_session {
  std::unique_ptr<cloudsync::KernelSession> session;
};

using namespace cloudsync;

namespace {

Status require_session(cloudsync_session* session) { return capi::require_arg(session, "session"); }

// A duration member in milliseconds, left alone when absent.
Status read_ms(const rapidjson::Value& doc, const char* key, std::string_view what, std::chrono::milliseconds& into) {
  CLOUDSYNC_ASSIGN_OR_RETURN(auto ms, capi::uint_member(doc, key, what));
  if (ms) into = std::chrono::milliseconds(static_cast<int64_t>(std::min<uint64_t>(*ms, INT64_MAX)));
  return Status::OK();
}

Status read_conflict_policy(const rapidjson::Value& doc, std::string_view what, ConflictPolicy& into) {
  CLOUDSYNC_ASSIGN_OR_RETURN(auto given, json_string(doc, "conflict_policy", what));
  if (!given) return Status::OK();
  // One plain string compared (GCC 12 warns, wrongly, about comparing inside the optional).
  std::string policy = *given;
  if (policy == "report") {
    into = ConflictPolicy::Report;
  } else if (policy == "keep_both") {
    into = ConflictPolicy::KeepBoth;
  } else {
    return Status(ErrorCode::InvalidArgument,
                  std::string(what) + ": \"conflict_policy\" must be \"report\" or \"keep_both\"");
  }
  return Status::OK();
}

Result<SessionOptions> parse_session_options(const char* options_json) {
  std::string_view what = "session options";
  CLOUDSYNC_ASSIGN_OR_RETURN(
      rapidjson::Document doc,
      capi::parse_request(
          options_json, what,
          {"restore", "quiet_window_ms", "open_file_quiet_ms", "ignore", "extra_ignore", "conflict_policy", "host_name",
           "force_polling", "poll_interval_ms", "retry_initial_ms", "retry_max_ms", "batch_size"}));
  SessionOptions options;
  WatchOptions& watch = options.watch;
  CLOUDSYNC_ASSIGN_OR_RETURN(auto restore, json_bool(doc, "restore", what));
  options.restore = restore.value_or(true);
  CLOUDSYNC_RETURN_IF_ERROR(read_ms(doc, "quiet_window_ms", what, watch.quiet_window));
  CLOUDSYNC_RETURN_IF_ERROR(read_ms(doc, "open_file_quiet_ms", what, watch.open_file_quiet));
  CLOUDSYNC_RETURN_IF_ERROR(read_ms(doc, "poll_interval_ms", what, watch.poll_interval));
  CLOUDSYNC_RETURN_IF_ERROR(read_ms(doc, "retry_initial_ms", what, watch.retry_initial));
  CLOUDSYNC_RETURN_IF_ERROR(read_ms(doc, "retry_max_ms", what, watch.retry_max));
  CLOUDSYNC_ASSIGN_OR_RETURN(auto ignore, capi::optional_string_array(doc, "ignore", what));
  if (ignore) watch.ignore = std::move(*ignore);
  CLOUDSYNC_ASSIGN_OR_RETURN(std::vector<std::string> extra, json_string_array(doc, "extra_ignore", what));
  watch.ignore.insert(watch.ignore.end(), extra.begin(), extra.end());
  CLOUDSYNC_RETURN_IF_ERROR(read_conflict_policy(doc, what, watch.conflict_policy));
  CLOUDSYNC_ASSIGN_OR_RETURN(auto host, json_string(doc, "host_name", what));
  if (host) watch.host_name = *host;
  CLOUDSYNC_ASSIGN_OR_RETURN(auto polling, json_bool(doc, "force_polling", what));
  watch.force_polling = polling.value_or(false);
  CLOUDSYNC_ASSIGN_OR_RETURN(auto batch, capi::uint_member(doc, "batch_size", what));
  if (batch) {
    if (*batch == 0 || *batch > UINT32_MAX) {
      return Status(ErrorCode::InvalidArgument, std::string(what) + ": \"batch_size\" must be from 1 to 4294967295");
    }
    watch.batch_size = static_cast<uint32_t>(*batch);
  }
  return options;
}

// Events as JSON to the host's callback. Nothing may unwind out of it into the
// session's export thread: an event that cannot be serialised is dropped.
WatchEventCallback event_adapter(cloudsync_watch_event_fn fn, void* user) {
  if (fn == nullptr) return {};
  return [fn, user](const WatchEvent& event) {
    std::string json;
    try {
      json = watch_event_to_json(event);
    } catch (...) {
      return;
    }
    fn(json.c_str(), user);
  };
}

// The queue's entries in the element form of flush_result_to_json's "pending"
// (one serialiser for that form: taken from its document).
std::string queue_json(std::vector<QueuedExport> queue) {
  FlushResult as_pending;
  as_pending.pending = std::move(queue);
  std::string document = flush_result_to_json(as_pending);
  rapidjson::Document doc;
  doc.Parse(document.data(), document.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("pending")) return "[]";
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> writer(out);
  doc["pending"].Accept(writer);
  return std::string(out.GetString(), out.GetSize());
}

}  // namespace

extern "C" {

int cloudsync_session_start(cloudsync_workspace* ws, const char* options_json, cloudsync_watch_event_fn fn, void* user,
                            cloudsync_cancel* cancel, cloudsync_session** out) {
  if (out != nullptr) *out = nullptr;
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(ws, "workspace"));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(out, "out"));
    CLOUDSYNC_ASSIGN_OR_RETURN(SessionOptions options, parse_session_options(options_json));
    auto handle = std::make_unique<cloudsync_session>();
    CLOUDSYNC_ASSIGN_OR_RETURN(handle->session, KernelSession::start(*ws->ws, std::move(options),
                                                                     event_adapter(fn, user), capi::token_of(cancel)));
    *out = handle.release();
    return Status::OK();
  });
}

int cloudsync_session_restored(cloudsync_session* session, char** out_json) {
  if (out_json != nullptr) *out_json = nullptr;
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(require_session(session));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(out_json, "out_json"));
    std::string json = "[";
    for (const OperationResult& result : session->session->restored()) {
      if (json.size() > 1) json += ",";
      json += operation_result_to_json(result);
    }
    json += "]";
    capi::hand_out(out_json, json);
    return Status::OK();
  });
}

int cloudsync_session_flush(cloudsync_session* session, uint32_t timeout_ms, char** out_json) {
  if (out_json != nullptr) *out_json = nullptr;
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(require_session(session));
    FlushResult result = session->session->flush(std::chrono::milliseconds(timeout_ms));
    capi::hand_out(out_json, flush_result_to_json(result));
    return Status::OK();
  });
}

int cloudsync_session_status(cloudsync_session* session, char** out_json) {
  if (out_json != nullptr) *out_json = nullptr;
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(require_session(session));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(out_json, "out_json"));
    capi::hand_out(out_json, watch_status_to_json(session->session->status()));
    return Status::OK();
  });
}

int cloudsync_session_queue(cloudsync_session* session, char** out_json) {
  if (out_json != nullptr) *out_json = nullptr;
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(require_session(session));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(out_json, "out_json"));
    capi::hand_out(out_json, queue_json(session->session->queue()));
    return Status::OK();
  });
}

void cloudsync_session_stop(cloudsync_session* session) {
  if (session == nullptr) return;
  // stop() reports nothing; the guard only keeps an unexpected exception out of C.
  capi::guarded([&]() -> Status {
    session->session->stop();
    return Status::OK();
  });
}

void cloudsync_session_free(cloudsync_session* session) {
  cloudsync_session_stop(session);
  delete session;
}

}  // extern "C"
