// JSON forms of engine results (documented in capi/include/cloudsync.h).
#include "cloudsync/workspace.hpp"
#include "core/json.hpp"
#include "sync/json_writers.hpp"

namespace cloudsync {

std::string operation_result_to_json(const OperationResult& result) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("integration");
  json_write_string(w, result.integration);
  w.Key("operation");
  json_write_string(w, result.operation);
  w.Key("plan");
  write_plan(w, result.plan);
  w.Key("report");
  write_report(w, result.report);
  w.EndObject();
  return buf.GetString();
}

std::string integration_to_json(const Integration& i) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("id");
  json_write_string(w, i.id);
  w.Key("name");
  json_write_string(w, i.spec.name);
  w.Key("type");
  json_write_string(w, i.spec.type);
  w.Key("url");
  json_write_string(w, i.spec.url);
  w.Key("folder");
  json_write_string(w, i.folder);
  w.Key("writeback");
  w.Bool(i.spec.writeback);
  w.Key("selected_folders");
  w.StartArray();
  for (const auto& f : i.spec.selected_folders) json_write_string(w, f);
  w.EndArray();
  w.Key("options");
  w.StartObject();
  for (const auto& [k, v] : i.spec.options) {
    json_write_key(w, k);
    json_write_string(w, v);
  }
  w.EndObject();
  w.EndObject();
  return buf.GetString();
}

}  // namespace cloudsync
