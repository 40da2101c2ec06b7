// The record export jobs of the catalog (tables export_jobs,
// export_watermarks, export_runs; schema version 4): the CatalogStore export
// job methods, each one transaction on the caller's database, SQLite or
// PostgreSQL. Several processes may share the catalog: on SQLite every write
// takes the write lock up front (BEGIN IMMEDIATE); on PostgreSQL a claim
// reads the job's row FOR UPDATE SKIP LOCKED (a claimer never waits behind
// another: the job is reported held) and every lease check locks the row it
// reads. The caller serialises its own threads.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog_store.hpp"
#include "catalog/sql.hpp"

namespace cloudsync::sql_export_jobs {

/// The contracts are those of the CatalogStore methods of the same names.
Status insert(sql::Database& db, const StoredExportJob& job);
Status update(sql::Database& db, const StoredExportJob& job);
Status remove(sql::Database& db, const std::string& id);
Result<std::optional<StoredExportJob>> find(sql::Database& db, const std::string& id_or_name);
Result<std::vector<StoredExportJob>> list(sql::Database& db, PageRequest page);
Result<std::vector<std::string>> due(sql::Database& db, TimePoint now);
Result<std::optional<TimePoint>> next_due(sql::Database& db);
Result<ExportJobClaim> claim(sql::Database& db, const std::string& job_id, const std::string& owner, TimePoint now,
                             TimePoint lease_now, TimePoint lease_until, bool due_only, const Status& abandoned);
Status renew(sql::Database& db, const std::string& job_id, const std::string& owner, TimePoint lease_until);
Status begin_run(sql::Database& db, const std::string& job_id, const std::string& owner,
                 const StoredExportWindow& window, TimePoint first_run_at, const ExportRun& run);
Status commit_run(sql::Database& db, const std::string& job_id, const std::string& owner, const ExportRun& run,
                  const std::vector<ModelWatermark>& watermarks, TimePoint next_run_at);
Status fail_run(sql::Database& db, const std::string& job_id, const std::string& owner, const ExportRun& run,
                TimePoint retry_at, bool drop_window);
Result<std::vector<ModelWatermark>> watermarks(sql::Database& db, const std::string& job_id);
Result<std::vector<ExportRun>> runs(sql::Database& db, const ExportRunQuery& query, PageRequest page);
Result<uint64_t> count_runs(sql::Database& db, const ExportRunQuery& query);

}  // namespace cloudsync::sql_export_jobs
