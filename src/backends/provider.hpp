// One URL scheme this build opens: its option table (described) and how a
// parsed URL plus string options open it. Each provider's factory defines its
// entry; registry.cpp lists them explicitly (no static self-registration,
// which static linking would drop).
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "cloudsync/backend.hpp"
#include "cloudsync/backend_options.hpp"
#include "cloudsync/endpoint_facts.hpp"
#include "core/url.hpp"

namespace cloudsync::backends {

struct ProviderEntry {
  std::string_view scheme;
  std::string_view url_form;
  std::string_view title;
  std::vector<BackendOption> (*describe)();
  Result<std::shared_ptr<StorageBackend>> (*open)(const StorageUrl& url, const BackendOptions& options,
                                                  const BackendOpenContext& context);
};

const ProviderEntry& local_provider();   // local/local_factory.cpp
const ProviderEntry& memory_provider();  // memory/memory_factory.cpp
const ProviderEntry& s3_provider();      // s3/s3_factory.cpp
const ProviderEntry& azure_provider();   // azure/azure_factory.cpp
const ProviderEntry& gdrive_provider();  // gdrive/gdrive_factory.cpp

}  // namespace cloudsync::backends
