// Request parsing, credentials, result documents and callback adaptation
// shared by the entry points.
#include "capi_internal.hpp"
#include "core/error.hpp"

namespace cloudsync::capi {

Result<rapidjson::Document> parse_request(const char* json, std::string_view what,
                                          std::initializer_list<std::string_view> known) {
  std::string_view text = json == nullptr ? std::string_view() : std::string_view(json);
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) text = "{}";
  CLOUDSYNC_ASSIGN_OR_RETURN(rapidjson::Document doc, parse_json(text, what));
  CLOUDSYNC_RETURN_IF_ERROR(json_check_keys(doc, known, what));
  return doc;
}

namespace {

// The members of a JSON object, each a string, as options. Values are never
// quoted in errors: they may be secrets.
Result<BackendOptions> string_map(const rapidjson::Value& object, std::string_view what) {
  BackendOptions out;
  for (const auto& m : object.GetObject()) {
    if (!m.value.IsString()) {
      return make_error(ErrorCode::InvalidArgument, "{}: option \"{}\" must be a string", what, m.name.GetString());
    }
    out[std::string(m.name.GetString(), m.name.GetStringLength())] =
        std::string(m.value.GetString(), m.value.GetStringLength());
  }
  return out;
}

}  // namespace

Result<BackendOptions> options_member(const rapidjson::Value& obj, const char* key, std::string_view what) {
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd() || it->value.IsNull()) return BackendOptions{};
  if (!it->value.IsObject()) return make_error(ErrorCode::InvalidArgument, "{}: \"{}\" must be an object", what, key);
  return string_map(it->value, what);
}

Result<BackendOptions> options_document(const char* json, std::string_view what) {
  std::string_view text = json == nullptr ? std::string_view() : std::string_view(json);
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return BackendOptions{};
  CLOUDSYNC_ASSIGN_OR_RETURN(rapidjson::Document doc, parse_json(text, what));
  if (!doc.IsObject()) return make_error(ErrorCode::InvalidArgument, "{} must be a JSON object", what);
  return string_map(doc, what);
}

Result<std::optional<std::vector<std::string>>> optional_string_array(const rapidjson::Value& obj, const char* key,
                                                                      std::string_view what) {
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd() || it->value.IsNull()) return std::optional<std::vector<std::string>>();
  CLOUDSYNC_ASSIGN_OR_RETURN(std::vector<std::string> list, json_string_array(obj, key, what));
  return std::optional<std::vector<std::string>>(std::move(list));
}

Result<IntegrationSpec> integration_spec_member(const rapidjson::Value& obj, std::string_view what) {
  IntegrationSpec spec;
  CLOUDSYNC_ASSIGN_OR_RETURN(auto name, json_string(obj, "name", what));
  CLOUDSYNC_ASSIGN_OR_RETURN(auto url, json_string(obj, "url", what));
  if (!name || !url) return make_error(ErrorCode::InvalidArgument, "{}: \"name\" and \"url\" are required", what);
  spec.name = std::move(*name);
  spec.url = std::move(*url);
  CLOUDSYNC_ASSIGN_OR_RETURN(auto type, json_string(obj, "type", what));
  spec.type = type.value_or("");
  CLOUDSYNC_ASSIGN_OR_RETURN(auto writeback, json_bool(obj, "writeback", what));
  spec.writeback = writeback.value_or(false);
  CLOUDSYNC_ASSIGN_OR_RETURN(spec.selected_folders, json_string_array(obj, "selected_folders", what));
  CLOUDSYNC_ASSIGN_OR_RETURN(spec.allowed_projects, json_string_array(obj, "allowed_projects", what));
  CLOUDSYNC_ASSIGN_OR_RETURN(spec.allowed_paths, json_string_array(obj, "allowed_paths", what));
  CLOUDSYNC_ASSIGN_OR_RETURN(spec.options, options_member(obj, "options", what));
  return spec;
}

void Credentials::set(const std::string& integration, BackendOptions options) {
  std::lock_guard lock(mutex_);
  if (options.empty()) {
    by_key_.erase(integration);
  } else {
    by_key_[integration] = std::move(options);
  }
}

BackendOptions Credentials::lookup(const Integration& integration) const {
  std::lock_guard lock(mutex_);
  BackendOptions out;
  // The id is the more specific key: its entries win.
  for (const std::string* key : {&integration.spec.name, &integration.id}) {
    auto it = by_key_.find(*key);
    if (it == by_key_.end()) continue;
    for (const auto& [k, v] : it->second) out[k] = v;
  }
  return out;
}

Status Credentials::load_member(const rapidjson::Value& obj, std::string_view what) {
  auto creds = obj.FindMember("credentials");
  if (creds == obj.MemberEnd() || creds->value.IsNull()) return Status::OK();
  if (!creds->value.IsObject()) {
    return make_error(ErrorCode::InvalidArgument, "{}: \"credentials\" must be an object", what);
  }
  for (const auto& m : creds->value.GetObject()) {
    CLOUDSYNC_ASSIGN_OR_RETURN(BackendOptions o, options_member(creds->value, m.name.GetString(), what));
    set(std::string(m.name.GetString(), m.name.GetStringLength()), std::move(o));
  }
  return Status::OK();
}

std::string tracked_files_json(const std::vector<TrackedFile>& files) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("files");
  w.StartArray();
  for (const TrackedFile& f : files) {
    w.StartObject();
    w.Key("path");
    json_write_string(w, f.path);
    w.Key("origin");
    json_write_string(w, f.origin);
    w.Key("size");
    w.Uint64(f.size);
    w.Key("remote_etag");
    json_write_string(w, f.remote_etag);
    w.Key("sha256");
    json_write_string(w, f.sha256);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

Status outcome_of(const std::vector<const SyncReport*>& reports) {
  for (const SyncReport* r : reports) {
    Status first = r->first_error();
    if (!first.ok()) return first;
  }
  return Status::OK();
}

Result<std::optional<uint64_t>> uint_member(const rapidjson::Value& obj, const char* key, std::string_view what) {
  CLOUDSYNC_ASSIGN_OR_RETURN(auto v, json_int(obj, key, what));
  if (v && *v < 0) return make_error(ErrorCode::InvalidArgument, "{}: \"{}\" must not be negative", what, key);
  if (!v) return std::optional<uint64_t>();
  return std::optional<uint64_t>(static_cast<uint64_t>(*v));
}

ProgressCallback progress_adapter(cloudsync_progress_fn fn, void* user) {
  if (fn == nullptr) return {};
  return [fn, user](const ProgressEvent& e) -> bool {
    cloudsync_progress p{};
    p.struct_size = sizeof(cloudsync_progress);
    p.phase = static_cast<int>(e.phase);
    p.path = e.path.c_str();
    p.bytes_done = e.bytes_done;
    p.bytes_total = e.bytes_total;
    p.files_done = e.files_done;
    p.files_total = e.files_total;
    return fn(&p, user) == 0;
  };
}

}  // namespace cloudsync::capi

static_assert(static_cast<int>(cloudsync::ProgressEvent::Phase::Planning) == CLOUDSYNC_PHASE_PLANNING &&
                  static_cast<int>(cloudsync::ProgressEvent::Phase::Transferring) == CLOUDSYNC_PHASE_TRANSFERRING &&
                  static_cast<int>(cloudsync::ProgressEvent::Phase::FileDone) == CLOUDSYNC_PHASE_FILE_DONE &&
                  static_cast<int>(cloudsync::ProgressEvent::Phase::Deleting) == CLOUDSYNC_PHASE_DELETING &&
                  static_cast<int>(cloudsync::ProgressEvent::Phase::Finished) == CLOUDSYNC_PHASE_FINISHED,
              "CLOUDSYNC_PHASE_* drifted from ProgressEvent::Phase");
