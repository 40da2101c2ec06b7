// Ctrl-C (SIGINT) and SIGTERM cancel the running operation cleanly: transfers
// stop between chunks, no partial file is left, nothing is deleted, and the
// command exits with 128 + the signal's number (130 for Ctrl-C), the shells'
// convention that the aws CLI follows too. A second signal ends the process
// at once.
#pragma once

#include "cloudsync/cancel.hpp"

namespace cloudsync::cli {

/// Installs the handlers (once) and returns the token they cancel.
const CancelToken* interrupt_token();

/// The signal that cancelled the run (SIGINT, SIGTERM), or 0.
int interrupting_signal();

/// For a command that runs until it is told to stop (cloudsync watch): the
/// signal was its normal end, so the exit status is the command's own, not
/// 128 + the signal's number. A second signal still ends the process at once.
void accept_interrupt();

}  // namespace cloudsync::cli
