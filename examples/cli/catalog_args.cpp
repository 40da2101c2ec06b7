// Where the shared catalog lives (--catalog, $CLOUDSYNC_CATALOG, the XDG data
// folder; its database in that folder or in PostgreSQL: --catalog-database,
// $CLOUDSYNC_CATALOG_DATABASE) and opening it.
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include <fmt/format.h>

#include "backend_option_args.hpp"
#include "commands.hpp"
#include "console.hpp"
#include "outcome.hpp"

namespace cloudsync::cli {

namespace {

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

}  // namespace

std::string default_catalog_dir() {
  if (std::string dir = env("CLOUDSYNC_CATALOG"); !dir.empty()) return dir;
  // The XDG base directory rule: a relative XDG_DATA_HOME is to be ignored.
  if (std::string data = env("XDG_DATA_HOME"); !data.empty() && data.front() == '/') {
    return (std::filesystem::path(data) / "cloudsync" / "catalog").string();
  }
  if (std::string home = env("HOME"); !home.empty()) {
    return (std::filesystem::path(home) / ".local" / "share" / "cloudsync" / "catalog").string();
  }
  return {};
}

void add_catalog_flag(CLI::App& cmd, CatalogArgs& a) {
  cmd.add_option("--catalog", a.dir,
                 "The catalog's state folder (default: $CLOUDSYNC_CATALOG, else $XDG_DATA_HOME/cloudsync/catalog, "
                 "else ~/.local/share/cloudsync/catalog)")
      ->type_name("DIR");
  cmd.add_option("--catalog-database", a.database,
                 "A PostgreSQL database that keeps the catalog, shared by several servers: a libpq conninfo "
                 "(\"host=... dbname=...\") or a postgresql:// URI (default: $CLOUDSYNC_CATALOG_DATABASE, else "
                 "SQLite in the catalog folder; the folder still keeps the secrets)")
      ->type_name("CONNINFO");
}

Result<std::shared_ptr<Catalog>> open_catalog(const CatalogArgs& a, bool create) {
  std::string dir = a.dir.empty() ? default_catalog_dir() : a.dir;
  if (dir.empty()) {
    return Status(ErrorCode::InvalidArgument, "no catalog folder: pass --catalog DIR or set CLOUDSYNC_CATALOG");
  }
  std::error_code ec;
  if (!create && !std::filesystem::is_directory(dir, ec)) {
    return Status(ErrorCode::NotFound,
                  fmt::format("catalog folder '{}' does not exist (register an integration or a project first, or "
                              "pass --catalog DIR)",
                              dir));
  }
  CatalogOptions options;
  options.state_dir = dir;
  options.database = a.database.empty() ? env("CLOUDSYNC_CATALOG_DATABASE") : a.database;
  options.limits = a.limits;
  options.transfers = a.transfers;
  CLOUDSYNC_ASSIGN_OR_RETURN(BackendOptions per_run, read_option_values(a.options));
  if (!per_run.empty()) {
    // Each integration gets the options its provider takes (restore runs them all).
    options.credentials = [per_run](const Integration& integ) { return options_for_url(per_run, integ.spec.url); };
  }
  return Catalog::open(std::move(options));
}

int with_catalog(const CatalogArgs& args, const OutputFlags& out, bool create,
                 const std::function<int(Console&, Catalog&)>& body) {
  Console console(out);
  auto catalog = open_catalog(args, create);
  if (!catalog.ok()) return fail(console, out, catalog.status());
  return body(console, **catalog);
}

}  // namespace cloudsync::cli
