// A tree transfer's dry run printed while it is planned, so that showing what
// a sync of a million objects would do needs the two listings in memory, not
// the plan and its report as well.
#pragma once

#include <string_view>

#include "cli_common.hpp"
#include "cloudsync/backend.hpp"
#include "cloudsync/sync.hpp"

namespace cloudsync::cli {

class Console;

/// Plans `source` -> `destination` and prints what applying the plan would do,
/// as print_report does, batch by batch: each batch of actions goes through
/// apply_plan (dry run, so its outcomes are the library's own) and is printed
/// and dropped. Deletions are held to the end and listed last: whether they
/// would run (max_delete, a source that could not be read) depends on the
/// whole plan. The plan's warnings come before the summary. Returns the exit
/// status.
int run_streamed_dry_run(std::string_view verb, StorageBackend& source, StorageBackend& destination,
                         SyncOptions sync_options, const ApplyOptions& apply, const OutputFlags& out, Console& console,
                         const CancelToken* cancel);

}  // namespace cloudsync::cli
