#include "watch/fs_watcher_checks.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "support/test_util.hpp"

namespace cloudsync::test {

std::vector<FsChange> collect_until(FsWatcher& watcher, const std::function<bool(const std::vector<FsChange>&)>& done,
                                    std::chrono::milliseconds timeout) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + timeout;
  std::vector<FsChange> changes;
  while (!done(changes)) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) break;
    REQUIRE_OK(watcher.wait(left, changes));
  }
  return changes;
}

bool has_change(const std::vector<FsChange>& changes, FsChange::Kind kind, const std::string& path) {
  return std::any_of(changes.begin(), changes.end(),
                     [&](const FsChange& c) { return c.kind == kind && c.path == path; });
}

bool mentions(const std::vector<FsChange>& changes, const std::string& path) {
  return std::any_of(changes.begin(), changes.end(), [&](const FsChange& c) { return c.path == path; });
}

std::vector<FsChange> collect_until_change(FsWatcher& watcher, FsChange::Kind kind, const std::string& path,
                                           std::chrono::milliseconds timeout) {
  return collect_until(
      watcher, [&](const std::vector<FsChange>& changes) { return has_change(changes, kind, path); }, timeout);
}

std::string describe(const std::vector<FsChange>& changes) {
  static constexpr const char* kNames[] = {"closed", "modified", "found", "removed"};
  std::string out;
  for (const FsChange& c : changes) {
    out += fmt::format("{} {} (root {}, size {})\n", kNames[static_cast<int>(c.kind)], c.path, c.root, c.info.size);
  }
  return out;
}

std::unique_ptr<FsWatcher> open_watcher(const std::filesystem::path& root, bool force_polling,
                                        std::chrono::milliseconds poll_interval,
                                        std::function<bool(std::string_view, bool)> ignored) {
  FsWatcherOptions options;
  options.roots = {root};
  options.force_polling = force_polling;
  options.poll_interval = poll_interval;
  options.ignored = std::move(ignored);
  Result<std::unique_ptr<FsWatcher>> watcher = FsWatcher::open(std::move(options));
  REQUIRE_OK(watcher);
  return std::move(watcher).value();
}

}  // namespace cloudsync::test
