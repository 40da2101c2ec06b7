#include "catalog/export_job_json.hpp"

#include <array>
#include <utility>

#include "core/error.hpp"

namespace cloudsync {

namespace {

constexpr std::array<std::pair<SourceSpec::Kind, const char*>, 3> kKindNames{{
    {SourceSpec::Kind::SQLite, "sqlite"},
    {SourceSpec::Kind::PostgreSQL, "postgresql"},
    {SourceSpec::Kind::Registered, "registered"},
}};

template <typename F>
std::string document(F&& write) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  write(w);
  return std::string(buf.GetString(), buf.GetSize());
}

void write_key_or_null(JsonWriter& w, const char* name, const std::optional<RecordKey>& key) {
  w.Key(name);
  if (!key) {
    w.Null();
    return;
  }
  w.StartObject();
  w.Key("updated_at");
  json_write_string(w, key->updated_at);
  w.Key("id");
  json_write_string(w, key->id);
  w.EndObject();
}

Result<std::optional<RecordKey>> read_key(const rapidjson::Value& obj, const char* name, std::string_view what) {
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || it->value.IsNull()) return std::optional<RecordKey>{};
  if (!it->value.IsObject()) return make_error(ErrorCode::InvalidArgument, "{}: '{}' is not an object", what, name);
  CLOUDSYNC_ASSIGN_OR_RETURN(auto updated, json_string(it->value, "updated_at", what));
  CLOUDSYNC_ASSIGN_OR_RETURN(auto id, json_string(it->value, "id", what));
  if (!updated || !id) return make_error(ErrorCode::InvalidArgument, "{}: '{}' lacks updated_at or id", what, name);
  return std::optional<RecordKey>(RecordKey{*updated, *id});
}

Result<std::string> required_string(const rapidjson::Value& obj, const char* key, std::string_view what) {
  CLOUDSYNC_ASSIGN_OR_RETURN(auto value, json_string(obj, key, what));
  if (!value) return make_error(ErrorCode::InvalidArgument, "{}: '{}' is missing", what, key);
  return *value;
}

Result<uint64_t> unsigned_field(const rapidjson::Value& obj, const char* key, uint64_t fallback,
                                std::string_view what) {
  CLOUDSYNC_ASSIGN_OR_RETURN(auto value, json_int(obj, key, what));
  if (!value) return fallback;
  if (*value < 0) return make_error(ErrorCode::InvalidArgument, "{}: '{}' is negative", what, key);
  return static_cast<uint64_t>(*value);
}

Result<rapidjson::Document> parse_array(std::string_view text, std::string_view what) {
  CLOUDSYNC_ASSIGN_OR_RETURN(rapidjson::Document doc, parse_json(text, what));
  if (!doc.IsArray()) return make_error(ErrorCode::InvalidArgument, "{} is not an array", what);
  return doc;
}

}  // namespace

std::string_view source_kind_name(SourceSpec::Kind kind) {
  for (const auto& [k, name] : kKindNames) {
    if (k == kind) return name;
  }
  return "sqlite";
}

void write_models_json(JsonWriter& w, const std::vector<ModelSpec>& models) {
  w.StartArray();
  for (const ModelSpec& m : models) {
    const SourceSpec& s = m.source;
    w.StartObject();
    w.Key("name");
    json_write_string(w, m.name);
    w.Key("source");
    w.StartObject();
    w.Key("kind");
    json_write_string(w, source_kind_name(s.kind));
    for (const auto& [key, value] : {std::pair<const char*, const std::string*>{"database", &s.database},
                                     {"table", &s.table},
                                     {"id_column", &s.id_column},
                                     {"updated_column", &s.updated_column},
                                     {"updated_format", &s.updated_format},
                                     {"deletes_table", &s.deletes_table},
                                     {"deletes_id_column", &s.deletes_id_column},
                                     {"deletes_updated_column", &s.deletes_updated_column}}) {
      w.Key(key);
      json_write_string(w, *value);
    }
    w.EndObject();
    w.EndObject();
  }
  w.EndArray();
}

void write_options_json(JsonWriter& w, const RecordExportOptions& o) {
  w.StartObject();
  w.Key("visibility_lag_s");
  w.Int64(o.visibility_lag.count());
  w.Key("max_file_rows");
  w.Uint64(o.max_file_rows);
  w.Key("max_file_bytes");
  w.Uint64(o.max_file_bytes);
  w.Key("gzip");
  w.Bool(o.gzip);
  w.Key("ids_as_strings");
  w.Bool(o.ids_as_strings);
  w.Key("page_records");
  w.Uint64(o.page_records);
  w.EndObject();
}

void write_watermarks_json(JsonWriter& w, const std::vector<ModelWatermark>& watermarks) {
  w.StartArray();
  for (const ModelWatermark& m : watermarks) {
    w.StartObject();
    w.Key("model");
    json_write_string(w, m.model);
    write_key_or_null(w, "records", m.records);
    write_key_or_null(w, "deletions", m.deletions);
    w.EndObject();
  }
  w.EndArray();
}

void write_model_stats_json(JsonWriter& w, const std::vector<ModelRunStats>& stats) {
  w.StartArray();
  for (const ModelRunStats& m : stats) {
    w.StartObject();
    w.Key("model");
    json_write_string(w, m.model);
    w.Key("rows");
    w.Uint64(m.rows);
    w.Key("tombstones");
    w.Uint64(m.tombstones);
    w.Key("files");
    w.Uint64(m.files);
    w.Key("bytes");
    w.Uint64(m.bytes);
    w.EndObject();
  }
  w.EndArray();
}

std::string models_json(const std::vector<ModelSpec>& models) {
  return document([&](JsonWriter& w) { write_models_json(w, models); });
}
std::string options_json(const RecordExportOptions& options) {
  return document([&](JsonWriter& w) { write_options_json(w, options); });
}
std::string watermarks_json(const std::vector<ModelWatermark>& watermarks) {
  return document([&](JsonWriter& w) { write_watermarks_json(w, watermarks); });
}
std::string model_stats_json(const std::vector<ModelRunStats>& stats) {
  return document([&](JsonWriter& w) { write_model_stats_json(w, stats); });
}

Result<std::vector<ModelSpec>> read_models_json(const rapidjson::Value& array, std::string_view what) {
  if (!array.IsArray()) {
    return make_error(ErrorCode::InvalidArgument, "{}: the models are not an array of {{\"name\", \"source\"}}", what);
  }
  std::vector<ModelSpec> out;
  for (const auto& v : array.GetArray()) {
    if (!v.IsObject() || !v.HasMember("source") || !v["source"].IsObject()) {
      return make_error(ErrorCode::InvalidArgument, "{}: a model is not an object with a source", what);
    }
    CLOUDSYNC_RETURN_IF_ERROR(json_check_keys(v, {"name", "source"}, what));
    ModelSpec m;
    CLOUDSYNC_ASSIGN_OR_RETURN(m.name, required_string(v, "name", what));
    const rapidjson::Value& s = v["source"];
    CLOUDSYNC_RETURN_IF_ERROR(
        json_check_keys(s,
                        {"kind", "database", "table", "id_column", "updated_column", "updated_format", "deletes_table",
                         "deletes_id_column", "deletes_updated_column"},
                        what));
    CLOUDSYNC_ASSIGN_OR_RETURN(std::string kind, required_string(s, "kind", what));
    bool known = false;
    for (const auto& [k, name] : kKindNames) {
      if (kind == name) {
        m.source.kind = k;
        known = true;
      }
    }
    if (!known) {
      return make_error(ErrorCode::InvalidArgument, "{}: unknown source kind '{}' (sqlite, postgresql or registered)",
                        what, kind);
    }
    // A field left out keeps SourceSpec's default ("id", "updated_at", ...).
    for (const auto& [key, field] : {std::pair<const char*, std::string*>{"database", &m.source.database},
                                     {"table", &m.source.table},
                                     {"id_column", &m.source.id_column},
                                     {"updated_column", &m.source.updated_column},
                                     {"updated_format", &m.source.updated_format},
                                     {"deletes_table", &m.source.deletes_table},
                                     {"deletes_id_column", &m.source.deletes_id_column},
                                     {"deletes_updated_column", &m.source.deletes_updated_column}}) {
      CLOUDSYNC_ASSIGN_OR_RETURN(auto value, json_string(s, key, what));
      if (value) *field = std::move(*value);
    }
    out.push_back(std::move(m));
  }
  return out;
}

Result<std::vector<ModelSpec>> parse_models_json(std::string_view text) {
  constexpr std::string_view what = "an export job's models";
  CLOUDSYNC_ASSIGN_OR_RETURN(rapidjson::Document doc, parse_array(text, what));
  return read_models_json(doc, what);
}

Result<RecordExportOptions> read_options_json(const rapidjson::Value& obj, std::string_view what,
                                              RecordExportOptions base) {
  if (!obj.IsObject()) return make_error(ErrorCode::InvalidArgument, "{}: the options are not an object", what);
  CLOUDSYNC_RETURN_IF_ERROR(json_check_keys(
      obj, {"visibility_lag_s", "max_file_rows", "max_file_bytes", "gzip", "ids_as_strings", "page_records"}, what));
  RecordExportOptions o = base;
  CLOUDSYNC_ASSIGN_OR_RETURN(
      uint64_t lag, unsigned_field(obj, "visibility_lag_s", static_cast<uint64_t>(base.visibility_lag.count()), what));
  o.visibility_lag = std::chrono::seconds(static_cast<int64_t>(lag));
  CLOUDSYNC_ASSIGN_OR_RETURN(o.max_file_rows, unsigned_field(obj, "max_file_rows", o.max_file_rows, what));
  CLOUDSYNC_ASSIGN_OR_RETURN(o.max_file_bytes, unsigned_field(obj, "max_file_bytes", o.max_file_bytes, what));
  CLOUDSYNC_ASSIGN_OR_RETURN(uint64_t page, unsigned_field(obj, "page_records", o.page_records, what));
  o.page_records = static_cast<size_t>(page);
  CLOUDSYNC_ASSIGN_OR_RETURN(auto gzip, json_bool(obj, "gzip", what));
  o.gzip = gzip.value_or(base.gzip);
  CLOUDSYNC_ASSIGN_OR_RETURN(auto strings, json_bool(obj, "ids_as_strings", what));
  o.ids_as_strings = strings.value_or(base.ids_as_strings);
  return o;
}

Result<RecordExportOptions> parse_options_json(std::string_view text) {
  constexpr std::string_view what = "an export job's options";
  CLOUDSYNC_ASSIGN_OR_RETURN(rapidjson::Document doc, parse_json(text, what));
  return read_options_json(doc, what);
}

Result<std::vector<ModelWatermark>> read_watermarks_json(const rapidjson::Value& array, std::string_view what) {
  if (!array.IsArray()) return make_error(ErrorCode::InvalidArgument, "{}: the watermarks are not an array", what);
  std::vector<ModelWatermark> out;
  for (const auto& v : array.GetArray()) {
    if (!v.IsObject()) return make_error(ErrorCode::InvalidArgument, "{}: a watermark is not an object", what);
    ModelWatermark m;
    CLOUDSYNC_ASSIGN_OR_RETURN(m.model, required_string(v, "model", what));
    CLOUDSYNC_ASSIGN_OR_RETURN(m.records, read_key(v, "records", what));
    CLOUDSYNC_ASSIGN_OR_RETURN(m.deletions, read_key(v, "deletions", what));
    out.push_back(std::move(m));
  }
  return out;
}

Result<std::vector<ModelWatermark>> parse_watermarks_json(std::string_view text) {
  constexpr std::string_view what = "an export window's lower bounds";
  CLOUDSYNC_ASSIGN_OR_RETURN(rapidjson::Document doc, parse_array(text, what));
  return read_watermarks_json(doc, what);
}

Result<std::vector<ModelRunStats>> parse_model_stats_json(std::string_view text) {
  constexpr std::string_view what = "an export run's models";
  CLOUDSYNC_ASSIGN_OR_RETURN(rapidjson::Document doc, parse_array(text, what));
  std::vector<ModelRunStats> out;
  for (const auto& v : doc.GetArray()) {
    if (!v.IsObject()) return make_error(ErrorCode::InvalidArgument, "{}: an entry is not an object", what);
    ModelRunStats m;
    CLOUDSYNC_ASSIGN_OR_RETURN(m.model, required_string(v, "model", what));
    CLOUDSYNC_ASSIGN_OR_RETURN(m.rows, unsigned_field(v, "rows", 0, what));
    CLOUDSYNC_ASSIGN_OR_RETURN(m.tombstones, unsigned_field(v, "tombstones", 0, what));
    CLOUDSYNC_ASSIGN_OR_RETURN(m.files, unsigned_field(v, "files", 0, what));
    CLOUDSYNC_ASSIGN_OR_RETURN(m.bytes, unsigned_field(v, "bytes", 0, what));
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace cloudsync
