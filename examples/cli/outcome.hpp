// From what an operation returned to the process exit status, using the
// library's single table (error_code_exit_status): 0 success, the error kind's
// status for a failed operation, the first failed action's status for a run
// that completed with failures, and the Conflict status for conflicts left.
// Also where a failure is printed: on stderr always, and as the JSON document
// on stdout with --json, so that stdout always holds one document.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli_common.hpp"
#include "cloudsync/status.hpp"
#include "cloudsync/sync.hpp"
#include "run_tally.hpp"

namespace cloudsync::cli {

/// Exit status for usage errors (bad flags, two forms of a verb mixed).
constexpr int kUsageExitStatus = 2;
/// A run cancelled by a signal exits with this plus the signal's number (130 for SIGINT).
constexpr int kSignalExitBase = 128;

int exit_status_of(const Status& status);

/// What a finished run means for the exit status, and the line to print on
/// stderr about it (empty when all went well).
struct RunVerdict {
  int exit_status = 0;
  std::string message;
};
RunVerdict verdict_of(const SyncReport& report);
RunVerdict verdict_of(const RunTally& tally);
/// The first non-zero verdict of several runs (restore of every integration).
RunVerdict verdict_of(const std::vector<const SyncReport*>& reports);

class Console;

/// Prints a failed operation ("cloudsync: ..." on stderr and, with --json,
/// {"error": {...}, <extra members>} on stdout) and returns its exit status.
int fail(Console& console, const OutputFlags& flags, const Status& status,
         std::initializer_list<std::pair<std::string_view, std::string>> extra_json = {});

/// Prints a line about a finished run that did not fully succeed on stderr and
/// returns its exit status (0 and nothing printed when all went well).
int conclude(Console& console, const RunVerdict& verdict);

/// Writes a JSON document and a newline to stdout.
void print_json(const std::string& document);

}  // namespace cloudsync::cli
