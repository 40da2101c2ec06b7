// parse_json and the typed accessors on arbitrary bytes: no crash, no
// unbounded recursion, errors instead of exceptions, and a document that
// parsed writes out to JSON that parses again to the same shape.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "core/json.hpp"
#include "fuzz_check.hpp"

using namespace cloudsync;

namespace {

// The shape (types, sizes, member names; not number values, which RapidJSON
// only round-trips approximately without kParseFullPrecisionFlag) must survive
// writing and parsing again. Depth is bounded by parse_json, so recursion is.
bool same_shape(const rapidjson::Value& a, const rapidjson::Value& b, size_t depth) {
  FUZZ_CHECK(depth <= kMaxJsonDepth + 1);
  if (a.GetType() != b.GetType()) return false;
  if (a.IsString()) return a == b;
  if (a.IsArray()) {
    if (a.Size() != b.Size()) return false;
    for (rapidjson::SizeType i = 0; i < a.Size(); ++i) {
      if (!same_shape(a[i], b[i], depth + 1)) return false;
    }
  }
  if (a.IsObject()) {
    if (a.MemberCount() != b.MemberCount()) return false;
    for (auto ia = a.MemberBegin(), ib = b.MemberBegin(); ia != a.MemberEnd(); ++ia, ++ib) {
      if (ia->name != ib->name || !same_shape(ia->value, ib->value, depth + 1)) return false;
    }
  }
  return true;
}

void use_accessors(const rapidjson::Value& v) {
  for (const char* key : {"a", "version", "entries", "name", "", "files", "nextPageToken"}) {
    (void)json_string(v, key, "fuzz");
    (void)json_int(v, key, "fuzz");
    (void)json_bool(v, key, "fuzz");
    (void)json_string_array(v, key, "fuzz");
  }
  (void)json_check_keys(v, {"a", "b", "version"}, "fuzz");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = fuzz::as_text(data, size);
  Result<rapidjson::Document> doc = parse_json(text, "fuzz input");
  if (!doc.ok()) {
    FUZZ_CHECK(doc.status().code() == ErrorCode::InvalidArgument);
    return 0;
  }
  use_accessors(*doc);
  if (doc->IsObject()) {
    for (const auto& m : doc->GetObject()) use_accessors(m.value);
  } else if (doc->IsArray()) {
    for (const auto& item : doc->GetArray()) use_accessors(item);
  }
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  // Writer refuses what it cannot write (never an issue for parsed input
  // without NaN/Infinity); a refusal is not a crash.
  if (!doc->Accept(writer)) return 0;
  Result<rapidjson::Document> again = parse_json(std::string_view(buffer.GetString(), buffer.GetSize()), "rewritten");
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(same_shape(*doc, *again, 0));
  return 0;
}
