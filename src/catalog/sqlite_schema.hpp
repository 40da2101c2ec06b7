// The SQLite catalog's schema and its forward migrations (PRAGMA user_version).
#pragma once

#include "catalog/sqlite.hpp"

namespace cloudsync {

/// Brings the database to this build's schema version; refuses a newer one.
Status migrate_catalog_schema(sqlite::Database& db);

}  // namespace cloudsync
