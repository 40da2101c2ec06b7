// Logging hook for hosts. The library never writes to stdout/stderr itself;
// it hands every message (already scrubbed of secrets) to the host's handler.
//
// C++ API: source-stable within a major version, not binary-stable. Use it
// through the static library (cloudsync::cloudsync_static) or add_subdirectory();
// the shared library libcloudsync.so exports the C ABI (cloudsync.h) only.
#pragma once

#include <functional>
#include <string_view>

#include "cloudsync/export.hpp"

namespace cloudsync {

enum class LogLevel { Error = 1, Warn = 2, Info = 3, Debug = 4, Trace = 5 };

/// Receives messages at or below the configured level. May be called from any
/// thread, concurrently; it must not call back into cloudsync.
using LogHandler = std::function<void(LogLevel level, std::string_view message)>;

/// Installs `handler` for messages up to `max_level` (a null handler turns
/// logging off). Thread-safe; affects the whole process.
CLOUDSYNC_API void set_log_handler(LogLevel max_level, LogHandler handler);

}  // namespace cloudsync
