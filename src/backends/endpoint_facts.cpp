// The in-process memories of endpoint facts (cloudsync/endpoint_facts.hpp).
#include "cloudsync/endpoint_facts.hpp"

#include <map>
#include <mutex>
#include <utility>

namespace cloudsync {

namespace {

class MemoryEndpointFacts final : public EndpointFacts {
 public:
  Result<std::optional<std::string>> get(std::string_view endpoint, std::string_view fact) override {
    std::lock_guard lock(mutex_);
    auto it = facts_.find({std::string(endpoint), std::string(fact)});
    if (it == facts_.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }

  Status put(std::string_view endpoint, std::string_view fact, std::string_view value) override {
    std::lock_guard lock(mutex_);
    facts_[{std::string(endpoint), std::string(fact)}] = std::string(value);
    return Status::OK();
  }

 private:
  std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, std::string> facts_;
};

}  // namespace

std::shared_ptr<EndpointFacts> make_memory_endpoint_facts() { return std::make_shared<MemoryEndpointFacts>(); }

std::shared_ptr<EndpointFacts> process_endpoint_facts() {
  static const std::shared_ptr<EndpointFacts> process = make_memory_endpoint_facts();
  return process;
}

}  // namespace cloudsync
