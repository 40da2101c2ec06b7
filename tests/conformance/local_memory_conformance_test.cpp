// The conformance suite on the two backends that need no server.
#include "cloudsync/backends/local.hpp"
#include "cloudsync/backends/memory.hpp"
#include "conformance/backend_conformance.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {

TEST_CASE("local backend conformance", "[conformance][local]") {
  TempDir dir;
  int n = 0;
  run_backend_conformance({"local", [&] {
                             auto b = make_local_backend(dir / ("bucket" + std::to_string(n++)));
                             REQUIRE_OK(b);
                             return *b;
                           }});
}

TEST_CASE("memory backend conformance", "[conformance][memory]") {
  run_backend_conformance({"memory", [] { return std::make_shared<MemoryBackend>(); }});
}

TEST_CASE("memory backend conformance with a reduced capability set", "[conformance][memory]") {
  Capabilities caps = MemoryBackend::default_capabilities();
  caps.conditional_create = false;
  caps.conditional_update = false;
  caps.mtime_precision = std::chrono::nanoseconds(0);
  caps.hashes = 0;
  caps.multipart.supported = false;
  caps.ranged_get = false;
  run_backend_conformance({"memory-reduced", [caps] { return std::make_shared<MemoryBackend>("reduced", caps); }});
}

TEST_CASE("prefixed backend conformance", "[conformance][memory]") {
  run_backend_conformance({"memory-prefixed", [] {
                             auto inner = std::make_shared<MemoryBackend>();
                             inner->insert_raw("outside/not-visible.txt", "x");
                             inner->insert_raw("scope", "a file named like the prefix");
                             return make_prefixed_backend(inner, *Path::parse("scope/deeper"));
                           }});
}

}  // namespace cloudsync::test
