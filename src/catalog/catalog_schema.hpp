// The catalog's schema and its forward migrations, on SQLite (the version in
// PRAGMA user_version) and on PostgreSQL (the version in table
// catalog_schema, migrations under an advisory lock).
#pragma once

#include <string>
#include <string_view>

#include "catalog/sql.hpp"

namespace cloudsync {

/// The key that makes project and integration names unique regardless of case
/// and Unicode composition (stored in their name_key columns).
std::string catalog_name_key(std::string_view name);

/// Brings the database to this build's schema version; refuses a newer one.
/// Safe when several processes open one database at once: one migrates, the
/// others wait for it and find the schema done.
Status migrate_catalog_schema(sql::Database& db);

}  // namespace cloudsync
