// Which database the catalog's own tests keep the catalog in. The unit binary
// builds them as they are: SQLite, <state_dir>/catalog.db. The binary
// cloudsync_catalog_postgres_tests builds the same sources with
// CLOUDSYNC_TEST_CATALOG_ON_POSTGRES: each test's catalog is then a fresh
// database on the process's private PostgreSQL server, so that every test of
// the store's contract runs on both stores without a copy of its code.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "catalog/catalog_store.hpp"
#include "cloudsync/catalog.hpp"
#include "support/postgres_server.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {

#ifdef CLOUDSYNC_TEST_CATALOG_ON_POSTGRES
inline constexpr bool kCatalogOnPostgres = true;
#else
inline constexpr bool kCatalogOnPostgres = false;
#endif

class TestCatalogDatabase {
 public:
  explicit TestCatalogDatabase(std::filesystem::path state_dir) : state_dir_(std::move(state_dir)) {
    if (kCatalogOnPostgres) conninfo_ = PostgresServer::shared().create_database();
  }

  /// `options` on this database (state_dir and database set).
  CatalogOptions options(CatalogOptions options = {}) const {
    options.state_dir = state_dir_;
    options.database = conninfo_;
    return options;
  }

  std::unique_ptr<CatalogStore> open_store() const {
    auto store = kCatalogOnPostgres ? open_postgres_catalog_store(conninfo_)
                                    : open_sqlite_catalog_store(sqlite_file(), std::chrono::seconds(20));
    REQUIRE_OK(store);
    return std::move(store).value();
  }

  /// Runs SQL on the catalog's database behind the store's back.
  void run(const std::string& sql) const {
    if (kCatalogOnPostgres) {
      PostgresServer::exec(conninfo_, sql);
    } else {
      run_catalog_sql(sqlite_file(), sql);
    }
  }

  /// The first column of the first row `sql` returns ("" for none).
  std::string query(const std::string& sql) const {
    if (!kCatalogOnPostgres) return query_catalog_sql(sqlite_file(), sql);
    auto column = PostgresServer::query_column(conninfo_, sql);
    return column.empty() ? std::string() : column.front();
  }

  /// Everything the database holds, as bytes to search (SQLite: its files;
  /// PostgreSQL: every row of every table as text).
  std::string contents() const {
    if (!kCatalogOnPostgres) {
      std::string all;
      for (const char* f : {"catalog.db", "catalog.db-wal"}) {
        if (std::filesystem::exists(state_dir_ / f)) all += read_file(state_dir_ / f);
      }
      return all;
    }
    // One query (each connection costs a password exchange): every table as XML.
    return query(
        "SELECT string_agg(query_to_xml(format('SELECT * FROM %I', table_name), true, false, '')::text, "
        "E'\\n' ORDER BY table_name) FROM information_schema.tables WHERE table_schema = 'public'");
  }

  const std::string& conninfo() const { return conninfo_; }
  std::filesystem::path sqlite_file() const { return state_dir_ / "catalog.db"; }

 private:
  std::filesystem::path state_dir_;
  std::string conninfo_;  ///< empty: SQLite
};

}  // namespace cloudsync::test
