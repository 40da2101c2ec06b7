// The rules that decide when a changed file is complete, on a fake clock.
#include <map>

#include "core/time.hpp"
#include "support/test_util.hpp"
#include "watch/queue_exporter.hpp"
#include "watch/settling_files.hpp"

namespace cloudsync::test {

namespace {

using namespace std::chrono_literals;
using Clock = SettlingFiles::Clock;

struct FakeFiles {
  std::map<std::string, FileInfo> files;
  SettlingFiles::StatFn stat() {
    return [this](const SettlingFiles::Key& key) -> std::optional<FileInfo> {
      auto it = files.find(key.second);
      if (it == files.end()) return std::nullopt;
      return it->second;
    };
  }
  void write(const std::string& path, uint64_t size) {
    FileInfo& f = files[path];
    f.size = size;
    f.mtime = f.mtime + std::chrono::nanoseconds(1);
    f.inode = f.inode == 0 ? 7 : f.inode;
  }
};

FsChange change(FsChange::Kind kind, std::string path) {
  FsChange c;
  c.kind = kind;
  c.path = std::move(path);
  return c;
}

std::vector<std::string> paths(const std::vector<SettlingFiles::Key>& keys) {
  std::vector<std::string> out;
  for (const auto& k : keys) out.push_back(k.second);
  return out;
}

}  // namespace

TEST_CASE("a closed file is ready once quiet and unchanged between two looks", "[watch][settling]") {
  FakeFiles disk;
  SettlingFiles settling(300ms, 10s, disk.stat());
  Clock::time_point t0{};
  disk.write("a.csv", 10);
  settling.on_change(change(FsChange::Kind::Closed, "a.csv"), t0);
  REQUIRE(settling.next_deadline() == t0 + 300ms);
  CHECK(settling.take_ready(t0 + 299ms).empty());
  CHECK(paths(settling.take_ready(t0 + 300ms)) == std::vector<std::string>{"a.csv"});
  CHECK(settling.size() == 0);
}

TEST_CASE("a file that changed without an event is looked at again later", "[watch][settling]") {
  FakeFiles disk;
  SettlingFiles settling(300ms, 10s, disk.stat());
  Clock::time_point t0{};
  disk.write("a.csv", 10);
  settling.on_change(change(FsChange::Kind::Closed, "a.csv"), t0);
  disk.write("a.csv", 20);  // grows, no event seen (yet)
  CHECK(settling.take_ready(t0 + 300ms).empty());
  REQUIRE(settling.next_deadline() == t0 + 600ms);
  CHECK(paths(settling.take_ready(t0 + 600ms)) == std::vector<std::string>{"a.csv"});
}

TEST_CASE("each event starts the quiet window again", "[watch][settling]") {
  FakeFiles disk;
  SettlingFiles settling(300ms, 10s, disk.stat());
  Clock::time_point t0{};
  for (int i = 0; i < 100; ++i) {  // 100 appends, 10 ms apart
    disk.write("log.txt", 10 + i);
    settling.on_change(change(FsChange::Kind::Closed, "log.txt"), t0 + i * 10ms);
    CHECK(settling.take_ready(t0 + i * 10ms).empty());
  }
  CHECK(settling.take_ready(t0 + 99 * 10ms + 299ms).empty());
  CHECK(paths(settling.take_ready(t0 + 99 * 10ms + 300ms)) == std::vector<std::string>{"log.txt"});
}

TEST_CASE("a file written but not closed waits for the longer quiet", "[watch][settling]") {
  FakeFiles disk;
  SettlingFiles settling(300ms, 10s, disk.stat());
  Clock::time_point t0{};
  disk.write("big.csv", 1000);
  settling.on_change(change(FsChange::Kind::Modified, "big.csv"), t0);
  CHECK(settling.take_ready(t0 + 5s).empty());
  // The close arrives: the short window applies from then on.
  settling.on_change(change(FsChange::Kind::Closed, "big.csv"), t0 + 6s);
  CHECK(paths(settling.take_ready(t0 + 6s + 300ms)) == std::vector<std::string>{"big.csv"});

  // Never closed: exported after the long quiet all the same.
  disk.write("held.log", 5);
  settling.on_change(change(FsChange::Kind::Modified, "held.log"), t0 + 7s);
  CHECK(settling.take_ready(t0 + 16s).empty());
  CHECK(paths(settling.take_ready(t0 + 17s)) == std::vector<std::string>{"held.log"});
}

TEST_CASE("a removed or vanished file is dropped; a flush hurries the rest", "[watch][settling]") {
  FakeFiles disk;
  SettlingFiles settling(300ms, 10s, disk.stat());
  Clock::time_point t0{};
  disk.write("gone.txt", 1);
  disk.write("moved.txt", 1);
  disk.write("open.txt", 1);
  settling.on_change(change(FsChange::Kind::Closed, "gone.txt"), t0);
  settling.on_change(change(FsChange::Kind::Closed, "moved.txt"), t0);
  settling.on_change(change(FsChange::Kind::Modified, "open.txt"), t0);
  settling.on_change(change(FsChange::Kind::Removed, "moved.txt"), t0);
  disk.files.erase("gone.txt");
  CHECK(settling.take_ready(t0 + 300ms).empty());
  CHECK(settling.size() == 1);
  settling.hurry();
  CHECK(paths(settling.take_ready(t0 + 301ms)) == std::vector<std::string>{"open.txt"});
}

TEST_CASE("files become ready in the order they went quiet", "[watch][settling]") {
  FakeFiles disk;
  SettlingFiles settling(300ms, 10s, disk.stat());
  Clock::time_point t0{};
  for (std::string p : {"c", "a", "b"}) disk.write(p, 1);
  settling.on_change(change(FsChange::Kind::Closed, "c"), t0);
  settling.on_change(change(FsChange::Kind::Closed, "a"), t0 + 1ms);
  settling.on_change(change(FsChange::Kind::Closed, "b"), t0 + 2ms);
  CHECK(paths(settling.take_ready(t0 + 1s)) == std::vector<std::string>{"c", "a", "b"});
}

TEST_CASE("conflict copies are named after the host and the UTC time", "[watch]") {
  TimePoint at = from_unix_nanos(1'765'000'000 * 1'000'000'000LL);  // 2025-12-06T05:46:40Z
  CHECK(conflict_copy_key("data/report.csv", "kernel-7", at) == "data/report.conflict-kernel-7-20251206T054640Z.csv");
  CHECK(conflict_copy_key("notes", "h", at) == "notes.conflict-h-20251206T054640Z");
  CHECK(conflict_copy_key("dir.v2/.bashrc", "h", at) == "dir.v2/.bashrc.conflict-h-20251206T054640Z");
  CHECK(conflict_copy_key("a.tar.gz", "my host/../x", at) == "a.tar.conflict-myhost..x-20251206T054640Z.gz");
}

TEST_CASE("failed exports back off, doubling up to the maximum", "[watch]") {
  WatchOptions o;
  o.retry_initial = std::chrono::milliseconds(1000);
  o.retry_max = std::chrono::milliseconds(60'000);
  TimePoint now = from_unix_nanos(1'000'000 * 1'000'000'000LL);
  CHECK(retry_time(1, o, now) - now == std::chrono::seconds(1));
  CHECK(retry_time(2, o, now) - now == std::chrono::seconds(2));
  CHECK(retry_time(5, o, now) - now == std::chrono::seconds(16));
  CHECK(retry_time(7, o, now) - now == std::chrono::seconds(60));
  CHECK(retry_time(1000, o, now) - now == std::chrono::seconds(60));
}

}  // namespace cloudsync::test
