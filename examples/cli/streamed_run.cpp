#include "streamed_run.hpp"

#include <cstdio>

#include <fmt/format.h>

#include "console.hpp"
#include "human_format.hpp"
#include "outcome.hpp"
#include "run_tally.hpp"

namespace cloudsync::cli {

int run_streamed(std::string_view verb, StorageBackend& source, StorageBackend& destination,
                 const SyncOptions& sync_options, const ApplyOptions& apply, const OutputFlags& out, Console& console,
                 const CancelToken* cancel) {
  const std::string title = fmt::format("{} {} -> {}", verb, source.describe(), destination.describe());
  const ReportStyle style{title, out.quiet};
  RunTally tally;
  bool started = false;
  auto start = [&] {
    if (started) return;
    print_report_start(stdout, apply.dry_run, style);
    started = true;
  };
  auto print = [&](const PlanAction& action, const ActionOutcome& outcome) {
    if (not_started(outcome)) ++tally.interrupted;
    console.print_between_progress([&] {
      start();
      print_outcome_line(stdout, &action, outcome, style);
    });
  };
  auto summary = run_sync(source, destination, sync_options, apply, print, console.progress(), cancel);
  console.end_progress();
  if (!summary.ok()) return fail(console, out, summary.status());
  start();
  print_warnings(stdout, summary->warnings, style);
  tally.add(*summary);
  print_report_end(stdout, tally, style);
  return conclude(console, verdict_of(tally));
}

}  // namespace cloudsync::cli
