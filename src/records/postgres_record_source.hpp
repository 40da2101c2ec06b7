// The built-in PostgreSQL record source: a table (or "schema.table") read in
// (updated_at, id) order with keyset paging, through libpq
// (catalog/postgres.hpp).
//
// Each page is one round trip: a prepared statement
//   SELECT u, id, row_to_json(t.*) FROM table t
//   WHERE (u, id) > ($cursor) AND u <= $upper ORDER BY u, id LIMIT $n
// whose bounds are bound in the column's own type, so an index on
// (updated_at, id) serves it. The server builds the JSON (row_to_json: every
// column in column order, json/jsonb columns as JSON, booleans, numbers;
// timestamps in ISO form); with ids_as_strings an integer id column is written
// as text in the JSON too. Each page is its own statement, so its own
// snapshot: rows committed between pages are found when their key is after the
// cursor and their updated_at is at or below the bound.
//
// updated_at may be timestamptz, timestamp (read as UTC) or an integer of Unix
// seconds; RecordKey::updated_at is its text (e.g. "2026-12-06
// 10:00:00.123456+00", to the microsecond), which reads back as the same value.
// The id may be any type with an order; an integer id is a JSON number (a
// string with ids_as_strings), any other a JSON string.
//
// Rows whose updated_at or id is NULL are never exported (they have no place
// in the order).
//
// A cancel token is looked at before each page; set during one, the server is
// asked to cancel the running query (Cancelled).
//
// A connection lost between pages fails that page (Network: transient) and is
// opened again by the next call, so the caller's retry can succeed.
//
// The conninfo may hold a password: it never appears in a message.
#pragma once

#include <memory>

#include "cloudsync/records.hpp"

namespace cloudsync::records {

/// Connects and checks the tables: NotFound for a missing table or column,
/// Unauthenticated for a wrong password, InvalidArgument for an updated-at
/// column of another type.
Result<std::unique_ptr<RecordSource>> open_postgres_record_source(const SourceSpec& spec);

}  // namespace cloudsync::records
