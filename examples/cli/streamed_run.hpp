// A tree transfer run as it is planned (run_sync): each transfer starts as
// soon as it is decided and each outcome is printed as it is known, so that
// a sync of a million objects needs the two listings in memory, not the plan
// and its report as well. Dry runs go the same way.
#pragma once

#include <string_view>

#include "cli_common.hpp"
#include "cloudsync/backend.hpp"
#include "cloudsync/sync.hpp"

namespace cloudsync::cli {

class Console;

/// Syncs `source` -> `destination` with run_sync and prints the report as
/// print_report does, one line an outcome as it comes: transfers in the order
/// they end, deletions last (they run last). The plan's warnings come before
/// the summary. Returns the exit status.
int run_streamed(std::string_view verb, StorageBackend& source, StorageBackend& destination,
                 const SyncOptions& sync_options, const ApplyOptions& apply, const OutputFlags& out, Console& console,
                 const CancelToken* cancel);

}  // namespace cloudsync::cli
