// cloudsync_catalog_*: an organisation's integrations, projects and
// connections, and the connection operations (differences, synchronize).
#include <algorithm>
#include <cstdint>

#include "capi_internal.hpp"
#include "cloudsync/catalog.hpp"
#include "core/error.hpp"

using namespace cloudsync;

namespace {

Result<IntegrationFilter> integration_filter(const char* filter_json) {
  std::string_view what = "integration filter";
  CLOUDSYNC_ASSIGN_OR_RETURN(
      rapidjson::Document doc,
      capi::parse_request(filter_json, what, {"id", "name", "platform", "status", "writeback", "project"}));
  IntegrationFilter filter;
  CLOUDSYNC_ASSIGN_OR_RETURN(filter.id, json_string(doc, "id", what));
  CLOUDSYNC_ASSIGN_OR_RETURN(filter.name, json_string(doc, "name", what));
  CLOUDSYNC_ASSIGN_OR_RETURN(filter.project, json_string(doc, "project", what));
  CLOUDSYNC_ASSIGN_OR_RETURN(filter.writeback, json_bool(doc, "writeback", what));
  CLOUDSYNC_ASSIGN_OR_RETURN(auto platform, json_string(doc, "platform", what));
  if (platform) {
    filter.platform = parse_platform(*platform);
    if (!filter.platform) {
      return make_error(ErrorCode::InvalidArgument,
                        "{}: unknown platform '{}' (AWS, Azure, GCP, GoogleDrive, Local or Memory)", what, *platform);
    }
  }
  CLOUDSYNC_ASSIGN_OR_RETURN(auto status, json_string(doc, "status", what));
  if (status) {
    filter.status = parse_integration_status(*status);
    if (!filter.status) {
      return make_error(ErrorCode::InvalidArgument,
                        "{}: unknown status '{}' (UNCHECKED, CHECKING, CONNECTED or DISCONNECTED)", what, *status);
    }
  }
  return filter;
}

Result<ConnectionFilter> connection_filter(const char* filter_json) {
  std::string_view what = "connection filter";
  CLOUDSYNC_ASSIGN_OR_RETURN(rapidjson::Document doc,
                             capi::parse_request(filter_json, what, {"project", "integration"}));
  ConnectionFilter filter;
  CLOUDSYNC_ASSIGN_OR_RETURN(filter.project, json_string(doc, "project", what));
  CLOUDSYNC_ASSIGN_OR_RETURN(filter.integration, json_string(doc, "integration", what));
  return filter;
}

Result<IntegrationUpdate> integration_update(const char* update_json) {
  std::string_view what = "integration update";
  CLOUDSYNC_ASSIGN_OR_RETURN(rapidjson::Document doc,
                             capi::parse_request(update_json, what,
                                                 {"name", "url", "writeback", "options", "secrets", "selected_folders",
                                                  "allowed_projects", "allowed_paths"}));
  IntegrationUpdate update;
  CLOUDSYNC_ASSIGN_OR_RETURN(update.name, json_string(doc, "name", what));
  CLOUDSYNC_ASSIGN_OR_RETURN(update.url, json_string(doc, "url", what));
  CLOUDSYNC_ASSIGN_OR_RETURN(update.writeback, json_bool(doc, "writeback", what));
  // An object present (even empty) replaces; absent or null keeps.
  for (auto [key, into] : {std::pair{"options", &update.options}, std::pair{"secrets", &update.secrets}}) {
    auto it = doc.FindMember(key);
    if (it == doc.MemberEnd() || it->value.IsNull()) continue;
    CLOUDSYNC_ASSIGN_OR_RETURN(*into, capi::options_member(doc, key, what));
  }
  CLOUDSYNC_ASSIGN_OR_RETURN(update.selected_folders, capi::optional_string_array(doc, "selected_folders", what));
  CLOUDSYNC_ASSIGN_OR_RETURN(update.allowed_projects, capi::optional_string_array(doc, "allowed_projects", what));
  CLOUDSYNC_ASSIGN_OR_RETURN(update.allowed_paths, capi::optional_string_array(doc, "allowed_paths", what));
  return update;
}

// {"<key>": [<each item's JSON>, ...]}
template <class T, class ToJson>
std::string list_json(std::string_view key, const std::vector<T>& items, ToJson to_json) {
  std::string json = "{\"";
  json += key;
  json += "\":[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) json += ",";
    json += to_json(items[i]);
  }
  json += "]}";
  return json;
}

// {"integration_id": "...", <the check's members>}: the check's own JSON is
// an object with members, so the id is spliced in front of them.
std::string check_with_id_json(const std::string& integration_id, const StatusCheck& check) {
  rapidjson::StringBuffer id;
  JsonWriter w(id);
  json_write_string(w, integration_id);
  std::string body = status_check_to_json(check);
  return "{\"integration_id\":" + std::string(id.GetString(), id.GetSize()) + "," + body.substr(1);
}

}  // namespace

extern "C" {

int cloudsync_catalog_open(const char* state_dir, const char* options_json, cloudsync_catalog** out) {
  if (out != nullptr) *out = nullptr;
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(state_dir, "state_dir"));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(out, "out"));
    std::string_view what = "catalog options";
    CLOUDSYNC_ASSIGN_OR_RETURN(
        rapidjson::Document doc,
        capi::parse_request(options_json, what,
                            {"busy_timeout_ms", "transfers", "max_files", "max_file_size", "credentials", "database"}));
    auto handle = std::make_unique<cloudsync_catalog>();
    CatalogOptions options;
    options.state_dir = state_dir;
    CLOUDSYNC_ASSIGN_OR_RETURN(auto database, json_string(doc, "database", what));
    if (database) options.database = *database;
    CLOUDSYNC_ASSIGN_OR_RETURN(auto busy, capi::uint_member(doc, "busy_timeout_ms", what));
    if (busy) options.busy_timeout = std::chrono::milliseconds(std::min<uint64_t>(*busy, INT32_MAX));
    CLOUDSYNC_ASSIGN_OR_RETURN(auto transfers, capi::uint_member(doc, "transfers", what));
    if (transfers) options.transfers = static_cast<uint32_t>(std::clamp<uint64_t>(*transfers, 1, UINT32_MAX));
    CLOUDSYNC_ASSIGN_OR_RETURN(auto max_files, capi::uint_member(doc, "max_files", what));
    if (max_files) options.limits.max_files = *max_files;
    CLOUDSYNC_ASSIGN_OR_RETURN(auto max_size, capi::uint_member(doc, "max_file_size", what));
    if (max_size) options.limits.max_file_size = *max_size;
    CLOUDSYNC_RETURN_IF_ERROR(handle->credentials->load_member(doc, what));
    options.credentials = [credentials = handle->credentials](const Integration& integ) {
      return credentials->lookup(integ);
    };
    CLOUDSYNC_ASSIGN_OR_RETURN(handle->catalog, Catalog::open(std::move(options)));
    *out = handle.release();
    return Status::OK();
  });
}

void cloudsync_catalog_close(cloudsync_catalog* cat) { delete cat; }

int cloudsync_catalog_set_credentials(cloudsync_catalog* cat, const char* integration, const char* options_json) {
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_catalog(cat));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(integration, "integration"));
    CLOUDSYNC_ASSIGN_OR_RETURN(BackendOptions o, capi::options_document(options_json, "credentials"));
    cat->credentials->set(integration, std::move(o));
    return Status::OK();
  });
}

// --- Integrations -----------------------------------------------------------

int cloudsync_catalog_integration_create(cloudsync_catalog* cat, const char* spec_json, const char* secrets_json,
                                         char** out_json) {
  if (out_json != nullptr) *out_json = nullptr;
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_catalog(cat));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(spec_json, "spec_json"));
    std::string_view what = "integration";
    CLOUDSYNC_ASSIGN_OR_RETURN(rapidjson::Document doc,
                               capi::parse_request(spec_json, what,
                                                   {"name", "url", "type", "writeback", "selected_folders",
                                                    "allowed_projects", "allowed_paths", "options"}));
    CLOUDSYNC_ASSIGN_OR_RETURN(IntegrationSpec spec, capi::integration_spec_member(doc, what));
    CLOUDSYNC_ASSIGN_OR_RETURN(SecretOptions secrets, capi::options_document(secrets_json, "secrets"));
    CLOUDSYNC_ASSIGN_OR_RETURN(Integration integ,
                               cat->catalog->create_integration(std::move(spec), std::move(secrets)));
    capi::hand_out(out_json, integration_to_json(integ));
    return Status::OK();
  });
}

int cloudsync_catalog_integration_get(cloudsync_catalog* cat, const char* id_or_name, char** out_json) {
  if (out_json != nullptr) *out_json = nullptr;
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_catalog(cat));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(id_or_name, "id_or_name"));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(out_json, "out_json"));
    CLOUDSYNC_ASSIGN_OR_RETURN(Integration integ, cat->catalog->integration(id_or_name));
    capi::hand_out(out_json, integration_to_json(integ));
    return Status::OK();
  });
}

int cloudsync_catalog_integration_secret_names(cloudsync_catalog* cat, const char* id_or_name, char** out_json) {
  if (out_json != nullptr) *out_json = nullptr;
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_catalog(cat));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(id_or_name, "id_or_name"));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(out_json, "out_json"));
    CLOUDSYNC_ASSIGN_OR_RETURN(std::vector<std::string> names, cat->catalog->secret_names(id_or_name));
    rapidjson::StringBuffer buf;
    JsonWriter w(buf);
    w.StartObject();
    w.Key("secret_names");
    w.StartArray();
    for (const std::string& n : names) json_write_string(w, n);
    w.EndArray();
    w.EndObject();
    capi::hand_out(out_json, std::string(buf.GetString(), buf.GetSize()));
    return Status::OK();
  });
}

int cloudsync_catalog_integration_update(cloudsync_catalog* cat, const char* id_or_name, const char* update_json,
                                         char** out_json) {
  if (out_json != nullptr) *out_json = nullptr;
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_catalog(cat));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(id_or_name, "id_or_name"));
    CLOUDSYNC_ASSIGN_OR_RETURN(IntegrationUpdate update, integration_update(update_json));
    CLOUDSYNC_ASSIGN_OR_RETURN(Integration integ, cat->catalog->update_integration(id_or_name, update));
    capi::hand_out(out_json, integration_to_json(integ));
    return Status::OK();
  });
}

int cloudsync_catalog_integration_delete(cloudsync_catalog* cat, const char* id_or_name, int force) {
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_catalog(cat));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(id_or_name, "id_or_name"));
    return cat->catalog->delete_integration(id_or_name, force != 0);
  });
}

int cloudsync_catalog_integration_list(cloudsync_catalog* cat, const char* filter_json, uint64_t first, uint64_t skip,
                                       char** out_json) {
  if (out_json != nullptr) *out_json = nullptr;
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_catalog(cat));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(out_json, "out_json"));
    CLOUDSYNC_ASSIGN_OR_RETURN(IntegrationFilter filter, integration_filter(filter_json));
    CLOUDSYNC_ASSIGN_OR_RETURN(std::vector<Integration> found,
                               cat->catalog->integrations(filter, capi::page_of(first, skip)));
    capi::hand_out(out_json, list_json("integrations", found, integration_to_json));
    return Status::OK();
  });
}

int cloudsync_catalog_integration_count(cloudsync_catalog* cat, const char* filter_json, uint64_t* out_count) {
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_catalog(cat));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(out_count, "out_count"));
    CLOUDSYNC_ASSIGN_OR_RETURN(IntegrationFilter filter, integration_filter(filter_json));
    CLOUDSYNC_ASSIGN_OR_RETURN(*out_count, cat->catalog->count_integrations(filter));
    return Status::OK();
  });
}

// --- Status checks ----------------------------------------------------------

int cloudsync_catalog_check(cloudsync_catalog* cat, const char* id_or_name, cloudsync_cancel* cancel, char** out_json) {
  if (out_json != nullptr) *out_json = nullptr;
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_catalog(cat));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(id_or_name, "id_or_name"));
    CLOUDSYNC_ASSIGN_OR_RETURN(StatusCheck check, cat->catalog->check_integration(id_or_name, capi::token_of(cancel)));
    capi::hand_out(out_json, status_check_to_json(check));
    return Status::OK();
  });
}

int cloudsync_catalog_check_all(cloudsync_catalog* cat, const char* filter_json, uint32_t concurrency,
                                cloudsync_cancel* cancel, char** out_json) {
  if (out_json != nullptr) *out_json = nullptr;
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_catalog(cat));
    CLOUDSYNC_ASSIGN_OR_RETURN(IntegrationFilter filter, integration_filter(filter_json));
    CLOUDSYNC_ASSIGN_OR_RETURN(auto checks, cat->catalog->check_integrations(filter, concurrency == 0 ? 8 : concurrency,
                                                                             capi::token_of(cancel)));
    capi::hand_out(out_json,
                   list_json("checks", checks, [](const auto& c) { return check_with_id_json(c.first, c.second); }));
    return Status::OK();
  });
}

// --- Projects ---------------------------------------------------------------

int cloudsync_catalog_project_add(cloudsync_catalog* cat, const char* name, const char* root, char** out_json) {
  if (out_json != nullptr) *out_json = nullptr;
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_catalog(cat));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(name, "name"));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(root, "root"));
    CLOUDSYNC_ASSIGN_OR_RETURN(Project project, cat->catalog->add_project(name, root));
    capi::hand_out(out_json, project_to_json(project));
    return Status::OK();
  });
}

int cloudsync_catalog_project_list(cloudsync_catalog* cat, char** out_json) {
  if (out_json != nullptr) *out_json = nullptr;
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_catalog(cat));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(out_json, "out_json"));
    CLOUDSYNC_ASSIGN_OR_RETURN(std::vector<Project> projects, cat->catalog->projects());
    capi::hand_out(out_json, list_json("projects", projects, project_to_json));
    return Status::OK();
  });
}

int cloudsync_catalog_project_remove(cloudsync_catalog* cat, const char* id_or_name) {
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_catalog(cat));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(id_or_name, "id_or_name"));
    return cat->catalog->remove_project(id_or_name);
  });
}

// --- Connections ------------------------------------------------------------

int cloudsync_catalog_connection_add(cloudsync_catalog* cat, const char* spec_json, char** out_json) {
  if (out_json != nullptr) *out_json = nullptr;
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_catalog(cat));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(spec_json, "spec_json"));
    std::string_view what = "connection";
    CLOUDSYNC_ASSIGN_OR_RETURN(
        rapidjson::Document doc,
        capi::parse_request(spec_json, what, {"project", "integration", "selected_folders", "include", "exclude"}));
    ConnectionSpec spec;
    CLOUDSYNC_ASSIGN_OR_RETURN(auto project, json_string(doc, "project", what));
    CLOUDSYNC_ASSIGN_OR_RETURN(auto integration, json_string(doc, "integration", what));
    if (!project || !integration) {
      return Status(ErrorCode::InvalidArgument, "connection: \"project\" and \"integration\" are required");
    }
    spec.project = std::move(*project);
    spec.integration = std::move(*integration);
    CLOUDSYNC_ASSIGN_OR_RETURN(spec.selected_folders, json_string_array(doc, "selected_folders", what));
    CLOUDSYNC_ASSIGN_OR_RETURN(spec.include, json_string_array(doc, "include", what));
    CLOUDSYNC_ASSIGN_OR_RETURN(spec.exclude, json_string_array(doc, "exclude", what));
    CLOUDSYNC_ASSIGN_OR_RETURN(Connection connection, cat->catalog->add_connection(spec));
    capi::hand_out(out_json, connection_to_json(connection));
    return Status::OK();
  });
}

int cloudsync_catalog_connection_get(cloudsync_catalog* cat, const char* id, char** out_json) {
  if (out_json != nullptr) *out_json = nullptr;
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_catalog(cat));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(id, "id"));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(out_json, "out_json"));
    CLOUDSYNC_ASSIGN_OR_RETURN(Connection connection, cat->catalog->connection(id));
    capi::hand_out(out_json, connection_to_json(connection));
    return Status::OK();
  });
}

int cloudsync_catalog_connection_list(cloudsync_catalog* cat, const char* filter_json, uint64_t first, uint64_t skip,
                                      char** out_json) {
  if (out_json != nullptr) *out_json = nullptr;
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_catalog(cat));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(out_json, "out_json"));
    CLOUDSYNC_ASSIGN_OR_RETURN(ConnectionFilter filter, connection_filter(filter_json));
    CLOUDSYNC_ASSIGN_OR_RETURN(std::vector<Connection> found,
                               cat->catalog->connections(filter, capi::page_of(first, skip)));
    capi::hand_out(out_json, list_json("connections", found, connection_to_json));
    return Status::OK();
  });
}

int cloudsync_catalog_connection_count(cloudsync_catalog* cat, const char* filter_json, uint64_t* out_count) {
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_catalog(cat));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(out_count, "out_count"));
    CLOUDSYNC_ASSIGN_OR_RETURN(ConnectionFilter filter, connection_filter(filter_json));
    CLOUDSYNC_ASSIGN_OR_RETURN(*out_count, cat->catalog->count_connections(filter));
    return Status::OK();
  });
}

int cloudsync_catalog_connection_remove(cloudsync_catalog* cat, const char* id) {
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_catalog(cat));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(id, "id"));
    return cat->catalog->remove_connection(id);
  });
}

int cloudsync_catalog_connection_files(cloudsync_catalog* cat, const char* id, char** out_json) {
  if (out_json != nullptr) *out_json = nullptr;
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_catalog(cat));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(id, "id"));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(out_json, "out_json"));
    // An unknown id would read as an empty manifest: say NotFound instead.
    CLOUDSYNC_RETURN_IF_ERROR(cat->catalog->connection(id).status());
    CLOUDSYNC_ASSIGN_OR_RETURN(std::vector<TrackedFile> files, cat->catalog->tracked_files(id));
    capi::hand_out(out_json, capi::tracked_files_json(files));
    return Status::OK();
  });
}

int cloudsync_connection_diff(cloudsync_catalog* cat, const char* id, const char* request_json,
                              cloudsync_cancel* cancel, cloudsync_plan** out_plan) {
  if (out_plan != nullptr) *out_plan = nullptr;
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_catalog(cat));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(id, "id"));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(out_plan, "out_plan"));
    std::string_view what = "difference request";
    CLOUDSYNC_ASSIGN_OR_RETURN(rapidjson::Document doc,
                               capi::parse_request(request_json, what, {"delete_extraneous_files"}));
    DifferenceOptions options;
    CLOUDSYNC_ASSIGN_OR_RETURN(auto del, json_bool(doc, "delete_extraneous_files", what));
    options.delete_extraneous_files = del.value_or(false);
    auto handle = std::make_unique<cloudsync_plan>();
    CLOUDSYNC_ASSIGN_OR_RETURN(handle->plan, cat->catalog->compute_differences(id, options, capi::token_of(cancel)));
    handle->connection_id = id;
    *out_plan = handle.release();
    return Status::OK();
  });
}

int cloudsync_connection_sync(cloudsync_catalog* cat, const char* id, const char* request_json,
                              const cloudsync_plan* expected_plan, cloudsync_progress_fn progress, void* user,
                              cloudsync_cancel* cancel, char** result_json) {
  return capi::run_operation(result_json, [&]() -> Result<OperationResult> {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_catalog(cat));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(id, "id"));
    std::string_view what = "synchronize request";
    CLOUDSYNC_ASSIGN_OR_RETURN(
        rapidjson::Document doc,
        capi::parse_request(request_json, what, {"delete_extraneous_files", "dry_run", "max_delete"}));
    SynchronizeOptions options;
    CLOUDSYNC_ASSIGN_OR_RETURN(auto del, json_bool(doc, "delete_extraneous_files", what));
    options.delete_extraneous_files = del.value_or(false);
    CLOUDSYNC_ASSIGN_OR_RETURN(auto dry_run, json_bool(doc, "dry_run", what));
    options.dry_run = dry_run.value_or(false);
    CLOUDSYNC_ASSIGN_OR_RETURN(options.max_delete, capi::uint_member(doc, "max_delete", what));
    if (expected_plan != nullptr) {
      // A plan of another connection, or a tree-sync plan, can never match:
      // that is a mistake in the call, not a change on either side.
      if (expected_plan->connection_id != id) {
        return Status(ErrorCode::InvalidArgument, "the expected plan was not computed for connection '" +
                                                      std::string(id) + "' (see cloudsync_connection_diff)");
      }
      options.expected_plan = &expected_plan->plan;
    }
    return cat->catalog->synchronize(id, options, capi::progress_adapter(progress, user), capi::token_of(cancel));
  });
}

}  // extern "C"
