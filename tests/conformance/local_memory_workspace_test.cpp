// The workspace conformance suite on the two stores that need no server: a
// local folder (file://) and the in-process memory store (mem://).
#include "cloudsync/backends/local.hpp"
#include "cloudsync/backends/memory.hpp"
#include "conformance/workspace_conformance.hpp"
#include "core/hash.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {

TEST_CASE("local workspace conformance", "[conformance][workspace][local]") {
  TempDir remotes;
  int n = 0;
  WorkspaceTarget target;
  target.name = "local";
  // A disk holds neither ".." nor empty segments, but control characters.
  target.quirks.holds_control_chars = true;
  target.make_remote = [&] {
    const std::filesystem::path root = remotes / ("remote" + std::to_string(n++));
    std::filesystem::create_directories(root);
    WorkspaceRemote remote;
    remote.url = "file://" + root.string();
    auto direct = make_local_backend(root);
    REQUIRE_OK(direct);
    remote.direct = *direct;
    remote.plant_raw = [root](const std::vector<std::string>& names) {
      for (const std::string& name : names) write_file(root / name, "planted");
    };
    return remote;
  };
  run_workspace_conformance(target);
}

TEST_CASE("memory workspace conformance", "[conformance][workspace][memory]") {
  WorkspaceTarget target;
  target.name = "memory";
  target.quirks = {
      .holds_dot_segments = true, .holds_empty_segments = true, .holds_control_chars = true, .holds_nul_bytes = true};
  target.make_remote = [] {
    const std::string store = "workspace-conformance-" + random_hex(6);
    std::shared_ptr<MemoryBackend> memory = shared_memory_backend(store);
    WorkspaceRemote remote;
    remote.url = "mem://" + store;
    remote.direct = memory;
    remote.plant_raw = [memory](const std::vector<std::string>& names) {
      for (const std::string& name : names) memory->insert_raw(name, "planted");
    };
    return remote;
  };
  run_workspace_conformance(target);
}

}  // namespace cloudsync::test
