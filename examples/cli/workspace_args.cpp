// The flags that say where a project is and how its integrations are reached,
// opening the project's workspace from them (in its own state or a shared
// catalog), and stored URLs.
#include <filesystem>
#include <system_error>

#include <fmt/format.h>

#include "backend_option_args.hpp"
#include "commands.hpp"

namespace cloudsync::cli {

namespace {

// The name under which the catalog knows the project folder `root`.
Result<std::string> registered_project(const Catalog& catalog, const std::filesystem::path& root) {
  std::error_code ec;
  std::filesystem::path wanted = std::filesystem::weakly_canonical(root, ec);
  CLOUDSYNC_ASSIGN_OR_RETURN(std::vector<Project> projects, catalog.projects());
  for (const Project& p : projects) {
    if (std::filesystem::weakly_canonical(p.root, ec) == wanted) return p.name;
  }
  return Status(ErrorCode::NotFound, fmt::format("project folder '{}' is not registered in the catalog (add it with "
                                                 "'cloudsync projects add NAME {}')",
                                                 root.string(), root.string()));
}

}  // namespace

void add_project_flag(CLI::App& cmd, WorkspaceArgs& a) {
  a.project_option =
      cmd.add_option("--project", a.project, "The project folder (default: the current directory)")->type_name("DIR");
}

void add_project_catalog_flag(CLI::App& cmd, WorkspaceArgs& a) {
  cmd.add_option("--catalog", a.catalog_dir,
                 "The shared catalog the project is registered in (default: the project's own state)")
      ->type_name("DIR");
}

void add_limit_flags(CLI::App& cmd, RunArgs& a) {
  a.max_files_option =
      cmd.add_option("--max-files", a.limits.max_files, "Most files the project may take from its integrations")
          ->check(whole_number(1))
          ->type_name("N")
          ->capture_default_str();
  a.max_file_size_option =
      cmd.add_option("--max-file-size", a.limits.max_file_size,
                     "Largest file the project may take, in bytes; K, M, G, T are multiples of 1024 (50G)")
          ->transform(byte_size())
          ->type_name("SIZE")
          ->capture_default_str();
}

void add_run_option_flag(CLI::App& cmd, RunArgs& a) {
  add_key_value_option(cmd, "-o,--option", a.options,
                       "Backend option or credential KEY=VALUE for this run, never stored; VALUE may be env:NAME, "
                       "file:PATH or - (stdin) (repeatable)");
}

void add_workspace_run_flags(CLI::App& cmd, RunArgs& a) {
  add_run_option_flag(cmd, a);
  cmd.add_option("--transfers", a.transfers, "Files transferred in parallel")
      ->check(whole_number(1, kMaxTransfers))
      ->type_name("N")
      ->capture_default_str();
}

Result<std::unique_ptr<Workspace>> open_workspace(const WorkspaceArgs& a, bool create) {
  std::filesystem::path root = a.project.empty() ? std::filesystem::path(".") : std::filesystem::path(a.project);
  std::error_code ec;
  if (!create && !std::filesystem::is_directory(root, ec)) {
    return Status(ErrorCode::NotFound, fmt::format("project folder '{}' does not exist", root.string()));
  }
  WorkspaceOptions options;
  options.limits = a.limits;
  options.transfers = a.transfers;
  if (!a.catalog_dir.empty()) {
    // The catalog runs the transfers: the run's options, limits and credentials go to it.
    CatalogArgs where;
    static_cast<RunArgs&>(where) = a;
    where.dir = a.catalog_dir;
    CLOUDSYNC_ASSIGN_OR_RETURN(options.catalog, open_catalog(where, false));
    CLOUDSYNC_ASSIGN_OR_RETURN(options.project, registered_project(*options.catalog, root));
  }
  CLOUDSYNC_ASSIGN_OR_RETURN(BackendOptions per_run, read_option_values(a.options));
  if (!per_run.empty()) {
    // Each integration gets the options its provider takes (restore runs them all).
    options.credentials = [per_run](const Integration& integ) { return options_for_url(per_run, integ.spec.url); };
  }
  return Workspace::open(root, std::move(options));
}

std::string stored_url(const std::string& url) {
  if (url.find("://") != std::string::npos) return url;
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(url, ec);
  return ec ? url : abs.lexically_normal().string();
}

}  // namespace cloudsync::cli
