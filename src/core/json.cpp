#include "core/json.hpp"

#include <rapidjson/error/en.h>

#include <optional>

#include "core/error.hpp"
#include "core/time.hpp"
#include "core/utf8.hpp"

namespace cloudsync {

namespace {

// The value of a "\uXXXX" escape at text[i] (text[i] == '\\'), if it is one.
std::optional<unsigned> unicode_escape(std::string_view text, size_t i) {
  if (i + 6 > text.size() || text[i + 1] != 'u') return std::nullopt;
  unsigned v = 0;
  for (size_t k = i + 2; k < i + 6; ++k) {
    const char c = text[k];
    unsigned d = 0;
    if (c >= '0' && c <= '9') {
      d = static_cast<unsigned>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      d = static_cast<unsigned>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      d = static_cast<unsigned>(c - 'A' + 10);
    } else {
      return std::nullopt;
    }
    v = v * 16 + d;
  }
  return v;
}

// What parse_json refuses before RapidJSON sees the text: arrays and objects
// nested deeper than `limit` (brackets inside strings do not count), and an
// escaped low surrogate without its high one ("\uDE00"), which RapidJSON
// would decode into bytes that are not UTF-8. Text that is not JSON may pass,
// and then fails to parse.
std::optional<std::string> refused_before_parsing(std::string_view text, size_t limit) {
  size_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        std::optional<unsigned> v = unicode_escape(text, i);
        if (v && *v >= 0xD800 && *v <= 0xDBFF) {
          std::optional<unsigned> low = unicode_escape(text, i + 6);
          if (text.size() > i + 6 && text[i + 6] == '\\' && low && *low >= 0xDC00 && *low <= 0xDFFF) {
            i += 11;  // the pair
            continue;
          }
        }
        if (v && *v >= 0xD800 && *v <= 0xDFFF) {
          return fmt::format("a string holds an unpaired UTF-16 surrogate (\\u{:04X}) at offset {}", *v, i);
        }
        ++i;  // the escaped character, a quote included
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return fmt::format("JSON nested deeper than {} levels", limit);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return std::nullopt;
}

}  // namespace

Result<rapidjson::Document> parse_json(std::string_view text, std::string_view what) {
  rapidjson::Document doc;
  CLOUDSYNC_RETURN_IF_ERROR(parse_json_into(doc, text, what));
  return doc;
}

Status parse_json_into(rapidjson::Document& doc, std::string_view text, std::string_view what) {
  // RapidJSON's default parser, and every walk over a document (copies,
  // writers), recurse once per level: a few hundred thousand '[' from a
  // hostile server or a damaged state file would overflow the stack and take
  // the host process down. The depth is bounded first, and the parser used
  // is the iterative one.
  if (std::optional<std::string> refused = refused_before_parsing(text, kMaxJsonDepth)) {
    return make_error(ErrorCode::InvalidArgument, "{} is malformed: {}", what, *refused);
  }
  // Strict: anything after the document but white space is an error (a
  // request with trailing data was not what its sender meant), and so is a
  // string that is not UTF-8.
  doc.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(text.data(), text.size());
  if (doc.HasParseError()) {
    return make_error(ErrorCode::InvalidArgument, "{} is not valid JSON: {} at offset {}", what,
                      rapidjson::GetParseError_En(doc.GetParseError()), doc.GetErrorOffset());
  }
  return Status::OK();
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

std::string json_string_or_empty(const rapidjson::Value& obj, const char* key) {
  const auto* v = member(obj, key);
  return v != nullptr && v->IsString() ? std::string(v->GetString(), v->GetStringLength()) : std::string();
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

bool JsonWriter::String(const Ch* text, rapidjson::SizeType length, bool copy) {
  std::string_view view(text, length);
  if (is_valid_utf8(view)) return Base::String(text, length, copy);
  const std::string repaired = replace_invalid_utf8(view);
  return Base::String(repaired.data(), static_cast<rapidjson::SizeType>(repaired.size()), true);
}

void json_write_time(JsonWriter& w, const char* key, const std::optional<TimePoint>& t) {
  w.Key(key);
  if (t) {
    json_write_string(w, format_rfc3339(*t, 3));
  } else {
    w.Null();
  }
}

void json_write_status(JsonWriter& w, const Status& s) {
  w.StartObject();
  w.Key("code");
  json_write_string(w, error_code_name(s.code()));
  w.Key("message");
  json_write_string(w, s.message());
  if (s.http_status() != 0) {
    w.Key("http_status");
    w.Int(s.http_status());
  }
  if (!s.provider_code().empty()) {
    w.Key("provider_code");
    json_write_string(w, s.provider_code());
  }
  if (!s.missing_action().empty()) {
    w.Key("missing_action");
    json_write_string(w, s.missing_action());
  }
  w.EndObject();
}

}  // namespace cloudsync
