#include "core/log.hpp"

#include <atomic>
#include <memory>
#include <mutex>

#include "core/redact.hpp"

namespace cloudsync {
namespace {

std::atomic<int> g_max_level{0};
std::mutex g_handler_mutex;
std::shared_ptr<const LogHandler> g_handler;

}  // namespace

void set_log_handler(LogLevel max_level, LogHandler handler) {
  std::lock_guard lock(g_handler_mutex);
  g_handler = handler ? std::make_shared<const LogHandler>(std::move(handler)) : nullptr;
  g_max_level.store(g_handler ? static_cast<int>(max_level) : 0, std::memory_order_release);
}

bool log_enabled(LogLevel level) noexcept {
  return static_cast<int>(level) <= g_max_level.load(std::memory_order_acquire);
}

void log_message(LogLevel level, std::string_view message) {
  std::shared_ptr<const LogHandler> handler;
  {
    std::lock_guard lock(g_handler_mutex);
    handler = g_handler;
  }
  if (!handler) return;
  std::string clean = redact(message);
  try {
    (*handler)(level, clean);
  } catch (...) {
    // A host handler must not break the operation that logged.
  }
}

}  // namespace cloudsync
