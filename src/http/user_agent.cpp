#include "cloudsync/user_agent.hpp"

#include <atomic>
#include <memory>

#include "cloudsync/version.hpp"

namespace cloudsync {
namespace {

constexpr size_t kMaxProductBytes = 256;

std::shared_ptr<const std::string> make_user_agent(std::string_view product) {
  std::string value = "cloudsync/" CLOUDSYNC_VERSION_STRING;
  if (!product.empty()) {
    value += ' ';
    value += product;
  }
  return std::make_shared<const std::string>(std::move(value));
}

// Read on every request from many threads, written rarely: an atomic pointer
// to an immutable string instead of a lock on the request path.
std::atomic<std::shared_ptr<const std::string>>& current() {
  static std::atomic<std::shared_ptr<const std::string>> value{make_user_agent({})};
  return value;
}

}  // namespace

Status set_user_agent_product(std::string_view product) {
  if (product.size() > kMaxProductBytes) {
    return Status(ErrorCode::InvalidArgument, "the User-Agent product is longer than 256 bytes");
  }
  for (char c : product) {
    if (c < 0x20 || c > 0x7e) {
      return Status(ErrorCode::InvalidArgument,
                    "the User-Agent product may only hold printable ASCII characters (no line breaks)");
    }
  }
  current().store(make_user_agent(product));
  return Status::OK();
}

std::string user_agent() { return *current().load(); }

}  // namespace cloudsync
