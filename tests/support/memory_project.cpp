#include "support/memory_project.hpp"

namespace cloudsync::test {

MemoryProject::MemoryProject(const MemoryProjectOptions& options) : name(options.name) {
  WorkspaceOptions o;
  o.limits = options.limits;
  o.backend_factory = [this](const Integration&, const BackendOptions&) -> Result<std::shared_ptr<StorageBackend>> {
    return std::shared_ptr<StorageBackend>(remote);
  };
  auto w = Workspace::open(dir / "project", o);
  REQUIRE_OK(w);
  ws = std::move(*w);
  IntegrationSpec spec;
  spec.name = name;
  spec.url = options.url;
  spec.writeback = options.writeback;
  auto integ = ws->add_integration(spec);
  REQUIRE_OK(integ);
  folder = dir / "project" / integ->folder;
}

OperationResult MemoryProject::import(std::vector<std::string> selectors, bool dry_run) {
  auto r = ws->import_files(name, ImportRequest{std::move(selectors), dry_run});
  REQUIRE_OK(r);
  return *r;
}

OperationResult MemoryProject::restore() {
  auto r = ws->restore(name, {});
  REQUIRE_OK(r);
  REQUIRE(r->size() == 1);
  return r->front();
}

}  // namespace cloudsync::test
