// Text for people: sizes, durations, times, names from remote stores made safe
// for a terminal, and the summary of a plan and what came of it.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "cloudsync/sync.hpp"
#include "cloudsync/types.hpp"
#include "cloudsync/workspace.hpp"
#include "run_tally.hpp"
#include "utf8_text.hpp"

namespace cloudsync::cli {

/// "512 B", "1.5 KiB", "3.2 GiB".
std::string format_bytes(uint64_t bytes);
/// "0.4 s", "2 min 05 s".
std::string format_seconds(double seconds);
/// UTC, "2024-05-01 12:34:56" (human) or RFC 3339 "2024-05-01T12:34:56.5Z" (iso).
std::string format_time(TimePoint time, bool iso);

/// "writeback" or "read-only".
std::string access_of(const Integration& integration);

/// Rows (the first is the header) in columns two spaces apart, the last one
/// unpadded. Cells must already be printable().
void print_table(std::FILE* out, const std::vector<std::vector<std::string>>& rows);

struct ReportStyle {
  std::string_view title;  ///< first line, e.g. "import 'Sales': s3://b -> external-files/s3/sales"
  bool quiet = false;      ///< only actions that need attention (failed, conflict) and, on stderr, warnings
};

/// Prints what a plan did (or, in a dry run, would do), one line per action
/// that is not "unchanged", followed by a one-line summary.
void print_report(std::FILE* out, const Plan& plan, const SyncReport& report, const ReportStyle& style);

// The parts of print_report, for a report printed in batches (a streamed dry run).

/// "DRY RUN ..." and the title (nothing with -q).
void print_report_start(std::FILE* out, bool dry_run, const ReportStyle& style);
/// The plan's warnings: on `out`, or on stderr with -q.
void print_warnings(std::FILE* out, const std::vector<std::string>& warnings, const ReportStyle& style);
/// One line per outcome of `report` (with -q only those that need attention);
/// `plan` (the actions `report` ran, in the same order) gives sizes and reasons.
void print_outcome_lines(std::FILE* out, const Plan& plan, const SyncReport& report, const ReportStyle& style);
/// One outcome's line (none for what -q hides or what an interrupt kept from
/// starting); `action`, when known, adds its size and the planner's reason.
void print_outcome_line(std::FILE* out, const PlanAction* action, const ActionOutcome& outcome,
                        const ReportStyle& style);
/// Why deletions did not run, and the summary line (with -q: only the former, on stderr).
void print_report_end(std::FILE* out, const RunTally& tally, const ReportStyle& style);

}  // namespace cloudsync::cli
