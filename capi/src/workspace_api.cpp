// cloudsync_workspace_* and the project operations.
#include "capi_internal.hpp"
#include "cloudsync/catalog.hpp"
#include "cloudsync/workspace.hpp"
#include "core/error.hpp"

using namespace cloudsync;
using capi::run_operation;
using capi::token_of;

namespace {

Status require_workspace(cloudsync_workspace* ws) { return capi::require_arg(ws, "workspace"); }

Status parse_dry_run(const rapidjson::Value& doc, std::string_view what, bool& dry_run) {
  CLOUDSYNC_ASSIGN_OR_RETURN(auto v, json_bool(doc, "dry_run", what));
  dry_run = v.value_or(false);
  return Status::OK();
}

}  // namespace

extern "C" {

int cloudsync_workspace_open(const char* root, const char* options_json, cloudsync_workspace** out) {
  if (out != nullptr) *out = nullptr;
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(root, "root"));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(out, "out"));
    std::string_view what = "workspace options";
    CLOUDSYNC_ASSIGN_OR_RETURN(rapidjson::Document doc,
                               capi::parse_request(options_json, what,
                                                   {"max_files", "max_file_size", "transfers", "state_dir",
                                                    "catalog_dir", "project", "credentials"}));
    auto handle = std::make_unique<cloudsync_workspace>();
    WorkspaceOptions options;
    CLOUDSYNC_ASSIGN_OR_RETURN(auto max_files, capi::uint_member(doc, "max_files", what));
    if (max_files) options.limits.max_files = *max_files;
    CLOUDSYNC_ASSIGN_OR_RETURN(auto max_size, capi::uint_member(doc, "max_file_size", what));
    if (max_size) options.limits.max_file_size = *max_size;
    CLOUDSYNC_ASSIGN_OR_RETURN(auto transfers, capi::uint_member(doc, "transfers", what));
    if (transfers) options.transfers = static_cast<uint32_t>(std::max<uint64_t>(*transfers, 1));
    CLOUDSYNC_ASSIGN_OR_RETURN(auto state_dir, json_string(doc, "state_dir", what));
    if (state_dir) options.state_dir = *state_dir;
    CLOUDSYNC_ASSIGN_OR_RETURN(auto project, json_string(doc, "project", what));
    if (project) options.project = *project;
    CLOUDSYNC_ASSIGN_OR_RETURN(auto catalog_dir, json_string(doc, "catalog_dir", what));
    if (catalog_dir) {
      // A shared catalog keeps its state in its own folder: a second state
      // folder for the same project would be ignored, so it is refused.
      if (state_dir) {
        return Status(ErrorCode::InvalidArgument,
                      "workspace options: \"state_dir\" and \"catalog_dir\" exclude each other");
      }
      CatalogOptions catalog;
      catalog.state_dir = *catalog_dir;
      // The catalog runs the transfers, so the project's limits go to it.
      catalog.limits = options.limits;
      catalog.transfers = options.transfers;
      CLOUDSYNC_ASSIGN_OR_RETURN(options.catalog, Catalog::open(std::move(catalog)));
    }
    CLOUDSYNC_RETURN_IF_ERROR(handle->credentials.load_member(doc, what));
    const capi::Credentials* credentials = &handle->credentials;
    options.credentials = [credentials](const Integration& integ) { return credentials->lookup(integ); };
    CLOUDSYNC_ASSIGN_OR_RETURN(handle->ws, Workspace::open(root, std::move(options)));
    *out = handle.release();
    return Status::OK();
  });
}

void cloudsync_workspace_close(cloudsync_workspace* ws) { delete ws; }

int cloudsync_workspace_set_credentials(cloudsync_workspace* ws, const char* integration, const char* options_json) {
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(require_workspace(ws));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(integration, "integration"));
    CLOUDSYNC_ASSIGN_OR_RETURN(BackendOptions o, capi::options_document(options_json, "credentials"));
    ws->credentials.set(integration, std::move(o));
    return Status::OK();
  });
}

int cloudsync_integration_add(cloudsync_workspace* ws, const char* spec_json, char** out_json) {
  if (out_json != nullptr) *out_json = nullptr;
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(require_workspace(ws));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(spec_json, "spec_json"));
    std::string_view what = "integration";
    CLOUDSYNC_ASSIGN_OR_RETURN(
        rapidjson::Document doc,
        capi::parse_request(spec_json, what, {"name", "url", "type", "writeback", "selected_folders", "options"}));
    CLOUDSYNC_ASSIGN_OR_RETURN(IntegrationSpec spec, capi::integration_spec_member(doc, what));
    CLOUDSYNC_ASSIGN_OR_RETURN(Integration integ, ws->ws->add_integration(std::move(spec)));
    capi::hand_out(out_json, integration_to_json(integ));
    return Status::OK();
  });
}

int cloudsync_integration_remove(cloudsync_workspace* ws, const char* name, int delete_files) {
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(require_workspace(ws));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(name, "name"));
    return ws->ws->remove_integration(name, delete_files != 0);
  });
}

int cloudsync_integration_list(cloudsync_workspace* ws, char** out_json) {
  if (out_json != nullptr) *out_json = nullptr;
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(require_workspace(ws));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(out_json, "out_json"));
    std::string json = "{\"integrations\":[";
    bool first = true;
    for (const Integration& i : ws->ws->integrations()) {
      if (!first) json += ",";
      first = false;
      json += integration_to_json(i);
    }
    json += "]}";
    capi::hand_out(out_json, json);
    return Status::OK();
  });
}

int cloudsync_tracked_files(cloudsync_workspace* ws, const char* integration, char** out_json) {
  if (out_json != nullptr) *out_json = nullptr;
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(require_workspace(ws));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(integration, "integration"));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(out_json, "out_json"));
    CLOUDSYNC_ASSIGN_OR_RETURN(std::vector<TrackedFile> files, ws->ws->tracked_files(integration));
    capi::hand_out(out_json, capi::tracked_files_json(files));
    return Status::OK();
  });
}

int cloudsync_import(cloudsync_workspace* ws, const char* integration, const char* request_json,
                     cloudsync_progress_fn progress, void* user, cloudsync_cancel* cancel, char** result_json) {
  return run_operation(result_json, [&]() -> Result<OperationResult> {
    CLOUDSYNC_RETURN_IF_ERROR(require_workspace(ws));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(integration, "integration"));
    std::string_view what = "import request";
    CLOUDSYNC_ASSIGN_OR_RETURN(rapidjson::Document doc,
                               capi::parse_request(request_json, what, {"selectors", "dry_run"}));
    ImportRequest req;
    CLOUDSYNC_ASSIGN_OR_RETURN(req.selectors, json_string_array(doc, "selectors", what));
    CLOUDSYNC_RETURN_IF_ERROR(parse_dry_run(doc, what, req.dry_run));
    return ws->ws->import_files(integration, req, capi::progress_adapter(progress, user), token_of(cancel));
  });
}

int cloudsync_export(cloudsync_workspace* ws, const char* integration, const char* request_json,
                     cloudsync_progress_fn progress, void* user, cloudsync_cancel* cancel, char** result_json) {
  return run_operation(result_json, [&]() -> Result<OperationResult> {
    CLOUDSYNC_RETURN_IF_ERROR(require_workspace(ws));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(integration, "integration"));
    std::string_view what = "export request";
    CLOUDSYNC_ASSIGN_OR_RETURN(rapidjson::Document doc, capi::parse_request(request_json, what, {"paths", "dry_run"}));
    ExportRequest req;
    CLOUDSYNC_ASSIGN_OR_RETURN(req.paths, json_string_array(doc, "paths", what));
    CLOUDSYNC_RETURN_IF_ERROR(parse_dry_run(doc, what, req.dry_run));
    return ws->ws->export_files(integration, req, capi::progress_adapter(progress, user), token_of(cancel));
  });
}

int cloudsync_restore(cloudsync_workspace* ws, const char* integration, const char* request_json,
                      cloudsync_progress_fn progress, void* user, cloudsync_cancel* cancel, char** result_json) {
  if (result_json != nullptr) *result_json = nullptr;
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(require_workspace(ws));
    std::string_view what = "restore request";
    CLOUDSYNC_ASSIGN_OR_RETURN(rapidjson::Document doc, capi::parse_request(request_json, what, {"dry_run"}));
    RestoreRequest req;
    CLOUDSYNC_RETURN_IF_ERROR(parse_dry_run(doc, what, req.dry_run));
    CLOUDSYNC_ASSIGN_OR_RETURN(std::vector<OperationResult> results,
                               ws->ws->restore(integration == nullptr ? "" : integration, req,
                                               capi::progress_adapter(progress, user), token_of(cancel)));
    std::string json = "{\"results\":[";
    std::vector<const SyncReport*> reports;
    for (size_t i = 0; i < results.size(); ++i) {
      if (i > 0) json += ",";
      json += operation_result_to_json(results[i]);
      reports.push_back(&results[i].report);
    }
    json += "]}";
    capi::hand_out(result_json, json);
    return capi::outcome_of(reports);
  });
}

int cloudsync_sync(cloudsync_workspace* ws, const char* integration, const char* request_json,
                   cloudsync_progress_fn progress, void* user, cloudsync_cancel* cancel, char** result_json) {
  return run_operation(result_json, [&]() -> Result<OperationResult> {
    CLOUDSYNC_RETURN_IF_ERROR(require_workspace(ws));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(integration, "integration"));
    std::string_view what = "sync request";
    CLOUDSYNC_ASSIGN_OR_RETURN(
        rapidjson::Document doc,
        capi::parse_request(request_json, what,
                            {"direction", "folders", "delete_extraneous", "dry_run", "max_delete"}));
    SyncRequest req;
    CLOUDSYNC_ASSIGN_OR_RETURN(auto given, json_string(doc, "direction", what));
    // One plain string compared (GCC 12 warns, wrongly, about comparing inside the optional here).
    std::string direction = given.value_or("pull");
    if (direction != "pull" && direction != "push") {
      return Status(ErrorCode::InvalidArgument, "sync request: \"direction\" must be \"pull\" or \"push\"");
    }
    req.direction = direction == "push" ? SyncDirection::Push : SyncDirection::Pull;
    CLOUDSYNC_ASSIGN_OR_RETURN(req.folders, json_string_array(doc, "folders", what));
    CLOUDSYNC_ASSIGN_OR_RETURN(auto del, json_bool(doc, "delete_extraneous", what));
    req.delete_extraneous = del.value_or(false);
    CLOUDSYNC_RETURN_IF_ERROR(parse_dry_run(doc, what, req.dry_run));
    CLOUDSYNC_ASSIGN_OR_RETURN(req.max_delete, capi::uint_member(doc, "max_delete", what));
    return ws->ws->sync(integration, req, capi::progress_adapter(progress, user), token_of(cancel));
  });
}

}  // extern "C"
