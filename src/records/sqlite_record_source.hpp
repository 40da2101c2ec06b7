// The built-in SQLite record source: a table of a SQLite database file, read
// in (updated_at, id) order with keyset paging.
//
// The file is opened read-only (the host's application keeps writing it; in
// WAL mode a reader never blocks the writer, otherwise a page waits up to 5 s
// for the writer's lock). Each page is one statement, so each page is a
// consistent snapshot; rows committed between pages are found when their key
// is after the page's cursor and their updated_at is at or below the bound.
// A cancel token is looked at before each page and interrupts a running one.
//
// updated_at, by SourceSpec::updated_format:
//   "text"          UTC as SQLite's datetime()/CURRENT_TIMESTAMP writes it,
//                   "YYYY-MM-DD HH:MM:SS[.fraction]"; the upper bound is written
//                   the same way (to the nanosecond) and compared as text, so
//                   other forms ('T', a zone) do not compare right.
//   "unix_seconds"  an integer (or real) count of seconds since the epoch
//   "unix_millis"   the same in milliseconds
// RecordKey::updated_at is the value as stored (text, or the number's shortest
// exact decimal form) and is bound back with that type.
//
// The id may be INTEGER (JSON 42, or "42" with ids_as_strings) or TEXT (JSON
// "a1"). An id read back as a JSON string is bound as an integer when the
// column has INTEGER, REAL or NUMERIC affinity (or no affinity and the request
// has ids_as_strings) and the string is an integer; as text otherwise.
//
// Rows never exported: those whose updated_at or id is NULL (they have no
// place in the order), and, in "text" format, none other; a value of another
// storage class sorts by SQLite's rules (numbers before text).
//
// The JSON object: every column of the table in column order, by storage
// class: INTEGER and REAL -> number (a non-finite REAL -> null), TEXT -> string
// (invalid UTF-8 -> U+FFFD), BLOB -> base64 string, NULL -> null; with
// ids_as_strings an INTEGER id is a string there too. The column names are
// read again with each page (a column added by the application shows up).
#pragma once

#include <memory>

#include "cloudsync/records.hpp"

namespace cloudsync::records {

/// NotFound for a missing file, table or column; InvalidArgument for an unknown updated_format.
Result<std::unique_ptr<RecordSource>> open_sqlite_record_source(const SourceSpec& spec);

}  // namespace cloudsync::records
