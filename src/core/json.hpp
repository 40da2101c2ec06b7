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
#include "cloudsync/types.hpp"

namespace cloudsync {

/// RapidJSON's writer, except that every string (keys included) comes out as
/// UTF-8: a byte that is not part of a well-formed sequence (a remote key can
/// hold anything) is written as U+FFFD, never passed through raw, so that
/// every JSON document the library emits is valid UTF-8 and parses anywhere.
class JsonWriter : public rapidjson::Writer<rapidjson::StringBuffer> {
 public:
  using Base = rapidjson::Writer<rapidjson::StringBuffer>;
  explicit JsonWriter(rapidjson::StringBuffer& out) : Base(out) {}

  bool String(const Ch* text, rapidjson::SizeType length, bool copy = false);
  bool String(const Ch* text) {
    return String(text, static_cast<rapidjson::SizeType>(std::char_traits<Ch>::length(text)));
  }
  bool String(const std::string& text) { return String(text.data(), static_cast<rapidjson::SizeType>(text.size())); }
  bool Key(const Ch* text, rapidjson::SizeType length, bool copy = false) { return String(text, length, copy); }
  bool Key(const Ch* text) { return String(text); }
  bool Key(const std::string& text) { return String(text); }
};

/// Deepest nesting of arrays and objects parse_json accepts.
inline constexpr size_t kMaxJsonDepth = 512;

/// Parses one JSON document; InvalidArgument naming `what` on a syntax error,
/// on data after the document, and on strings that are not UTF-8.
Result<rapidjson::Document> parse_json(std::string_view text, std::string_view what);
/// The same into `doc`, which keeps its allocator: many small documents parse
/// into a buffer of the caller's instead of a fresh 64 KiB pool each.
Status parse_json_into(rapidjson::Document& doc, std::string_view text, std::string_view what);

/// Field accessors for objects: nullopt when absent or null, an error when the
/// field has the wrong type. `what` names the document in messages.
Result<std::optional<std::string>> json_string(const rapidjson::Value& obj, const char* key, std::string_view what);
Result<std::optional<int64_t>> json_int(const rapidjson::Value& obj, const char* key, std::string_view what);
Result<std::optional<bool>> json_bool(const rapidjson::Value& obj, const char* key, std::string_view what);
/// The string member `key` of `obj`, or "" when `obj` is not an object or
/// the member is absent or not a string (credential files, read leniently).
std::string json_string_or_empty(const rapidjson::Value& obj, const char* key);
Result<std::vector<std::string>> json_string_array(const rapidjson::Value& obj, const char* key, std::string_view what);
/// Fails with InvalidArgument when `obj` has a member not in `known` (catches typos).
Status json_check_keys(const rapidjson::Value& obj, std::initializer_list<std::string_view> known,
                       std::string_view what);

inline void json_write_string(JsonWriter& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}
inline void json_write_key(JsonWriter& w, std::string_view s) {
  w.Key(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}
/// `key`: an RFC 3339 time in milliseconds, or null.
void json_write_time(JsonWriter& w, const char* key, const std::optional<TimePoint>& t);
/// An error as {"code","message","http_status","provider_code"} (the last two when known).
void json_write_status(JsonWriter& w, const Status& s);

}  // namespace cloudsync
