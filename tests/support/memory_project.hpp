// A project whose one integration lives in the in-process memory store,
// behind a FaultBackend that counts calls and injects failures: the fixture
// of the engine's and the kernel session's tests on the memory store.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cloudsync/backends/memory.hpp"
#include "cloudsync/workspace.hpp"
#include "support/fault_backend.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {

struct MemoryProjectOptions {
  bool writeback = true;
  WorkspaceLimits limits;
  std::string name = "Hex's Testing Bucket";
  std::string url = "s3://bucket/prefix";
};

struct MemoryProject {
  explicit MemoryProject(const MemoryProjectOptions& options = {});
  MemoryProject(const MemoryProject&) = delete;
  MemoryProject& operator=(const MemoryProject&) = delete;

  void put_remote(const std::string& key, const std::string& data) { memory->insert_raw(key, data); }
  OperationResult import(std::vector<std::string> selectors, bool dry_run = false);
  /// Restores the one integration (REQUIREs it to succeed).
  OperationResult restore();

  TempDir dir;
  std::shared_ptr<MemoryBackend> memory = std::make_shared<MemoryBackend>("bucket");
  std::shared_ptr<FaultBackend> remote = std::make_shared<FaultBackend>(memory);
  std::unique_ptr<Workspace> ws;
  std::string name;
  std::filesystem::path folder;  ///< the integration's folder in the project
};

}  // namespace cloudsync::test
