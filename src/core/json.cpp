#include "core/json.hpp"

#include <rapidjson/error/en.h>

#include "core/error.hpp"

namespace cloudsync {

namespace {

// True when arrays and objects in `text` nest deeper than `limit` (brackets
// inside strings do not count). Text that is not JSON may pass, and then
// fails to parse.
bool nested_deeper_than(std::string_view text, size_t limit) {
  size_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character, a quote included
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
}

}  // namespace

Result<rapidjson::Document> parse_json(std::string_view text, std::string_view what) {
  // RapidJSON's default parser, and every walk over a document (copies,
  // writers), recurse once per level: a few hundred thousand '[' from a
  // hostile server or a damaged state file would overflow the stack and take
  // the host process down. The depth is bounded first, and the parser used
  // is the iterative one.
  if (nested_deeper_than(text, kMaxJsonDepth)) {
    return make_error(ErrorCode::InvalidArgument, "{} is malformed: JSON nested deeper than {} levels", what,
                      kMaxJsonDepth);
  }
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseStopWhenDoneFlag | rapidjson::kParseIterativeFlag>(text.data(), text.size());
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
