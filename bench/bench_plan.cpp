// Plans a sync between two URLs the way `cloudsync sync --dry-run` does, or
// only lists both ends, so that bench/scale_bench.py can put the plan's time
// and peak RSS next to the listing's alone (issue 16: a million objects in at
// most 1.1 times the listing's time, under 100 MiB).
//
//   cloudsync_bench_plan list|plan|collect SRC_URL DST_URL [KEY=VALUE ...]
//
//   list     lists both ends page by page into a counter (the baseline)
//   plan     plans, each action handed over as it is decided (SyncOptions::on_action)
//   collect  plans into a Plan value (what `cloudsync sync` holds)
// KEY=VALUE pairs are backend options for the end that is not a local folder
// (endpoint=..., region=...).
// Credentials come from the environment, as for the CLI. Prints one JSON line.
// BENCH_PLAN_PHASES=1 also prints the library's debug lines on the listing's
// and the planner's phases to stderr (where a plan's time goes).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "cloudsync/backend.hpp"
#include "cloudsync/log.hpp"
#include "cloudsync/sync.hpp"

namespace {

int fail(const cloudsync::Status& s) {
  std::fprintf(stderr, "%s\n", s.to_string().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s list|plan|collect SRC_URL DST_URL [KEY=VALUE ...]\n", argv[0]);
    return 2;
  }
  const std::string mode = argv[1];
  cloudsync::BackendOptions options;
  for (int i = 4; i < argc; ++i) {
    const char* eq = std::strchr(argv[i], '=');
    if (eq == nullptr) return 2;
    options[std::string(argv[i], static_cast<size_t>(eq - argv[i]))] = eq + 1;
  }
  if (std::getenv("BENCH_PLAN_PHASES") != nullptr) {
    cloudsync::set_log_handler(cloudsync::LogLevel::Debug, [](cloudsync::LogLevel, std::string_view message) {
      if (message.starts_with("listed ") || message.starts_with("planned ")) {
        std::fprintf(stderr, "%.*s\n", static_cast<int>(message.size()), message.data());
      }
    });
  }
  const auto started = std::chrono::steady_clock::now();
  auto options_for = [&](std::string_view url) {
    bool local = url.find("://") == std::string_view::npos || url.starts_with("file://");
    return local ? cloudsync::BackendOptions{} : options;
  };
  auto source = cloudsync::open_backend(argv[2], options_for(argv[2]));
  if (!source.ok()) return fail(source.status());
  auto destination = cloudsync::open_backend(argv[3], options_for(argv[3]));
  if (!destination.ok()) return fail(destination.status());
  uint64_t objects = 0, actions = 0, unchanged = 0;
  if (mode == "list") {
    cloudsync::OpContext ctx;
    for (auto* end : {source->get(), destination->get()}) {
      cloudsync::Status s = end->list(
          {},
          [&](const cloudsync::ObjectMeta&) {
            ++objects;
            return cloudsync::Status::OK();
          },
          ctx);
      if (!s.ok() && !(end == destination->get() && s.code() == cloudsync::ErrorCode::NotFound)) return fail(s);
    }
  } else if (mode == "plan" || mode == "collect") {
    cloudsync::SyncOptions sync;
    sync.delete_extraneous = true;
    if (mode == "plan") sync.on_action = [&](cloudsync::PlanAction&&) { ++actions; };
    auto plan = cloudsync::plan_sync(**source, **destination, sync);
    if (!plan.ok()) return fail(plan.status());
    if (mode == "collect") actions = plan->actions.size();
    unchanged = plan->unchanged_count;
  } else {
    return 2;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("{\"mode\":\"%s\",\"listed\":%llu,\"actions\":%llu,\"unchanged\":%llu,\"seconds\":%.3f}\n", mode.c_str(),
              static_cast<unsigned long long>(objects), static_cast<unsigned long long>(actions),
              static_cast<unsigned long long>(unchanged), seconds);
  return 0;
}
