#include "records/record_keys.hpp"

#include <charconv>

#include "core/error.hpp"
#include "core/json.hpp"
#include "core/time.hpp"

namespace cloudsync::records {

bool parse_int64(std::string_view text, int64_t& value) {
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size();
}

Result<DecodedId> decode_record_id(std::string_view json) {
  int64_t number = 0;
  if (parse_int64(json, number)) return DecodedId{false, std::string(json)};
  if (!json.empty() && json.front() == '"') {
    CLOUDSYNC_ASSIGN_OR_RETURN(auto document, parse_json(json, "record id"));
    if (document.IsString()) return DecodedId{true, std::string(document.GetString(), document.GetStringLength())};
  }
  return make_error(ErrorCode::InvalidArgument, "record source: a record id is neither an integer nor a JSON string");
}

void append_record_id(std::string& out, std::string_view text, bool as_string) {
  if (!as_string) {
    out.append(text);
    return;
  }
  rapidjson::StringBuffer buffer;
  JsonWriter writer(buffer);
  json_write_string(writer, text);
  out.append(buffer.GetString(), buffer.GetSize());
}

int64_t floor_unix(TimePoint t, int64_t units_per_second) {
  const int64_t nanos = to_unix_nanos(t);
  const int64_t per_unit = 1'000'000'000 / units_per_second;
  int64_t units = nanos / per_unit;
  if (nanos % per_unit < 0) --units;  // C++ division truncates toward zero; a bound must round down
  return units;
}

Status check_cancel(const CancelToken* cancel) {
  if (cancel != nullptr && cancel->is_cancelled()) return make_error(ErrorCode::Cancelled, "record source: cancelled");
  return Status::OK();
}

Status check_source_spec(const SourceSpec& spec) {
  const auto require = [](const std::string& value, std::string_view what) -> Status {
    if (value.empty()) return make_error(ErrorCode::InvalidArgument, "record source: {} is empty", what);
    if (value.find('\0') != std::string::npos) {
      return make_error(ErrorCode::InvalidArgument, "record source: {} holds a NUL character", what);
    }
    return Status::OK();
  };
  CLOUDSYNC_RETURN_IF_ERROR(require(spec.database, "database"));
  CLOUDSYNC_RETURN_IF_ERROR(require(spec.table, "table"));
  CLOUDSYNC_RETURN_IF_ERROR(require(spec.id_column, "id_column"));
  CLOUDSYNC_RETURN_IF_ERROR(require(spec.updated_column, "updated_column"));
  if (!spec.deletes_table.empty()) {
    CLOUDSYNC_RETURN_IF_ERROR(require(spec.deletes_table, "deletes_table"));
    CLOUDSYNC_RETURN_IF_ERROR(require(spec.deletes_id_column, "deletes_id_column"));
    CLOUDSYNC_RETURN_IF_ERROR(require(spec.deletes_updated_column, "deletes_updated_column"));
  }
  return Status::OK();
}

KeysetTable records_table(const SourceSpec& spec) { return {spec.table, spec.id_column, spec.updated_column, true}; }

KeysetTable deletes_table(const SourceSpec& spec) {
  return {spec.deletes_table, spec.deletes_id_column, spec.deletes_updated_column, false};
}

}  // namespace cloudsync::records
