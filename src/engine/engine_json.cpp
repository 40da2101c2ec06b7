// JSON forms of engine and catalog values (documented in capi/include/cloudsync.h).
// None of them carries a secret: secrets are never in these values.
#include "cloudsync/backend_options.hpp"
#include "cloudsync/catalog.hpp"
#include "cloudsync/workspace.hpp"
#include "core/json.hpp"
#include "core/time.hpp"
#include "sync/json_writers.hpp"

namespace cloudsync {

namespace {

std::string finished(const rapidjson::StringBuffer& buf) { return std::string(buf.GetString(), buf.GetSize()); }

void write_strings(JsonWriter& w, const char* key, const std::vector<std::string>& list) {
  w.Key(key);
  w.StartArray();
  for (const std::string& s : list) json_write_string(w, s);
  w.EndArray();
}

}  // namespace

std::string operation_result_to_json(const OperationResult& result) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("integration");
  json_write_string(w, result.integration);
  w.Key("operation");
  json_write_string(w, result.operation);
  if (!result.error.ok()) {
    w.Key("error");
    json_write_status(w, result.error);
  }
  w.Key("plan");
  write_plan(w, result.plan);
  w.Key("report");
  write_report(w, result.report);
  w.EndObject();
  return finished(buf);
}

std::string integration_to_json(const Integration& i) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("id");
  json_write_string(w, i.id);
  w.Key("name");
  json_write_string(w, i.spec.name);
  w.Key("platform");
  json_write_string(w, i.platform);
  w.Key("type");
  json_write_string(w, i.spec.type);
  w.Key("url");
  json_write_string(w, i.spec.url);  // URLs with credentials are refused at registration
  w.Key("folder");
  json_write_string(w, i.folder);
  w.Key("writeback");
  w.Bool(i.spec.writeback);
  write_strings(w, "selected_folders", i.spec.selected_folders);
  write_strings(w, "allowed_projects", i.spec.allowed_projects);
  write_strings(w, "allowed_paths", i.spec.allowed_paths);
  w.Key("options");
  w.StartObject();
  for (const auto& [k, v] : i.spec.options) {
    if (is_secret_backend_option(k)) continue;  // defence in depth: they are refused before they are stored
    json_write_key(w, k);
    json_write_string(w, v);
  }
  w.EndObject();
  w.Key("status");
  json_write_string(w, i.status);
  w.Key("status_reason");
  json_write_string(w, i.status_reason);
  w.Key("missing_action");
  json_write_string(w, i.missing_action);
  w.Key("status_message");
  json_write_string(w, i.status_message);
  json_write_time(w, "created_at", i.created_at);
  json_write_time(w, "updated_at", i.updated_at);
  json_write_time(w, "last_checked", i.last_checked);
  w.EndObject();
  return finished(buf);
}

std::string project_to_json(const Project& p) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("id");
  json_write_string(w, p.id);
  w.Key("name");
  json_write_string(w, p.name);
  w.Key("root");
  json_write_string(w, p.root.string());
  json_write_time(w, "created_at", p.created_at);
  w.EndObject();
  return finished(buf);
}

std::string connection_to_json(const Connection& c) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("id");
  json_write_string(w, c.id);
  w.Key("project_id");
  json_write_string(w, c.project_id);
  w.Key("integration_id");
  json_write_string(w, c.integration_id);
  w.Key("folder");
  json_write_string(w, c.folder);
  write_strings(w, "selected_folders", c.selected_folders);
  write_strings(w, "include", c.include);
  write_strings(w, "exclude", c.exclude);
  json_write_time(w, "created_at", c.created_at);
  json_write_time(w, "last_checked", c.last_checked);
  w.Key("number_of_assets");
  w.Uint64(c.number_of_assets);
  w.Key("is_checking");
  w.Bool(c.is_checking);
  w.EndObject();
  return finished(buf);
}

}  // namespace cloudsync
