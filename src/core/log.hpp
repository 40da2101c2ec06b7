// Internal logging: formats only when the level is enabled, scrubs secrets,
// forwards to the host's handler.
#pragma once

#include <string_view>

#include <fmt/format.h>

#include "cloudsync/log.hpp"

namespace cloudsync {

bool log_enabled(LogLevel level) noexcept;
void log_message(LogLevel level, std::string_view message);

template <class... Args>
void log(LogLevel level, fmt::format_string<Args...> format, Args&&... args) {
  if (log_enabled(level)) log_message(level, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace cloudsync
