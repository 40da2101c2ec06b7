// JSON forms of plans and reports: what the C ABI, the CLI's --json and
// hosts' UIs consume. Field names are part of the documented C ABI schema.
#include "cloudsync/sync.hpp"
#include "core/json.hpp"
#include "core/time.hpp"
#include "sync/json_writers.hpp"

namespace cloudsync {

void write_plan(JsonWriter& w, const Plan& plan) {
  w.StartObject();
  w.Key("source");
  json_write_string(w, plan.source);
  w.Key("destination");
  json_write_string(w, plan.destination);
  w.Key("delete_extraneous");
  w.Bool(plan.delete_extraneous);
  w.Key("mirror");
  w.Bool(plan.mirror);
  w.Key("summary");
  w.StartObject();
  for (ActionKind k :
       {ActionKind::Add, ActionKind::Update, ActionKind::Delete, ActionKind::Conflict, ActionKind::Skip}) {
    json_write_key(w, action_kind_name(k));
    w.Uint64(plan.count(k));
  }
  w.Key("unchanged");
  w.Uint64(plan.unchanged_count);
  w.Key("bytes_to_transfer");
  w.Uint64(plan.bytes_to_transfer());
  w.EndObject();
  w.Key("actions");
  w.StartArray();
  for (const PlanAction& a : plan.actions) {
    w.StartObject();
    w.Key("kind");
    json_write_string(w, action_kind_name(a.kind));
    w.Key("path");
    json_write_string(w, a.path);
    w.Key("reason");
    json_write_string(w, a.reason);
    if (a.kind == ActionKind::Add || a.kind == ActionKind::Update) {
      w.Key("size");
      w.Uint64(a.source.size);
    }
    if (a.has_source) {
      w.Key("source");
      write_object_meta(w, a.source);
    }
    if (a.has_destination) {
      w.Key("destination");
      write_object_meta(w, a.destination);
    }
    w.EndObject();
  }
  w.EndArray();
  w.Key("warnings");
  w.StartArray();
  for (const std::string& warning : plan.warnings) json_write_string(w, warning);
  w.EndArray();
  w.Key("unreadable");
  w.StartArray();
  for (const UnreadableEntry& entry : plan.unreadable) {
    w.StartObject();
    w.Key("key");
    json_write_string(w, entry.key);
    w.Key("error");
    json_write_string(w, entry.reason.to_string());
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

namespace {

void write_outcome(JsonWriter& w, const ActionOutcome& o) {
  w.StartObject();
  w.Key("action");
  json_write_string(w, action_kind_name(o.action));
  w.Key("path");
  json_write_string(w, o.path);
  w.Key("outcome");
  json_write_string(w, outcome_kind_name(o.outcome));
  if (!o.message.empty()) {
    w.Key("message");
    json_write_string(w, o.message);
  }
  if (o.error != ErrorCode::Ok) {
    w.Key("error");
    json_write_string(w, error_code_name(o.error));
  }
  if (o.bytes) {
    w.Key("bytes");
    w.Uint64(o.bytes);
  }
  w.EndObject();
}

// The members a report and a summary share, up to "outcomes".
template <typename Counts>
void write_report_head(JsonWriter& w, const Counts& r, uint64_t unchanged, uint64_t bytes_transferred, double seconds,
                       const std::string& deletes_skipped_reason) {
  w.Key("dry_run");
  w.Bool(r.dry_run);
  w.Key("summary");
  w.StartObject();
  for (OutcomeKind k :
       {OutcomeKind::Done, OutcomeKind::DryRun, OutcomeKind::Failed, OutcomeKind::Conflict, OutcomeKind::Skipped}) {
    json_write_key(w, outcome_kind_name(k));
    w.Uint64(r.count(k));
  }
  w.Key("unchanged");
  w.Uint64(unchanged);
  w.EndObject();
  w.Key("bytes_transferred");
  w.Uint64(bytes_transferred);
  w.Key("seconds");
  w.Double(seconds);
  if (!deletes_skipped_reason.empty()) {
    w.Key("deletes_skipped_reason");
    json_write_string(w, deletes_skipped_reason);
  }
}

}  // namespace

void write_report(JsonWriter& w, const SyncReport& r) {
  w.StartObject();
  write_report_head(w, r, r.unchanged, r.bytes_transferred, r.seconds, r.deletes_skipped_reason);
  w.Key("outcomes");
  w.StartArray();
  for (const ActionOutcome& o : r.outcomes) write_outcome(w, o);
  w.EndArray();
  w.EndObject();
}

std::string plan_to_json(const Plan& plan) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  write_plan(w, plan);
  return buf.GetString();
}

std::string summary_to_json(const SyncSummary& summary) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  write_report_head(w, summary, summary.unchanged, summary.bytes_transferred, summary.seconds,
                    summary.deletes_skipped_reason);
  w.Key("bytes_planned");
  w.Uint64(summary.bytes_planned);
  w.Key("warnings");
  w.StartArray();
  for (const std::string& warning : summary.warnings) json_write_string(w, warning);
  w.EndArray();
  w.Key("outcomes");
  w.StartArray();
  for (const ActionOutcome& o : summary.attention) write_outcome(w, o);
  w.EndArray();
  w.Key("outcomes_omitted");
  w.Uint64(summary.attention_omitted);
  w.EndObject();
  return buf.GetString();
}

std::string report_to_json(const SyncReport& report) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  write_report(w, report);
  return buf.GetString();
}

}  // namespace cloudsync
