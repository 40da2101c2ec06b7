// JSON forms of engine results (documented in capi/include/cloudsync.h).
#include "cloudsync/workspace.hpp"
#include "core/json.hpp"
#include "engine/workspace_state.hpp"
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
  write_integration(w, i);
  return buf.GetString();
}

}  // namespace cloudsync
