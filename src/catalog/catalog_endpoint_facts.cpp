#include "catalog/catalog_endpoint_facts.hpp"

#include "core/time.hpp"

namespace cloudsync {

Result<std::optional<std::string>> CatalogEndpointFacts::get(std::string_view endpoint, std::string_view fact) {
  std::lock_guard lock(mutex_);
  if (store_ == nullptr) return std::optional<std::string>();
  return store_->endpoint_fact(std::string(endpoint), std::string(fact));
}

Status CatalogEndpointFacts::put(std::string_view endpoint, std::string_view fact, std::string_view value) {
  std::lock_guard lock(mutex_);
  if (store_ == nullptr) return Status::OK();
  return store_->put_endpoint_fact(std::string(endpoint), std::string(fact), std::string(value), now_utc());
}

void CatalogEndpointFacts::detach() {
  std::lock_guard lock(mutex_);
  store_ = nullptr;
}

}  // namespace cloudsync
