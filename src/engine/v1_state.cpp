#include "engine/v1_state.hpp"

#include "cloudsync/backend_options.hpp"
#include "core/error.hpp"
#include "core/file_io.hpp"
#include "core/hash.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "core/time.hpp"
#include "core/url.hpp"

namespace cloudsync {

namespace fs = std::filesystem;

namespace {

constexpr int kStateVersion = 1;

Result<std::vector<Integration>> load_integrations(const fs::path& file) {
  std::vector<Integration> out;
  std::error_code ec;
  if (!fs::exists(file, ec)) return out;
  CLOUDSYNC_ASSIGN_OR_RETURN(std::string text, read_small_file(file));
  std::string what = "workspace state " + file.string();
  CLOUDSYNC_ASSIGN_OR_RETURN(rapidjson::Document doc, parse_json(text, what));
  CLOUDSYNC_ASSIGN_OR_RETURN(auto version, json_int(doc, "version", what));
  if (version.value_or(0) != kStateVersion) {
    return make_error(ErrorCode::Unsupported, "{} has version {}, this library reads version {}", what,
                      version.value_or(0), kStateVersion);
  }
  auto list = doc.FindMember("integrations");
  if (list == doc.MemberEnd() || !list->value.IsArray()) {
    return make_error(ErrorCode::InvalidArgument, "{}: \"integrations\" must be an array", what);
  }
  for (const auto& v : list->value.GetArray()) {
    Integration integ;
    CLOUDSYNC_ASSIGN_OR_RETURN(auto id, json_string(v, "id", what));
    CLOUDSYNC_ASSIGN_OR_RETURN(auto name, json_string(v, "name", what));
    CLOUDSYNC_ASSIGN_OR_RETURN(auto url, json_string(v, "url", what));
    CLOUDSYNC_ASSIGN_OR_RETURN(auto type, json_string(v, "type", what));
    CLOUDSYNC_ASSIGN_OR_RETURN(auto folder, json_string(v, "folder", what));
    CLOUDSYNC_ASSIGN_OR_RETURN(auto writeback, json_bool(v, "writeback", what));
    if (!id || !name || !url || !type || !folder) {
      return make_error(ErrorCode::InvalidArgument, "{}: an integration lacks id, name, url, type or folder", what);
    }
    integ.id = *id;
    integ.spec.name = *name;
    // A state file written before URLs were checked may hold credentials in
    // one: they are dropped here, so they are never shown and the next save
    // leaves them out (credentials come from the environment or the host).
    integ.spec.url = without_credentials(*url);
    if (integ.spec.url != *url) {
      log(LogLevel::Warn,
          "{}: the URL of integration '{}' carried credentials; they were dropped and are no longer "
          "used (give them through the environment or the credentials callback)",
          what, *name);
    }
    integ.spec.type = *type;
    integ.folder = *folder;
    integ.spec.writeback = writeback.value_or(false);
    CLOUDSYNC_ASSIGN_OR_RETURN(integ.spec.selected_folders, json_string_array(v, "selected_folders", what));
    auto opts = v.FindMember("options");
    if (opts != v.MemberEnd() && opts->value.IsObject()) {
      for (const auto& m : opts->value.GetObject()) {
        if (!m.value.IsString())
          return make_error(ErrorCode::InvalidArgument, "{}: option values must be strings", what);
        if (is_secret_backend_option(m.name.GetString()))
          continue;  // from an older state file: never used, never shown
        integ.spec.options[m.name.GetString()] = m.value.GetString();
      }
    }
    out.push_back(std::move(integ));
  }
  return out;
}

// Every field that names a file is checked: an id names the manifest file, a
// folder is where imports write and what --delete-files removes.
Status check_v1_integration(const Integration& i, const fs::path& state_file) {
  if (!is_catalog_id(i.id)) {
    return make_error(ErrorCode::InvalidArgument,
                      "the project state {} gives integration '{}' the id '{}', which is not one this library makes; "
                      "refusing to use the state",
                      state_file.string(), i.spec.name, i.id);
  }
  std::string expected = fmt::format("external-files/{}/{}", i.spec.type, sanitize_integration_name(i.spec.name));
  if (i.folder != expected ||
      i.spec.type.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") != std::string::npos) {
    return make_error(ErrorCode::InvalidArgument,
                      "integration '{}' has the folder '{}' in the project state {}, which is not {}; refusing to "
                      "use the state",
                      i.spec.name, i.folder, state_file.string(), expected);
  }
  return Status::OK();
}

}  // namespace

Result<bool> migrate_v1_state(CatalogStore& store, const fs::path& state_dir, const std::string& project_name,
                              const fs::path& root) {
  const fs::path state_file = state_dir / "workspace.json";
  std::error_code ec;
  if (!fs::exists(state_file, ec)) return false;
  CLOUDSYNC_ASSIGN_OR_RETURN(std::vector<Integration> integrations, load_integrations(state_file));
  Project project;
  project.id = random_hex(8);
  project.name = project_name;
  project.root = root;
  project.created_at = now_utc();
  std::vector<Connection> connections;
  std::vector<std::pair<std::string, Manifest>> manifests;
  for (Integration& i : integrations) {
    CLOUDSYNC_RETURN_IF_ERROR(check_v1_integration(i, state_file));
    i.platform = std::string(platform_name(platform_of(i.spec.url, i.spec.options)));
    i.status = std::string(integration_status_name(IntegrationStatus::Unchecked));
    i.created_at = i.updated_at = project.created_at;
    Connection c;
    c.id = random_hex(8);
    c.project_id = project.id;
    c.integration_id = i.id;
    c.folder = i.folder;
    c.created_at = project.created_at;
    connections.push_back(c);
    CLOUDSYNC_ASSIGN_OR_RETURN(Manifest m, Manifest::load(state_dir / "manifests" / (i.id + ".json")));
    manifests.emplace_back(c.id, std::move(m));
  }
  CLOUDSYNC_RETURN_IF_ERROR(store.import_v1(project, integrations, connections, manifests));
  // The v1 files go once the catalog holds their content: they may carry
  // credentials an older version stored (dropped above, never migrated), and
  // a crash before this point migrates nothing twice (import_v1 sees the
  // project and does nothing).
  fs::remove(state_file, ec);
  if (ec) return errno_error(ec.value(), "remove", state_file);
  fs::remove_all(state_dir / "manifests", ec);
  log(LogLevel::Info, "migrated the project state in {} ({} integrations) into the catalog", state_dir.string(),
      integrations.size());
  return true;
}

}  // namespace cloudsync
