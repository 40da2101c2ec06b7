// The export queue of the SQLite catalog (table export_queue, schema version
// 3): the CatalogStore queue methods, each one transaction on the caller's
// database. Several processes may share the file, so every write takes the
// write lock up front (BEGIN IMMEDIATE) and reads what it changes inside it.
// The caller serialises its own threads (the store's mutex).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog_store.hpp"
#include "catalog/sqlite.hpp"

namespace cloudsync::sqlite_export_queue {

/// The contracts are those of the CatalogStore methods of the same names.
Status enqueue(sqlite::Database& db, const std::string& connection_id, const std::vector<std::string>& paths,
               TimePoint now);
Result<std::vector<QueueRow>> claim(sqlite::Database& db, const std::string& connection_id, TimePoint now, size_t max);
Status settle(sqlite::Database& db, const std::string& connection_id, const std::vector<SettledExport>& settled);
Status requeue(sqlite::Database& db, const std::string& connection_id, bool in_flight, bool retry_now);
Status unpark(sqlite::Database& db, const std::string& connection_id);
Result<std::vector<QueueRow>> rows(sqlite::Database& db, const std::string& connection_id);
Result<std::optional<TimePoint>> next_retry(sqlite::Database& db, const std::string& connection_id);

}  // namespace cloudsync::sqlite_export_queue
