// RapidJSON helpers: parsing with clear errors and typed field access.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "cloudsync/status.hpp"

namespace cloudsync {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

/// Deepest nesting of arrays and objects parse_json accepts.
inline constexpr size_t kMaxJsonDepth = 512;

/// Parses one JSON document; InvalidArgument naming `what` on a syntax error,
/// on data after the document, and on strings that are not UTF-8.
Result<rapidjson::Document> parse_json(std::string_view text, std::string_view what);

/// Field accessors for objects: nullopt when absent or null, an error when the
/// field has the wrong type. `what` names the document in messages.
Result<std::optional<std::string>> json_string(const rapidjson::Value& obj, const char* key, std::string_view what);
Result<std::optional<int64_t>> json_int(const rapidjson::Value& obj, const char* key, std::string_view what);
Result<std::optional<bool>> json_bool(const rapidjson::Value& obj, const char* key, std::string_view what);
Result<std::vector<std::string>> json_string_array(const rapidjson::Value& obj, const char* key,
                                                   std::string_view what);
/// Fails with InvalidArgument when `obj` has a member not in `known` (catches typos).
Status json_check_keys(const rapidjson::Value& obj, std::initializer_list<std::string_view> known,
                       std::string_view what);

inline void json_write_string(JsonWriter& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}
inline void json_write_key(JsonWriter& w, std::string_view s) {
  w.Key(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

}  // namespace cloudsync
