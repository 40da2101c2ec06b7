// What the built-in record sources (SQLite, PostgreSQL) share: the id of a
// RecordKey (JSON) turned back into a value to bind, an id written as JSON,
// names split into quoted identifiers, and the checks every page starts with.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "cloudsync/cancel.hpp"
#include "cloudsync/records.hpp"
#include "cloudsync/status.hpp"

namespace cloudsync::records {

/// A RecordKey::id read back: 42 -> {false, "42"}, "a-17" -> {true, "a-17"}.
/// A source binds it with the type it came from (a string that holds an
/// integer, as ids_as_strings writes it, is bound as the column's type by the source).
struct DecodedId {
  bool was_string = false;
  std::string text;
};
/// InvalidArgument when `json` is neither an integer nor a JSON string.
Result<DecodedId> decode_record_id(std::string_view json);

/// Appends an id as JSON: a JSON string when `as_string`, else the digits as they are.
void append_record_id(std::string& out, std::string_view text, bool as_string);

/// True when `text` is an optional '-' and 1 to 19 digits that fit an int64.
bool parse_int64(std::string_view text, int64_t& value);

/// Seconds / milliseconds / microseconds since the epoch, rounded down (a
/// bound is inclusive, so rounding down never lets in a later record).
int64_t floor_unix(TimePoint t, int64_t units_per_second);

/// Cancelled when the token is set (checked before each page).
Status check_cancel(const CancelToken* cancel);

/// InvalidArgument unless the spec names a table, its id and updated-at
/// columns, and (with a delete feed) the feed's columns.
Status check_source_spec(const SourceSpec& spec);

/// What a page reads: the records or the delete feed of a SourceSpec.
struct KeysetTable {
  std::string table;
  std::string id_column;
  std::string updated_column;
  bool with_json = true;  ///< false for a delete feed (RecordView::json is empty)
};
KeysetTable records_table(const SourceSpec& spec);
KeysetTable deletes_table(const SourceSpec& spec);

}  // namespace cloudsync::records
