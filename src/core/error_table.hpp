// The single mapping from ErrorCode to its external forms (see status.cpp).
#pragma once

#include <span>
#include <string_view>

#include "cloudsync/status.hpp"

namespace cloudsync {

struct ErrorCodeInfo {
  ErrorCode code;
  std::string_view name;  ///< stable snake_case name used in JSON and messages
  int c_code;             ///< value returned by the C ABI (0 ok, negative errors)
  int exit_status;        ///< exit status of the cloudsync CLI
  bool transient;         ///< a retry can cure it
};

const ErrorCodeInfo& error_code_info(ErrorCode code);
std::span<const ErrorCodeInfo> all_error_codes();

}  // namespace cloudsync
