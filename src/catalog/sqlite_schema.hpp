// The SQLite catalog's schema and its forward migrations (PRAGMA user_version).
#pragma once

#include <string>
#include <string_view>

#include "catalog/sqlite.hpp"

namespace cloudsync {

/// The key that makes project and integration names unique regardless of case
/// and Unicode composition (stored in their name_key columns).
std::string catalog_name_key(std::string_view name);

/// Brings the database to this build's schema version; refuses a newer one.
Status migrate_catalog_schema(sqlite::Database& db);

}  // namespace cloudsync
