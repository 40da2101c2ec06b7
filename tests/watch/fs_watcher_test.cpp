// The file-event source: what inotify and polling report for the ways tools
// write files, new folders, removals, ignored names and names that cannot be
// paths.
#include <sys/resource.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "support/test_util.hpp"
#include "watch/fs_watcher_checks.hpp"
#include "engine/ignore_list.hpp"

namespace cloudsync {
namespace {

namespace fs = std::filesystem;
using test::collect_until;
using test::collect_until_change;
using test::describe;
using test::has_change;
using test::mentions;
using test::open_watcher;
using test::TempDir;
using test::write_file;
using Kind = FsChange::Kind;
using namespace std::chrono_literals;

const FsChange* find_change(const std::vector<FsChange>& changes, Kind kind, const std::string& path) {
  for (const FsChange& c : changes) {
    if (c.kind == kind && c.path == path) return &c;
  }
  return nullptr;
}

// Both modes report the files already there as Found, with their stat.
void check_initial_scan(bool force_polling) {
  TempDir dir;
  TempDir outside;
  write_file(dir / "top.csv", "12345");
  fs::create_directories(dir / "a/b");
  write_file(dir / "a/b/deep.txt", "x");
  write_file(outside / "secret.txt", "not ours");
  fs::create_symlink(outside.path(), dir / "link");
  fs::create_symlink(outside / "secret.txt", dir / "file-link");

  auto watcher = open_watcher(dir.path(), force_polling);
  std::vector<FsChange> changes;
  REQUIRE_OK(watcher->wait(1s, changes));
  INFO(describe(changes));
  REQUIRE(changes.size() == 2);
  const FsChange* top = find_change(changes, Kind::Found, "top.csv");
  REQUIRE(top != nullptr);
  struct stat st {};
  REQUIRE(::stat((dir / "top.csv").c_str(), &st) == 0);
  CHECK(top->info.size == 5);
  CHECK(top->info.inode == st.st_ino);
  CHECK(top->info.mtime == test::file_mtime(dir / "top.csv"));
  CHECK(find_change(changes, Kind::Found, "a/b/deep.txt") != nullptr);
  CHECK(watcher->watched_folders() == 3);  // the root, a, a/b; never the symlinked folder
}

TEST_CASE("inotify: the initial scan reports every file, no symlink followed", "[watch][inotify]") {
  check_initial_scan(false);
}

TEST_CASE("polling: the initial scan reports every file, no symlink followed", "[watch][polling]") {
  check_initial_scan(true);
}

TEST_CASE("inotify: an idle watcher waits without waking up", "[watch][inotify]") {
  TempDir dir;
  for (int i = 0; i < 200; ++i) fs::create_directories(dir / fmt::format("d{}/e", i));
  auto watcher = open_watcher(dir.path());
  REQUIRE(watcher->mode() == WatchMode::Inotify);
  CHECK(watcher->mode_reason().empty());
  CHECK(watcher->watched_folders() == 401);
  std::vector<FsChange> changes;
  rusage before{};
  REQUIRE(::getrusage(RUSAGE_THREAD, &before) == 0);
  const auto start = std::chrono::steady_clock::now();
  REQUIRE_OK(watcher->wait(600ms, changes));
  const auto waited = std::chrono::steady_clock::now() - start;
  rusage after{};
  REQUIRE(::getrusage(RUSAGE_THREAD, &after) == 0);
  CHECK(changes.empty());
  CHECK(waited >= 590ms);
  const auto cpu_us = [](const rusage& r) {
    return (r.ru_utime.tv_sec + r.ru_stime.tv_sec) * 1'000'000L + r.ru_utime.tv_usec + r.ru_stime.tv_usec;
  };
  CHECK(cpu_us(after) - cpu_us(before) < 20'000);  // blocked in poll(2), not spinning
}

TEST_CASE("inotify: a write and close is Closed", "[watch][inotify]") {
  TempDir dir;
  auto watcher = open_watcher(dir.path());
  write_file(dir / "report.csv", "a,b\n1,2\n");
  auto changes = collect_until_change(*watcher, Kind::Closed, "report.csv");
  INFO(describe(changes));
  CHECK(has_change(changes, Kind::Closed, "report.csv"));
  CHECK(has_change(changes, Kind::Modified, "report.csv"));  // created and written before the close
}

TEST_CASE("inotify: a temporary renamed into place is Closed under its final name", "[watch][inotify]") {
  TempDir dir;
  fs::create_directories(dir / "sub");
  auto watcher = open_watcher(dir.path());
  write_file(dir / "sub/notes.txt.new", "draft");
  fs::rename(dir / "sub/notes.txt.new", dir / "sub/notes.txt");
  auto changes = collect_until_change(*watcher, Kind::Closed, "sub/notes.txt");
  INFO(describe(changes));
  CHECK(has_change(changes, Kind::Closed, "sub/notes.txt"));
  CHECK(has_change(changes, Kind::Removed, "sub/notes.txt.new"));  // renamed away
}

TEST_CASE("inotify: a truncate and rewrite in place is Modified then Closed", "[watch][inotify]") {
  TempDir dir;
  write_file(dir / "nb.ipynb", "old content");
  auto watcher = open_watcher(dir.path());
  auto initial = collect_until_change(*watcher, Kind::Found, "nb.ipynb");
  REQUIRE(has_change(initial, Kind::Found, "nb.ipynb"));
  {
    std::ofstream out(dir / "nb.ipynb", std::ios::binary | std::ios::trunc);
    out << "new";
  }
  auto changes = collect_until_change(*watcher, Kind::Closed, "nb.ipynb");
  INFO(describe(changes));
  REQUIRE(has_change(changes, Kind::Closed, "nb.ipynb"));
  CHECK(changes.front().kind == Kind::Modified);  // the truncation, before the close
}

TEST_CASE("inotify: cp into the folder is Closed", "[watch][inotify]") {
  TempDir dir;
  TempDir source;
  write_file(source / "big.bin", test::random_bytes(256 * 1024));
  auto watcher = open_watcher(dir.path());
  const std::string command = fmt::format("cp '{}' '{}'", (source / "big.bin").string(), dir.path().string());
  REQUIRE(std::system(command.c_str()) == 0);
  auto changes = collect_until_change(*watcher, Kind::Closed, "big.bin");
  INFO(describe(changes));
  CHECK(has_change(changes, Kind::Closed, "big.bin"));
}

TEST_CASE("inotify: a file moved in from outside the root is Closed", "[watch][inotify]") {
  TempDir dir;
  fs::create_directories(dir / "in");
  TempDir elsewhere;
  write_file(elsewhere / "moved.csv", "1,2,3\n");
  auto watcher = open_watcher(dir.path());
  fs::rename(elsewhere / "moved.csv", dir / "in/moved.csv");  // MOVED_TO without MOVED_FROM
  auto changes = collect_until_change(*watcher, Kind::Closed, "in/moved.csv");
  INFO(describe(changes));
  CHECK(has_change(changes, Kind::Closed, "in/moved.csv"));
}

TEST_CASE("inotify: mkdir -p and an immediate write is never missed", "[watch][inotify]") {
  TempDir dir;
  auto watcher = open_watcher(dir.path());
  constexpr int kTrees = 20;
  for (int i = 0; i < kTrees; ++i) {
    fs::create_directories(dir / fmt::format("t{}/a/b/c", i));
    write_file(dir / fmt::format("t{}/a/b/c/data.csv", i), "x");
  }
  auto all_seen = [&](const std::vector<FsChange>& changes) {
    for (int i = 0; i < kTrees; ++i) {
      if (!mentions(changes, fmt::format("t{}/a/b/c/data.csv", i))) return false;
    }
    return true;
  };
  auto changes = collect_until(*watcher, all_seen);
  INFO(describe(changes));
  CHECK(all_seen(changes));
  CHECK(watcher->watched_folders() == 1 + 4 * kTrees);
  // And the new folders are watched: a later write there is an event.
  write_file(dir / "t0/a/b/c/later.csv", "y");
  auto later = collect_until_change(*watcher, Kind::Closed, "t0/a/b/c/later.csv");
  CHECK(has_change(later, Kind::Closed, "t0/a/b/c/later.csv"));
}

TEST_CASE("inotify: removals, and a folder moved away is forgotten", "[watch][inotify]") {
  TempDir dir;
  TempDir elsewhere;
  write_file(dir / "gone.txt", "x");
  fs::create_directories(dir / "old/inner");
  write_file(dir / "old/inner/f.txt", "x");
  auto watcher = open_watcher(dir.path());
  REQUIRE(watcher->watched_folders() == 3);
  fs::remove(dir / "gone.txt");
  auto changes = collect_until_change(*watcher, Kind::Removed, "gone.txt");
  CHECK(has_change(changes, Kind::Removed, "gone.txt"));

  fs::rename(dir / "old", elsewhere / "old");
  changes = collect_until_change(*watcher, Kind::Removed, "old");
  INFO(describe(changes));
  CHECK(has_change(changes, Kind::Removed, "old"));
  CHECK(watcher->watched_folders() == 1);
  // Writes in the folder that moved out are not ours any more.
  write_file(elsewhere / "old/inner/f.txt", "changed");
  write_file(dir / "marker.txt", "m");
  changes = collect_until_change(*watcher, Kind::Closed, "marker.txt");
  INFO(describe(changes));
  CHECK(has_change(changes, Kind::Closed, "marker.txt"));
  for (const FsChange& c : changes) CHECK(c.path.find("inner") == std::string::npos);
}

TEST_CASE("inotify: a folder moved within the root is watched under its new name", "[watch][inotify]") {
  TempDir dir;
  fs::create_directories(dir / "before/sub");
  write_file(dir / "before/sub/f.txt", "x");
  auto watcher = open_watcher(dir.path());
  fs::rename(dir / "before", dir / "after");
  auto changes = collect_until_change(*watcher, Kind::Found, "after/sub/f.txt");
  INFO(describe(changes));
  CHECK(has_change(changes, Kind::Removed, "before"));
  CHECK(has_change(changes, Kind::Found, "after/sub/f.txt"));
  CHECK(watcher->watched_folders() == 3);
  write_file(dir / "after/sub/g.txt", "y");
  changes = collect_until_change(*watcher, Kind::Closed, "after/sub/g.txt");
  CHECK(has_change(changes, Kind::Closed, "after/sub/g.txt"));
}

TEST_CASE("inotify: a symlink to a folder created later is never watched", "[watch][inotify]") {
  TempDir dir;
  TempDir outside;
  auto watcher = open_watcher(dir.path());
  fs::create_directory_symlink(outside.path(), dir / "link");
  write_file(outside / "elsewhere.txt", "x");
  write_file(dir / "marker.txt", "m");
  auto changes = collect_until_change(*watcher, Kind::Closed, "marker.txt");
  INFO(describe(changes));
  REQUIRE(has_change(changes, Kind::Closed, "marker.txt"));
  CHECK_FALSE(mentions(changes, "link/elsewhere.txt"));
  CHECK(watcher->watched_folders() == 1);
}

void check_ignored_names(bool force_polling) {
  TempDir dir;
  Result<IgnoreList> ignores = IgnoreList::make(default_watch_ignores());
  REQUIRE_OK(ignores);
  auto watcher = open_watcher(dir.path(), force_polling, 100ms, [list = *ignores](std::string_view path, bool is_dir) {
    return list.ignores(path, is_dir);
  });
  fs::create_directories(dir / ".ipynb_checkpoints");
  write_file(dir / ".ipynb_checkpoints/nb-checkpoint.ipynb", "x");
  write_file(dir / ".notes.txt.swp", "x");
  write_file(dir / ".data.csv.cloudsync-0a1b2c.partial", "x");
  write_file(dir / "kept.txt", "x");
  auto changes = collect_until(*watcher, [](const std::vector<FsChange>& c) { return mentions(c, "kept.txt"); });
  // Anything about the ignored names would have come before or with kept.txt;
  // one more short wait catches stragglers.
  REQUIRE_OK(watcher->wait(force_polling ? 250ms : 100ms, changes));
  INFO(describe(changes));
  REQUIRE(mentions(changes, "kept.txt"));
  for (const FsChange& c : changes) CHECK(c.path == "kept.txt");
  CHECK(watcher->watched_folders() == 1);  // the checkpoints folder is neither watched nor scanned
}

TEST_CASE("inotify: ignored names are not reported, ignored folders not watched", "[watch][inotify]") {
  check_ignored_names(false);
}

TEST_CASE("polling: ignored names are not reported, ignored folders not scanned", "[watch][polling]") {
  check_ignored_names(true);
}

void check_bad_names_skipped(bool force_polling) {
  TempDir dir;
  write_file(dir / "\xff\xfe-latin1.txt", "x");
  write_file(dir / "tab\there.txt", "x");
  auto watcher = open_watcher(dir.path(), force_polling);
  write_file(dir / "\xc3\x28-late.txt", "x");
  write_file(dir / "good.txt", "x");
  auto changes = collect_until(*watcher, [](const std::vector<FsChange>& c) { return mentions(c, "good.txt"); });
  INFO(describe(changes));
  REQUIRE(mentions(changes, "good.txt"));
  for (const FsChange& c : changes) CHECK(c.path == "good.txt");
}

TEST_CASE("inotify: names that are not valid paths are skipped", "[watch][inotify]") { check_bad_names_skipped(false); }

TEST_CASE("polling: names that are not valid paths are skipped", "[watch][polling]") { check_bad_names_skipped(true); }

TEST_CASE("polling: new, changed and removed files between two walks", "[watch][polling]") {
  TempDir dir;
  write_file(dir / "stays.txt", "same");
  write_file(dir / "changes.txt", "before");
  write_file(dir / "goes.txt", "x");
  auto watcher = open_watcher(dir.path(), /*force_polling=*/true, 100ms);
  CHECK(watcher->mode() == WatchMode::Polling);
  CHECK(watcher->mode_reason().find("force_polling") != std::string::npos);
  CHECK(watcher->mode_reason().find("100 ms") != std::string::npos);
  std::vector<FsChange> initial;
  REQUIRE_OK(watcher->wait(1s, initial));
  REQUIRE(initial.size() == 3);

  write_file(dir / "changes.txt", "after, longer");
  fs::remove(dir / "goes.txt");
  fs::create_directories(dir / "new/deeper");
  write_file(dir / "new/deeper/file.txt", "hello");
  auto done = [](const std::vector<FsChange>& c) {
    return mentions(c, "changes.txt") && mentions(c, "goes.txt") && mentions(c, "new/deeper/file.txt");
  };
  auto changes = collect_until(*watcher, done, 2s);
  INFO(describe(changes));
  const FsChange* changed = find_change(changes, Kind::Found, "changes.txt");
  REQUIRE(changed != nullptr);
  CHECK(changed->info.size == 13);
  CHECK(has_change(changes, Kind::Removed, "goes.txt"));
  CHECK(has_change(changes, Kind::Found, "new/deeper/file.txt"));
  CHECK_FALSE(mentions(changes, "stays.txt"));
  CHECK(watcher->watched_folders() == 3);
}

void check_wake(bool force_polling) {
  TempDir dir;
  auto watcher = open_watcher(dir.path(), force_polling, 10s);
  std::vector<FsChange> changes;
  REQUIRE_OK(watcher->wait(0ms, changes));  // the (empty) initial scan
  std::thread waker([&] {
    std::this_thread::sleep_for(100ms);
    watcher->wake();
  });
  const auto start = std::chrono::steady_clock::now();
  Status waited = watcher->wait(10s, changes);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  waker.join();
  REQUIRE_OK(waited);
  CHECK(elapsed < 5s);
  CHECK(changes.empty());
}

TEST_CASE("inotify: wake() ends a wait", "[watch][inotify]") { check_wake(false); }

TEST_CASE("polling: wake() ends a wait", "[watch][polling]") { check_wake(true); }

TEST_CASE("a root that does not exist is skipped", "[watch]") {
  TempDir dir;
  write_file(dir / "present/f.txt", "x");
  FsWatcherOptions options;
  options.roots = {dir / "absent", dir / "present"};
  auto watcher = FsWatcher::open(std::move(options));
  REQUIRE_OK(watcher);
  std::vector<FsChange> changes;
  REQUIRE_OK((*watcher)->wait(1s, changes));
  INFO(describe(changes));
  REQUIRE(changes.size() == 1);
  CHECK(changes[0].root == 1);
  CHECK(changes[0].path == "f.txt");
}

}  // namespace
}  // namespace cloudsync
