#include "human_format.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <ctime>
#include <vector>

#include <fmt/format.h>

namespace cloudsync::cli {

std::string format_bytes(uint64_t bytes) {
  static constexpr std::array<const char*, 6> kUnits{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024) return fmt::format("{} B", bytes);
  double value = static_cast<double>(bytes) / 1024.0;
  size_t unit = 0;
  while (value >= 1024.0 && unit + 1 < kUnits.size()) {
    value /= 1024.0;
    ++unit;
  }
  if (value < 10) return fmt::format("{:.1f} {}", value, kUnits[unit]);
  return fmt::format("{:.0f} {}", value, kUnits[unit]);
}

std::string format_seconds(double seconds) {
  if (seconds < 60) return fmt::format("{:.1f} s", seconds);
  auto whole = static_cast<uint64_t>(seconds);
  if (whole < 3600) return fmt::format("{} min {:02} s", whole / 60, whole % 60);
  return fmt::format("{} h {:02} min", whole / 3600, whole / 60 % 60);
}

std::string format_time(TimePoint time, bool iso) {
  auto secs = std::chrono::floor<std::chrono::seconds>(time);
  auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(time - secs).count();
  std::time_t t =
      std::chrono::system_clock::to_time_t(std::chrono::time_point_cast<std::chrono::system_clock::duration>(secs));
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::string out = fmt::format("{:04}-{:02}-{:02}{}{:02}:{:02}:{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                                iso ? 'T' : ' ', tm.tm_hour, tm.tm_min, tm.tm_sec);
  if (!iso) return out;
  if (nanos != 0) {
    std::string frac = fmt::format("{:09}", nanos);
    while (frac.back() == '0') frac.pop_back();
    out += "." + frac;
  }
  return out + "Z";
}

std::string access_of(const Integration& integration) { return integration.spec.writeback ? "writeback" : "read-only"; }

void print_table(std::FILE* out, const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& row : rows) {
    if (width.size() < row.size()) width.resize(row.size());
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line += std::string(width[c] - row[c].size() + 2, ' ');
    }
    fmt::print(out, "{}\n", line);
  }
}

namespace {

// The verb a line starts with: what happened to the path, or would have.
std::string verb(const ActionOutcome& o) {
  std::string_view action = action_kind_name(o.action);
  switch (o.outcome) {
    case OutcomeKind::Done:
      switch (o.action) {
        case ActionKind::Add: return "added";
        case ActionKind::Update: return "updated";
        case ActionKind::Delete: return "deleted";
        default: return "done";
      }
    case OutcomeKind::DryRun: return fmt::format("would {}", action);
    case OutcomeKind::Failed: return fmt::format("FAILED {}", action);
    case OutcomeKind::Conflict: return "CONFLICT";
    case OutcomeKind::Skipped: return o.action == ActionKind::Delete ? "not deleted" : "skipped";
  }
  return std::string(action);
}

bool needs_attention(const ActionOutcome& o) {
  return o.outcome == OutcomeKind::Failed || o.outcome == OutcomeKind::Conflict;
}

// "a, b and c" from the non-empty parts.
std::string join_parts(const std::vector<std::string>& parts) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += i + 1 == parts.size() ? " and " : ", ";
    out += parts[i];
  }
  return out;
}

std::string summary_line(const RunTally& r) {
  std::vector<std::string> parts;
  auto add = [&](size_t n, std::string_view what) {
    if (n > 0) parts.push_back(fmt::format("{} {}", n, what));
  };
  if (r.dry_run) {
    add(r.count(ActionKind::Add, OutcomeKind::DryRun), "to add");
    add(r.count(ActionKind::Update, OutcomeKind::DryRun), "to update");
    add(r.count(ActionKind::Delete, OutcomeKind::DryRun), "to delete");
  } else {
    add(r.count(ActionKind::Add, OutcomeKind::Done), "added");
    add(r.count(ActionKind::Update, OutcomeKind::Done), "updated");
    add(r.count(ActionKind::Delete, OutcomeKind::Done), "deleted");
    add(r.count(OutcomeKind::Failed) - r.interrupted, "failed");
    add(r.interrupted, "not started (interrupted)");
  }
  size_t conflicts = r.count(OutcomeKind::Conflict);
  add(conflicts, conflicts == 1 ? "conflict" : "conflicts");
  add(r.count(ActionKind::Skip, OutcomeKind::Skipped), "skipped");
  add(r.count(ActionKind::Delete, OutcomeKind::Skipped), "not deleted");
  add(r.unchanged, "unchanged");
  std::string text = parts.empty() ? std::string("nothing to do") : join_parts(parts);
  if (r.dry_run) {
    if (r.bytes_planned > 0) text += fmt::format("; {} to transfer", format_bytes(r.bytes_planned));
    return fmt::format("Dry run: {}. Nothing was changed.", text);
  }
  if (r.bytes_transferred == 0) return fmt::format("Done: {} in {}.", text, format_seconds(r.seconds));
  return fmt::format("Done: {}; {} transferred in {}.", text, format_bytes(r.bytes_transferred),
                     format_seconds(r.seconds));
}

}  // namespace

void print_report_start(std::FILE* out, bool dry_run, const ReportStyle& style) {
  if (style.quiet) return;
  if (dry_run) fmt::print(out, "DRY RUN (nothing will be changed)\n");
  if (!style.title.empty()) fmt::print(out, "{}\n", printable(style.title));
}

void print_warnings(std::FILE* out, const std::vector<std::string>& warnings, const ReportStyle& style) {
  // Safety signals survive -q (as errors do), on stderr.
  for (const std::string& warning : warnings) {
    if (style.quiet) {
      fmt::print(stderr, "cloudsync: warning: {}\n", printable(warning));
    } else {
      fmt::print(out, "  warning: {}\n", printable(warning));
    }
  }
}

void print_outcome_lines(std::FILE* out, const Plan& plan, const SyncReport& report, const ReportStyle& style) {
  // Outcomes come in plan order, one per action (then what could not be read).
  for (size_t i = 0; i < report.outcomes.size(); ++i) {
    const ActionOutcome& o = report.outcomes[i];
    const PlanAction* a = i < plan.actions.size() && plan.actions[i].path == o.path ? &plan.actions[i] : nullptr;
    print_outcome_line(out, a, o, style);
  }
}

void print_outcome_line(std::FILE* out, const PlanAction* a, const ActionOutcome& o, const ReportStyle& style) {
  if ((style.quiet && !needs_attention(o)) || not_started(o)) return;
  std::string line = fmt::format("  {:<14} {}", verb(o), printable(o.path));
  bool transfer = o.action == ActionKind::Add || o.action == ActionKind::Update;
  if (transfer && a != nullptr && o.outcome != OutcomeKind::Failed) {
    line += fmt::format(" ({})", format_bytes(a->source.size));
  }
  // Why: the planner's reason for what ran (or would have), else what the
  // run said (the error of a failure, why a delete did not run).
  bool as_planned = o.outcome == OutcomeKind::Done || o.outcome == OutcomeKind::DryRun || o.message.empty();
  std::string why = as_planned && a != nullptr ? a->reason : o.message;
  if (!why.empty()) line += ": " + printable(why);
  fmt::print(out, "{}\n", line);
}

void print_report_end(std::FILE* out, const RunTally& tally, const ReportStyle& style) {
  if (style.quiet) {
    if (!tally.deletes_skipped_reason.empty()) {
      fmt::print(stderr, "cloudsync: warning: deletions did not run: {}\n", printable(tally.deletes_skipped_reason));
    }
    return;
  }
  if (!tally.deletes_skipped_reason.empty()) {
    fmt::print(out, "  deletions did not run: {}\n", printable(tally.deletes_skipped_reason));
  }
  fmt::print(out, "{}\n", summary_line(tally));
}

void print_report(std::FILE* out, const Plan& plan, const SyncReport& report, const ReportStyle& style) {
  print_report_start(out, report.dry_run, style);
  if (!style.quiet) print_warnings(out, plan.warnings, style);
  print_outcome_lines(out, plan, report, style);
  if (style.quiet) print_warnings(out, plan.warnings, style);
  print_report_end(out, tally_of(plan, report), style);
}

}  // namespace cloudsync::cli
