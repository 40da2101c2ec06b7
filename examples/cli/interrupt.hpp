// Ctrl-C (SIGINT) and SIGTERM cancel the running operation cleanly: transfers
// stop between chunks, nothing is deleted, and the command exits with the
// Cancelled status. A second signal ends the process at once.
#pragma once

#include "cloudsync/cancel.hpp"

namespace cloudsync::cli {

/// Installs the handlers (once) and returns the token they cancel.
const CancelToken* interrupt_token();

}  // namespace cloudsync::cli
