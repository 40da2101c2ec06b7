#include "support/plan_checks.hpp"

#include <map>

#include "support/test_util.hpp"

namespace cloudsync::test {

void check_applied_exactly(const Plan& plan, const SyncReport& report, const std::filesystem::path& local,
                           const std::function<std::string(const std::string&)>& remote_content) {
  std::map<std::string, ActionKind> planned, done;
  for (const PlanAction& a : plan.actions) {
    if (a.kind == ActionKind::Add || a.kind == ActionKind::Update || a.kind == ActionKind::Delete) {
      planned[a.path] = a.kind;
    }
  }
  for (const ActionOutcome& o : report.outcomes) {
    if (o.outcome == OutcomeKind::Done) done[o.path] = o.action;
  }
  CHECK(planned == done);
  for (const auto& [path, kind] : planned) {
    CAPTURE(path);
    if (kind == ActionKind::Delete) {
      CHECK_FALSE(std::filesystem::exists(local / path));
    } else {
      CHECK(read_file(local / path) == remote_content(path));
    }
  }
}

}  // namespace cloudsync::test
