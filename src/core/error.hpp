// Internal helpers for building errors with fmt-style messages.
#pragma once

#include <cerrno>
#include <filesystem>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <fmt/std.h>

#include "cloudsync/status.hpp"

namespace cloudsync {

template <class... Args>
Status make_error(ErrorCode code, fmt::format_string<Args...> format, Args&&... args) {
  return Status(code, fmt::format(format, std::forward<Args>(args)...));
}

/// Maps an errno value from a local file operation to an error with the
/// operation and the file in its message.
Status errno_error(int err, std::string_view operation, const std::filesystem::path& file);

/// The ErrorCode an errno value corresponds to.
ErrorCode error_code_from_errno(int err);

}  // namespace cloudsync
