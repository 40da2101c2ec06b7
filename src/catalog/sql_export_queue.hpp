// The export queue of the catalog (table export_queue, schema version 3): the
// CatalogStore queue methods, each one transaction on the caller's database.
// Several processes may share the database, so every write runs alone on its
// connection's queue and reads what it changes inside its transaction: on
// SQLite the write lock taken up front (BEGIN IMMEDIATE) holds the file; on
// PostgreSQL the writer first locks the connection's row (SELECT ... FOR
// NO KEY UPDATE), which holds the queue's position counter, so two servers never
// hand out one position or claim one row twice. The caller serialises its
// own threads (the store's mutex).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog_store.hpp"
#include "catalog/sql.hpp"

namespace cloudsync::sql_export_queue {

/// The contracts are those of the CatalogStore methods of the same names.
Status enqueue(sql::Database& db, const std::string& connection_id, const std::vector<std::string>& paths,
               TimePoint now);
Result<std::vector<QueueRow>> claim(sql::Database& db, const std::string& connection_id, TimePoint now, size_t max);
Status settle(sql::Database& db, const std::string& connection_id, const std::vector<SettledExport>& settled);
Status requeue(sql::Database& db, const std::string& connection_id, bool in_flight, bool retry_now);
Status unpark(sql::Database& db, const std::string& connection_id);
Result<std::vector<QueueRow>> rows(sql::Database& db, const std::string& connection_id);
Result<std::optional<TimePoint>> next_retry(sql::Database& db, const std::string& connection_id);

}  // namespace cloudsync::sql_export_queue
