// The one conformance suite every StorageBackend runs. What it checks depends
// only on the backend's Capabilities, never on which provider it is.
//
// Usage, in a backend's test file:
//   TEST_CASE("s3 backend conformance", "[s3]") {
//     run_backend_conformance({"s3", [] { return fresh_empty_backend(); }});
//   }
// The suite uses Catch2 SECTIONs, so the factory is called once per section
// and must return an empty backend each time (a new directory, a new prefix).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "cloudsync/backend.hpp"

namespace cloudsync::test {

struct ConformanceTarget {
  std::string name;
  std::function<std::shared_ptr<StorageBackend>()> make_empty;
  /// Size of the "large" object streamed through put/get (several I/O chunks).
  size_t large_object_size = 3 * 1024 * 1024 + 17;
  /// Size of each multipart part (must satisfy the backend's minimum).
  size_t part_size = 0;  // 0: use max(min_part_size, 64 KiB) rounded to part_size_multiple
};

void run_backend_conformance(const ConformanceTarget& target);

}  // namespace cloudsync::test
