// Names and JSON forms of the kernel session's values (documented in
// cloudsync/watch.hpp and capi/include/cloudsync.h). None carries a secret.
#include "cloudsync/watch.hpp"
#include "core/json.hpp"
#include "core/time.hpp"

namespace cloudsync {

namespace {

std::string finished(const rapidjson::StringBuffer& buf) { return std::string(buf.GetString(), buf.GetSize()); }

void write_if(JsonWriter& w, const char* key, const std::string& value) {
  if (value.empty()) return;
  w.Key(key);
  json_write_string(w, value);
}

void write_queued(JsonWriter& w, const QueuedExport& q) {
  w.StartObject();
  w.Key("integration");
  json_write_string(w, q.integration);
  w.Key("path");
  json_write_string(w, q.path);
  w.Key("state");
  json_write_string(w, queued_state_name(q.state));
  w.Key("attempts");
  w.Uint(q.attempts);
  json_write_time(w, "queued_at", q.queued_at);
  json_write_time(w, "retry_at", q.retry_at);
  write_if(w, "error_code", q.error_code);
  write_if(w, "error_message", q.error_message);
  w.EndObject();
}

}  // namespace

std::string_view watch_event_kind_name(WatchEventKind kind) {
  switch (kind) {
    case WatchEventKind::Exported: return "exported";
    case WatchEventKind::Conflict: return "conflict";
    case WatchEventKind::Refused: return "refused";
    case WatchEventKind::Failed: return "failed";
    case WatchEventKind::Status: return "status";
  }
  return "status";
}

std::string_view watch_mode_name(WatchMode mode) {
  switch (mode) {
    case WatchMode::Stopped: return "stopped";
    case WatchMode::Inotify: return "inotify";
    case WatchMode::Polling: return "polling";
  }
  return "stopped";
}

std::string_view queued_state_name(QueuedState state) {
  switch (state) {
    case QueuedState::Waiting: return "waiting";
    case QueuedState::InFlight: return "in_flight";
    case QueuedState::Failed: return "failed";
    case QueuedState::Conflict: return "conflict";
    case QueuedState::Refused: return "refused";
  }
  return "waiting";
}

uint64_t WatchStatus::pending() const {
  uint64_t n = files_settling;
  for (const IntegrationWatchStatus& i : integrations) n += i.waiting + i.in_flight + i.failed;
  return n;
}

std::string watch_event_to_json(const WatchEvent& e) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("event");
  json_write_string(w, watch_event_kind_name(e.kind));
  json_write_time(w, "at", e.at);
  write_if(w, "integration", e.integration);
  write_if(w, "path", e.path);
  write_if(w, "remote_key", e.remote_key);
  if (e.kind == WatchEventKind::Exported) {
    w.Key("bytes");
    w.Uint64(e.bytes);
  }
  write_if(w, "sha256", e.sha256);
  write_if(w, "conflict_copy", e.conflict_copy);
  if (!e.error.ok()) {
    w.Key("error");
    json_write_status(w, e.error);
  }
  if (e.retry_at) json_write_time(w, "retry_at", e.retry_at);
  if (e.parked) {
    w.Key("parked");
    w.Bool(true);
  }
  if (e.kind == WatchEventKind::Status) {
    w.Key("mode");
    json_write_string(w, watch_mode_name(e.mode));
  }
  write_if(w, "message", e.message);
  w.EndObject();
  return finished(buf);
}

std::string watch_status_to_json(const WatchStatus& s) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("mode");
  json_write_string(w, watch_mode_name(s.mode));
  write_if(w, "mode_reason", s.mode_reason);
  w.Key("watched_folders");
  w.Uint64(s.watched_folders);
  w.Key("files_settling");
  w.Uint64(s.files_settling);
  w.Key("pending");
  w.Uint64(s.pending());
  w.Key("integrations");
  w.StartArray();
  for (const IntegrationWatchStatus& i : s.integrations) {
    w.StartObject();
    w.Key("integration");
    json_write_string(w, i.integration);
    w.Key("folder");
    json_write_string(w, i.folder);
    w.Key("writeback");
    w.Bool(i.writeback);
    w.Key("reachable");
    w.Bool(i.reachable);
    for (auto [key, value] :
         {std::pair{"waiting", i.waiting}, std::pair{"in_flight", i.in_flight}, std::pair{"failed", i.failed},
          std::pair{"conflicts", i.conflicts}, std::pair{"refused", i.refused}, std::pair{"exported", i.exported}}) {
      w.Key(key);
      w.Uint64(value);
    }
    json_write_time(w, "last_export", i.last_export);
    write_if(w, "last_error", i.last_error);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return finished(buf);
}

std::string flush_result_to_json(const FlushResult& result) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("complete");
  w.Bool(result.complete);
  w.Key("pending");
  w.StartArray();
  for (const QueuedExport& q : result.pending) write_queued(w, q);
  w.EndArray();
  w.EndObject();
  return finished(buf);
}

}  // namespace cloudsync
