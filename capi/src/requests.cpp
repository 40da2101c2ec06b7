// Request parsing and callback adaptation shared by the entry points.
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

Result<BackendOptions> options_member(const rapidjson::Value& obj, const char* key, std::string_view what) {
  BackendOptions out;
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd() || it->value.IsNull()) return out;
  if (!it->value.IsObject()) return make_error(ErrorCode::InvalidArgument, "{}: \"{}\" must be an object", what, key);
  for (const auto& m : it->value.GetObject()) {
    if (!m.value.IsString()) {
      return make_error(ErrorCode::InvalidArgument, "{}: option \"{}\" must be a string", what, m.name.GetString());
    }
    out[m.name.GetString()] = std::string(m.value.GetString(), m.value.GetStringLength());
  }
  return out;
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
