// The catalog's memory of endpoint facts (cloudsync/endpoint_facts.hpp): the
// rows of table endpoint_facts, through the catalog's store. Handed to the
// backends the catalog opens, which may outlive the catalog (a caller keeps
// one): after detach() it remembers nothing and answers "unknown".
#pragma once

#include <memory>
#include <mutex>

#include "catalog/catalog_store.hpp"
#include "cloudsync/endpoint_facts.hpp"

namespace cloudsync {

class CatalogEndpointFacts final : public EndpointFacts {
 public:
  explicit CatalogEndpointFacts(CatalogStore* store) : store_(store) {}

  Result<std::optional<std::string>> get(std::string_view endpoint, std::string_view fact) override;
  Status put(std::string_view endpoint, std::string_view fact, std::string_view value) override;

  /// The store is going away.
  void detach();

 private:
  std::mutex mutex_;
  CatalogStore* store_;  ///< null once detached
};

}  // namespace cloudsync
