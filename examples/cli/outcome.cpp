#include "outcome.hpp"

#include <cstdio>

#include <fmt/format.h>

#include "console.hpp"
#include "json_output.hpp"

namespace cloudsync::cli {

int exit_status_of(const Status& status) { return status.ok() ? 0 : error_code_exit_status(status.code()); }

RunVerdict verdict_of(const RunTally& tally) {
  const Status& first = tally.first_error;
  if (!first.ok()) {
    size_t failed = tally.count(OutcomeKind::Failed);
    if (first.code() == ErrorCode::Cancelled) {
      return {exit_status_of(first),
              fmt::format("interrupted: {} action{} did not complete", failed, failed == 1 ? "" : "s")};
    }
    return {exit_status_of(first),
            fmt::format("{} action{} failed; the first: {}", failed, failed == 1 ? "" : "s", first.to_string())};
  }
  size_t conflicts = tally.count(OutcomeKind::Conflict);
  if (conflicts > 0) {
    return {error_code_exit_status(ErrorCode::Conflict),
            fmt::format("{} conflict{} left unresolved (both sides changed): nothing was overwritten", conflicts,
                        conflicts == 1 ? "" : "s")};
  }
  return {};
}

RunVerdict verdict_of(const SyncReport& report) { return verdict_of(tally_of(Plan{}, report)); }

RunVerdict verdict_of(const std::vector<const SyncReport*>& reports) {
  // A failure anywhere outranks conflicts anywhere, as within one report.
  RunVerdict conflict;
  for (const SyncReport* r : reports) {
    RunVerdict v = verdict_of(*r);
    if (!r->first_error().ok()) return v;
    if (conflict.exit_status == 0) conflict = std::move(v);
  }
  return conflict;
}

int fail(Console& console, const OutputFlags& flags, const Status& status,
         std::initializer_list<std::pair<std::string_view, std::string>> extra_json) {
  console.end_progress();
  console.error(status);
  if (flags.json) {
    std::vector<std::pair<std::string_view, std::string>> members{{"error", error_to_json(status)}};
    members.insert(members.end(), extra_json.begin(), extra_json.end());
    print_json(json_object(members));
  }
  return exit_status_of(status);
}

int conclude(Console& console, const RunVerdict& verdict) {
  if (verdict.exit_status != 0) console.error(verdict.message);
  return verdict.exit_status;
}

void print_json(const std::string& document) {
  std::fwrite(document.data(), 1, document.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

}  // namespace cloudsync::cli
