// The record export jobs of the SQLite catalog (tables export_jobs,
// export_watermarks, export_runs; schema version 4): the CatalogStore export
// job methods, each one transaction on the caller's database. Several
// processes may share the file: every write takes the write lock up front
// (BEGIN IMMEDIATE) and reads what it changes inside it, so two claimers of
// one job are serialised. Written in the SQL PostgreSQL also runs (the
// server store shares it); the caller serialises its own threads.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog_store.hpp"
#include "catalog/sqlite.hpp"

namespace cloudsync::sqlite_export_jobs {

/// The contracts are those of the CatalogStore methods of the same names.
Status insert(sqlite::Database& db, const StoredExportJob& job);
Status update(sqlite::Database& db, const StoredExportJob& job);
Status remove(sqlite::Database& db, const std::string& id);
Result<std::optional<StoredExportJob>> find(sqlite::Database& db, const std::string& id_or_name);
Result<std::vector<StoredExportJob>> list(sqlite::Database& db, PageRequest page);
Result<std::vector<std::string>> due(sqlite::Database& db, TimePoint now);
Result<std::optional<TimePoint>> next_due(sqlite::Database& db);
Result<ExportJobClaim> claim(sqlite::Database& db, const std::string& job_id, const std::string& owner, TimePoint now,
                             TimePoint lease_until, bool due_only, const Status& abandoned);
Status renew(sqlite::Database& db, const std::string& job_id, const std::string& owner, TimePoint lease_until);
Status begin_run(sqlite::Database& db, const std::string& job_id, const std::string& owner,
                 const StoredExportWindow& window, TimePoint first_run_at, const ExportRun& run);
Status commit_run(sqlite::Database& db, const std::string& job_id, const std::string& owner, const ExportRun& run,
                  const std::vector<ModelWatermark>& watermarks, TimePoint next_run_at);
Status fail_run(sqlite::Database& db, const std::string& job_id, const std::string& owner, const ExportRun& run,
                TimePoint retry_at);
Result<std::vector<ModelWatermark>> watermarks(sqlite::Database& db, const std::string& job_id);
Result<std::vector<ExportRun>> runs(sqlite::Database& db, const ExportRunQuery& query, PageRequest page);
Result<uint64_t> count_runs(sqlite::Database& db, const ExportRunQuery& query);

}  // namespace cloudsync::sqlite_export_jobs
