#include "run_tally.hpp"

namespace cloudsync::cli {

bool not_started(const ActionOutcome& o) { return o.outcome == OutcomeKind::Failed && o.error == ErrorCode::Cancelled; }

void RunTally::add(const Plan& plan, const SyncReport& report) {
  dry_run = report.dry_run;
  for (const ActionOutcome& o : report.outcomes) {
    ++counts[{o.action, o.outcome}];
    if (not_started(o)) ++interrupted;
  }
  bytes_planned += plan.bytes_to_transfer();
  bytes_transferred += report.bytes_transferred;
  unchanged += report.unchanged;
  seconds += report.seconds;
  if (deletes_skipped_reason.empty()) deletes_skipped_reason = report.deletes_skipped_reason;
  if (first_error.ok()) first_error = report.first_error();
}

void RunTally::add(const SyncSummary& summary) {
  dry_run = summary.dry_run;
  for (ActionKind action :
       {ActionKind::Add, ActionKind::Update, ActionKind::Delete, ActionKind::Conflict, ActionKind::Skip}) {
    for (OutcomeKind outcome :
         {OutcomeKind::Done, OutcomeKind::DryRun, OutcomeKind::Failed, OutcomeKind::Conflict, OutcomeKind::Skipped}) {
      if (size_t n = summary.count(action, outcome)) counts[{action, outcome}] += n;
    }
  }
  bytes_planned += summary.bytes_planned;
  bytes_transferred += summary.bytes_transferred;
  unchanged += summary.unchanged;
  seconds += summary.seconds;
  if (deletes_skipped_reason.empty()) deletes_skipped_reason = summary.deletes_skipped_reason;
  if (first_error.ok()) first_error = summary.first_error;
}

size_t RunTally::count(OutcomeKind outcome) const {
  size_t n = 0;
  for (const auto& [key, value] : counts) n += key.second == outcome ? value : 0;
  return n;
}

size_t RunTally::count(ActionKind action, OutcomeKind outcome) const {
  auto it = counts.find({action, outcome});
  return it == counts.end() ? 0 : it->second;
}

RunTally tally_of(const Plan& plan, const SyncReport& report) {
  RunTally tally;
  tally.add(plan, report);
  return tally;
}

}  // namespace cloudsync::cli
