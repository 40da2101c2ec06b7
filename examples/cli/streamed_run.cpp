#include "streamed_dry_run.hpp"

#include <cstdio>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "console.hpp"
#include "human_format.hpp"
#include "outcome.hpp"
#include "run_tally.hpp"

namespace cloudsync::cli {

namespace {

/// Actions checked and printed at a time: enough to make the per-batch cost
/// nothing, few enough to hold (a PlanAction is about a kilobyte).
constexpr size_t kBatchActions = 1024;

}  // namespace

int run_streamed_dry_run(std::string_view verb, StorageBackend& source, StorageBackend& destination,
                         SyncOptions sync_options, const ApplyOptions& apply, const OutputFlags& out, Console& console,
                         const CancelToken* cancel) {
  const std::string title = fmt::format("{} {} -> {}", verb, source.describe(), destination.describe());
  const ReportStyle style{title, out.quiet};
  ApplyOptions dry = apply;
  dry.dry_run = true;

  Plan batch;
  batch.source = source.describe();
  batch.destination = destination.describe();
  std::vector<PlanAction> deletions;
  RunTally tally;
  tally.dry_run = true;
  Status stopped;
  bool started = false;
  auto check_and_print = [&](const Plan& plan) -> Status {
    auto report = apply_plan(plan, source, destination, dry, {}, cancel);
    if (!report.ok()) return report.status();
    if (!started) {
      print_report_start(stdout, true, style);
      started = true;
    }
    print_outcome_lines(stdout, plan, *report, style);
    tally.add(plan, *report);
    return Status::OK();
  };
  sync_options.on_action = [&](PlanAction&& action) {
    if (!stopped.ok()) return;
    if (action.kind == ActionKind::Delete) {
      deletions.push_back(std::move(action));
      return;
    }
    batch.actions.push_back(std::move(action));
    if (batch.actions.size() < kBatchActions) return;
    stopped = check_and_print(batch);
    batch.actions.clear();
  };
  auto plan = plan_sync(source, destination, sync_options, cancel);
  if (!plan.ok()) return fail(console, out, plan.status());
  if (!stopped.ok()) return fail(console, out, stopped);
  if (!batch.actions.empty()) {
    Status s = check_and_print(batch);
    if (!s.ok()) return fail(console, out, s);
  }
  // The last batch: the deletions, with what the plan knows only once it is
  // whole (what could not be read, how many pairs are in sync).
  plan->actions = std::move(deletions);
  Status last = check_and_print(*plan);
  if (!last.ok()) return fail(console, out, last);
  print_warnings(stdout, plan->warnings, style);
  print_report_end(stdout, tally, style);
  return conclude(console, verdict_of(tally));
}

}  // namespace cloudsync::cli
