// What a run came to, in numbers: the summary line and the exit status are
// made from it. One report gives one, and so does a run_sync's summary.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "cloudsync/status.hpp"
#include "cloudsync/sync.hpp"

namespace cloudsync::cli {

struct RunTally {
  bool dry_run = false;
  /// Outcomes by (what was planned, what came of it).
  std::map<std::pair<ActionKind, OutcomeKind>, size_t> counts;
  /// Failed because an interrupt stopped the run before they started.
  size_t interrupted = 0;
  /// Bytes the transfers planned would move (what a dry run reports).
  uint64_t bytes_planned = 0;
  uint64_t bytes_transferred = 0;
  uint64_t unchanged = 0;
  double seconds = 0;
  std::string deletes_skipped_reason;
  /// The first failure, in plan order (OK when nothing failed).
  Status first_error;

  /// Adds one report and the plan (or batch of a plan) it ran.
  void add(const Plan& plan, const SyncReport& report);
  /// Adds a run_sync's numbers (its interrupted outcomes are counted by the caller, as they come).
  void add(const SyncSummary& summary);
  size_t count(OutcomeKind outcome) const;
  size_t count(ActionKind action, OutcomeKind outcome) const;
};

RunTally tally_of(const Plan& plan, const SyncReport& report);

/// Failed because an interrupt (Ctrl-C) stopped the run before it started:
/// counted, not listed.
bool not_started(const ActionOutcome& outcome);

}  // namespace cloudsync::cli
