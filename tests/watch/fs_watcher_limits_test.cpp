// The watcher at the kernel's inotify limits: a queue overflow and the watch
// limit. These change /proc/sys/fs/inotify settings, which are host-wide, for
// as short a time as possible (only while the watcher starts) and always put
// them back; they need root and run alone ([kernel-limits], RUN_SERIAL).
#include <unistd.h>

#include <chrono>
#include <set>

#include <fmt/format.h>

#include "support/test_util.hpp"
#include "watch/fs_watcher_checks.hpp"

namespace cloudsync {
namespace {

namespace fs = std::filesystem;
using test::collect_until;
using test::describe;
using test::TempDir;
using test::write_file;
using namespace std::chrono_literals;

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// Sets a /proc/sys value and restores the old one when it goes out of scope,
// also when the test fails.
class ProcSysSetting {
 public:
  ProcSysSetting(fs::path file, const std::string& value) : file_(std::move(file)) {
    if (::geteuid() != 0) {
      FAIL("this test changes " << file_.string() << " and must run as root (CI does)");
    }
    old_ = trimmed(test::read_file(file_));
    REQUIRE(!old_.empty());
    write(value);
  }
  ~ProcSysSetting() { write(old_); }
  ProcSysSetting(const ProcSysSetting&) = delete;
  ProcSysSetting& operator=(const ProcSysSetting&) = delete;

 private:
  void write(const std::string& value) const {
    FILE* f = std::fopen(file_.c_str(), "w");
    if (f == nullptr) return;
    std::fputs(value.c_str(), f);
    std::fclose(f);
  }
  fs::path file_;
  std::string old_;
};

const fs::path kInotify = "/proc/sys/fs/inotify";

TEST_CASE("inotify: after a queue overflow every file is found by a full scan", "[watch][kernel-limits]") {
  TempDir dir;
  fs::create_directories(dir / "sub");
  fs::create_directories(dir / "doomed/inner");
  std::unique_ptr<FsWatcher> watcher;
  {
    // Applies to inotify instances created while it is set.
    ProcSysSetting small_queue(kInotify / "max_queued_events", "16");
    watcher = test::open_watcher(dir.path());
  }
  REQUIRE(watcher->mode() == WatchMode::Inotify);
  constexpr int kFiles = 2000;
  std::set<std::string> expected;
  for (int i = 0; i < kFiles; ++i) {
    const std::string path = fmt::format("{}file{:04}.txt", i % 2 ? "sub/" : "", i);
    write_file(dir / path, "x");
    expected.insert(path);
    if (i == kFiles / 2) fs::remove_all(dir / "doomed");  // its removal is likely among the lost events
  }
  std::set<std::string> seen;
  size_t found = 0;
  collect_until(
      *watcher,
      [&](const std::vector<FsChange>& changes) {
        seen.clear();
        found = 0;
        for (const FsChange& c : changes) {
          if (c.path.starts_with("doomed")) continue;
          seen.insert(c.path);
          if (c.kind == FsChange::Kind::Found) ++found;
        }
        return seen.size() >= expected.size();
      },
      10s);
  CHECK(found > 0);  // the queue did overflow, and the scan that followed found files
  std::vector<std::string> missing;
  for (const std::string& path : expected) {
    if (!seen.contains(path)) missing.push_back(path);
  }
  INFO(missing.size() << " missing, first: " << (missing.empty() ? "" : missing.front()));
  CHECK(missing.empty());
  CHECK(watcher->watched_folders() == 2);
}

TEST_CASE("inotify: at the watch limit the watcher polls and says why", "[watch][kernel-limits]") {
  TempDir dir;
  for (const char* folder : {"a", "a/b", "c", "d"}) {
    fs::create_directories(dir / folder);
    write_file(dir / folder / "f.txt", "x");
  }
  constexpr auto kInterval = 100ms;
  std::unique_ptr<FsWatcher> watcher;
  {
    ProcSysSetting one_watch(kInotify / "max_user_watches", "1");
    watcher = test::open_watcher(dir.path(), /*force_polling=*/false, kInterval);
    INFO(watcher->mode_reason());
    CHECK(watcher->mode_reason().find("max_user_watches = 1)") != std::string::npos);
  }
  CHECK(watcher->mode() == WatchMode::Polling);
  INFO(watcher->mode_reason());
  CHECK(watcher->mode_reason().find("fs.inotify.max_user_watches") != std::string::npos);
  CHECK(watcher->mode_reason().find("scanning every 100 ms") != std::string::npos);
  // Every file is still found (the polling walk's first look).
  auto initial = collect_until(
      *watcher, [](const std::vector<FsChange>& c) { return c.size() >= 4; }, 2s);
  INFO(describe(initial));
  CHECK(initial.size() == 4);
  CHECK(watcher->watched_folders() == 5);

  write_file(dir / "a/b/later.txt", "new");
  const auto written = std::chrono::steady_clock::now();
  auto changes = test::collect_until_change(*watcher, FsChange::Kind::Found, "a/b/later.txt", 2s);
  const auto delay = std::chrono::steady_clock::now() - written;
  INFO(describe(changes));
  REQUIRE(test::has_change(changes, FsChange::Kind::Found, "a/b/later.txt"));
  // Two poll intervals, and a little for a machine busy with other builds.
  CHECK(delay < 2 * kInterval + 100ms);
}

}  // namespace
}  // namespace cloudsync
