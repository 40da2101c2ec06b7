// Uses the documented C++ API: copy a tree between two local folders.
#include <cstdio>

#include "cloudsync/backend.hpp"
#include "cloudsync/sync.hpp"
#include "cloudsync/version.hpp"

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  auto src = cloudsync::open_backend(argv[1]);
  auto dst = cloudsync::open_backend(argv[2]);
  if (!src.ok() || !dst.ok()) return 1;
  auto plan = cloudsync::plan_sync(**src, **dst, {});
  if (!plan.ok()) return 1;
  auto report = cloudsync::apply_plan(*plan, **src, **dst, {});
  if (!report.ok()) return 1;
  std::printf("cloudsync %s: %zu copied\n", CLOUDSYNC_VERSION_STRING, report->count(cloudsync::OutcomeKind::Done));
  return report->count(cloudsync::OutcomeKind::Done) == 1 ? 0 : 1;
}
