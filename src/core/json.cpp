#include "core/json.hpp"

#include <rapidjson/error/en.h>

#include "core/error.hpp"

namespace cloudsync {

Result<rapidjson::Document> parse_json(std::string_view text, std::string_view what) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseStopWhenDoneFlag>(text.data(), text.size());
  if (doc.HasParseError()) {
    return make_error(ErrorCode::InvalidArgument, "{} is not valid JSON: {} at offset {}", what,
                      rapidjson::GetParseError_En(doc.GetParseError()), doc.GetErrorOffset());
  }
  return doc;
}

namespace {
const rapidjson::Value* member(const rapidjson::Value& obj, const char* key) {
  if (!obj.IsObject()) return nullptr;
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd() || it->value.IsNull()) return nullptr;
  return &it->value;
}
}  // namespace

Result<std::optional<std::string>> json_string(const rapidjson::Value& obj, const char* key, std::string_view what) {
  const auto* v = member(obj, key);
  if (v == nullptr) return std::optional<std::string>();
  if (!v->IsString()) return make_error(ErrorCode::InvalidArgument, "{}: \"{}\" must be a string", what, key);
  return std::optional<std::string>(std::string(v->GetString(), v->GetStringLength()));
}

Result<std::optional<int64_t>> json_int(const rapidjson::Value& obj, const char* key, std::string_view what) {
  const auto* v = member(obj, key);
  if (v == nullptr) return std::optional<int64_t>();
  if (!v->IsInt64()) return make_error(ErrorCode::InvalidArgument, "{}: \"{}\" must be an integer", what, key);
  return std::optional<int64_t>(v->GetInt64());
}

Result<std::optional<bool>> json_bool(const rapidjson::Value& obj, const char* key, std::string_view what) {
  const auto* v = member(obj, key);
  if (v == nullptr) return std::optional<bool>();
  if (!v->IsBool()) return make_error(ErrorCode::InvalidArgument, "{}: \"{}\" must be true or false", what, key);
  return std::optional<bool>(v->GetBool());
}

Result<std::vector<std::string>> json_string_array(const rapidjson::Value& obj, const char* key,
                                                   std::string_view what) {
  std::vector<std::string> out;
  const auto* v = member(obj, key);
  if (v == nullptr) return out;
  if (!v->IsArray()) return make_error(ErrorCode::InvalidArgument, "{}: \"{}\" must be an array of strings", what, key);
  for (const auto& item : v->GetArray()) {
    if (!item.IsString()) {
      return make_error(ErrorCode::InvalidArgument, "{}: \"{}\" must be an array of strings", what, key);
    }
    out.emplace_back(item.GetString(), item.GetStringLength());
  }
  return out;
}

Status json_check_keys(const rapidjson::Value& obj, std::initializer_list<std::string_view> known,
                       std::string_view what) {
  if (!obj.IsObject()) return make_error(ErrorCode::InvalidArgument, "{} must be a JSON object", what);
  for (const auto& m : obj.GetObject()) {
    std::string_view name(m.name.GetString(), m.name.GetStringLength());
    bool found = false;
    for (std::string_view k : known) found = found || k == name;
    if (!found) return make_error(ErrorCode::InvalidArgument, "{}: unknown field \"{}\"", what, name);
  }
  return Status::OK();
}

}  // namespace cloudsync
