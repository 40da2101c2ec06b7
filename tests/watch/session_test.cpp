// The kernel session on the in-process memory store: exported once per final
// content, read-only refusals, conflicts never overwritten, a store that is
// down, a session killed mid-way, flush and stop. The writers users have
// (pandas, editors, Jupyter, cp, mv) run against moto in test_writers.py.
#include <condition_variable>
#include <fstream>
#include <mutex>

#include "catalog/catalog_store.hpp"
#include "cloudsync/watch.hpp"
#include "core/hash.hpp"
#include "core/time.hpp"
#include "engine/workspace_impl.hpp"
#include "support/memory_project.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// Collects a session's events for the test thread to wait on.
class EventLog {
 public:
  WatchEventCallback callback() {
    return [this](const WatchEvent& e) {
      std::lock_guard lock(mutex_);
      events_.push_back(e);
      changed_.notify_all();
    };
  }

  /// Waits until `count` events of `kind` arrived (for `path`, when given).
  std::vector<WatchEvent> wait_for(WatchEventKind kind, size_t count, const std::string& path = {},
                                   std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, timeout, [&] { return matching(kind, path).size() >= count; });
    return matching(kind, path);
  }

  std::vector<WatchEvent> of(WatchEventKind kind, const std::string& path = {}) {
    std::lock_guard lock(mutex_);
    return matching(kind, path);
  }

 private:
  std::vector<WatchEvent> matching(WatchEventKind kind, const std::string& path) const {
    std::vector<WatchEvent> out;
    for (const WatchEvent& e : events_) {
      if (e.kind == kind && (path.empty() || e.path == path)) out.push_back(e);
    }
    return out;
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<WatchEvent> events_;
};

// A project with one memory-backed integration, and a session on it.
struct HexProject : MemoryProject {
  EventLog events;
  std::unique_ptr<KernelSession> session;

  explicit HexProject(bool writeback = true)
      : MemoryProject(MemoryProjectOptions{writeback, {}, "Notebook Bucket", "s3://bucket"}) {}

  static SessionOptions fast() {
    SessionOptions o;
    o.watch.quiet_window = 50ms;
    o.watch.open_file_quiet = 2s;
    o.watch.retry_initial = 50ms;
    o.watch.retry_max = 200ms;
    return o;
  }

  void start(SessionOptions options = fast()) {
    auto s = KernelSession::start(*ws, options, events.callback());
    REQUIRE_OK(s);
    session = std::move(*s);
  }

  std::string remote_content(const std::string& key) {
    auto data = memory->read_all(P(key), kCtx);
    REQUIRE_OK(data);
    return *data;
  }
  bool remote_has(const std::string& key) { return memory->head(P(key), kCtx).ok(); }
  std::string connection_id() {
    auto integ = ws->integration(name);
    REQUIRE_OK(integ);
    auto c = ws->internals().catalog->connection_for(ws->internals().project.id, integ->id);
    REQUIRE_OK(c);
    return c->id;
  }
  CatalogStore& store() { return *ws->internals().cat().store; }
};

std::string sha256_of(std::string_view data) { return sha256_hex(data); }

}  // namespace

TEST_CASE("a file written into the folder is exported once, byte-identical", "[watch][session]") {
  HexProject p;
  p.start();
  std::string data = random_bytes(100'000, 3);
  write_file(p.folder / "out.csv", data);
  auto exported = p.events.wait_for(WatchEventKind::Exported, 1, "out.csv");
  REQUIRE(exported.size() == 1);
  CHECK(exported[0].integration == p.name);
  CHECK(exported[0].remote_key == "out.csv");
  CHECK(exported[0].bytes == data.size());
  CHECK(exported[0].sha256 == sha256_of(data));
  CHECK(p.remote_content("out.csv") == data);
  FlushResult flushed = p.session->flush(5s);
  CHECK(flushed.complete);
  CHECK(flushed.pending.empty());

  // The same bytes written again (a save without a change) go nowhere.
  int puts = p.remote->puts;
  write_file(p.folder / "out.csv", data);
  CHECK(p.session->flush(5s).complete);
  CHECK(p.remote->puts == puts);
  CHECK(p.events.of(WatchEventKind::Exported, "out.csv").size() == 1);

  // A real change goes once more.
  write_file(p.folder / "out.csv", data + "tail");
  REQUIRE(p.events.wait_for(WatchEventKind::Exported, 2, "out.csv").size() == 2);
  CHECK(p.remote_content("out.csv") == data + "tail");
  WatchStatus status = p.session->status();
  REQUIRE(status.integrations.size() == 1);
  CHECK(status.integrations[0].exported == 2);
  CHECK(status.mode == WatchMode::Inotify);
  CHECK(status.pending() == 0);
}

TEST_CASE("temporaries of editors and tools are never exported", "[watch][session]") {
  HexProject p;
  p.start();
  write_file(p.folder / ".~notebook.ipynb", "backup");
  write_file(p.folder / ".notes.txt.swp", "swap");
  write_file(p.folder / "4913", "vim probe");
  fs::create_directories(p.folder / ".ipynb_checkpoints");
  write_file(p.folder / ".ipynb_checkpoints" / "a-checkpoint.ipynb", "{}");
  write_file(p.folder / "kept.txt", "kept");
  REQUIRE(p.events.wait_for(WatchEventKind::Exported, 1, "kept.txt").size() == 1);
  CHECK(p.session->flush(5s).complete);
  CHECK(p.memory->object_count() == 1);
  CHECK(p.session->queue().empty());
}

TEST_CASE("new folders are watched at once: mkdir -p then an immediate write", "[watch][session]") {
  HexProject p;
  p.start();
  fs::create_directories(p.folder / "a" / "b" / "c");
  write_file(p.folder / "a" / "b" / "c" / "deep.txt", "deep");
  REQUIRE(p.events.wait_for(WatchEventKind::Exported, 1, "a/b/c/deep.txt").size() == 1);
  CHECK(p.remote_content("a/b/c/deep.txt") == "deep");
}

TEST_CASE("a write under a read-only integration is refused and reported, never dropped", "[watch][session]") {
  HexProject p(/*writeback=*/false);
  p.memory->insert_raw("in.csv", "imported");
  REQUIRE_OK(p.ws->import_files(p.name, ImportRequest{{"in.csv"}, false}));
  p.start();
  write_file(p.folder / "new.csv", "local only");
  auto refused = p.events.wait_for(WatchEventKind::Refused, 1, "new.csv");
  REQUIRE(refused.size() == 1);
  CHECK(refused[0].error.code() == ErrorCode::PermissionDenied);
  CHECK(refused[0].parked);
  CHECK_FALSE(p.remote_has("new.csv"));
  FlushResult flushed = p.session->flush(5s);
  CHECK(flushed.complete);
  REQUIRE(flushed.pending.size() == 1);
  CHECK(flushed.pending[0].state == QueuedState::Refused);
  WatchStatus status = p.session->status();
  REQUIRE(status.integrations.size() == 1);
  CHECK_FALSE(status.integrations[0].writeback);
  CHECK(status.integrations[0].refused == 1);
}

TEST_CASE("a remote change is reported as a conflict and never overwritten", "[watch][session][conflict]") {
  HexProject p;
  p.memory->insert_raw("report.csv", "v1");
  REQUIRE_OK(p.ws->import_files(p.name, ImportRequest{{"report.csv"}, false}));
  p.start();
  p.memory->insert_raw("report.csv", "someone else's v2");
  write_file(p.folder / "report.csv", "my local v2");
  auto conflicts = p.events.wait_for(WatchEventKind::Conflict, 1, "report.csv");
  REQUIRE(conflicts.size() == 1);
  CHECK(conflicts[0].error.code() == ErrorCode::Conflict);
  CHECK(conflicts[0].sha256 == sha256_of("my local v2"));
  CHECK(conflicts[0].conflict_copy.empty());
  CHECK(p.remote_content("report.csv") == "someone else's v2");
  FlushResult flushed = p.session->flush(5s);
  CHECK(flushed.complete);  // nothing that could still go out
  REQUIRE(flushed.pending.size() == 1);
  CHECK(flushed.pending[0].state == QueuedState::Conflict);
  CHECK(p.session->status().integrations[0].conflicts == 1);
  CHECK(p.events.of(WatchEventKind::Exported).empty());
}

TEST_CASE("keep-both uploads the local side as a conflict copy, once per content", "[watch][session][conflict]") {
  HexProject p;
  p.memory->insert_raw("data/report.csv", "v1");
  REQUIRE_OK(p.ws->import_files(p.name, ImportRequest{{"data/report.csv"}, false}));
  SessionOptions o = HexProject::fast();
  o.watch.conflict_policy = ConflictPolicy::KeepBoth;
  o.watch.host_name = "kernel-1";
  p.start(o);
  p.memory->insert_raw("data/report.csv", "theirs");
  write_file(p.folder / "data" / "report.csv", "mine");
  auto conflicts = p.events.wait_for(WatchEventKind::Conflict, 1, "data/report.csv");
  REQUIRE(conflicts.size() == 1);
  const std::string copy = conflicts[0].conflict_copy;
  CHECK(copy.starts_with("data/report.conflict-kernel-1-"));
  CHECK(copy.ends_with("Z.csv"));
  CHECK(p.remote_content(copy) == "mine");
  CHECK(p.remote_content("data/report.csv") == "theirs");
  // The same content saved again is the same conflict: no second copy.
  size_t objects = p.memory->object_count();
  write_file(p.folder / "data" / "report.csv", "mine");
  CHECK(p.session->flush(5s).complete);
  CHECK(p.memory->object_count() == objects);
  CHECK(p.events.of(WatchEventKind::Conflict).size() == 1);
}

TEST_CASE("while the store is down, writes queue up and go out in order afterwards", "[watch][session][faults]") {
  HexProject p;
  SessionOptions o = HexProject::fast();
  o.watch.batch_size = 1;  // one file a pass: the order files go out is observable
  p.start(o);
  p.remote->fail_head(ErrorCode::Network, 6);
  for (std::string name : {"1.txt", "2.txt", "3.txt"}) {
    write_file(p.folder / name, "content of " + name);
    std::this_thread::sleep_for(80ms);  // each settles before the next is written
  }
  auto exported = p.events.wait_for(WatchEventKind::Exported, 3);
  REQUIRE(exported.size() == 3);
  CHECK(exported[0].path == "1.txt");
  CHECK(exported[1].path == "2.txt");
  CHECK(exported[2].path == "3.txt");
  CHECK_FALSE(p.events.of(WatchEventKind::Failed).empty());
  bool unreachable_reported = false;
  for (const WatchEvent& e : p.events.of(WatchEventKind::Status)) {
    unreachable_reported = unreachable_reported || e.message.find("cannot be reached") != std::string::npos;
  }
  CHECK(unreachable_reported);
  CHECK(p.session->status().integrations[0].reachable);
}

TEST_CASE("flush exports what is still settling; stop keeps the queue for the next session", "[watch][session]") {
  HexProject p;
  SessionOptions o = HexProject::fast();
  o.watch.quiet_window = 30s;  // nothing would go out by itself within the test
  o.watch.open_file_quiet = 30s;
  p.start(o);
  write_file(p.folder / "late.txt", "written just before the kernel stops");
  // The event needs a moment to arrive before the flush looks.
  std::this_thread::sleep_for(200ms);
  FlushResult flushed = p.session->flush(10s);
  CHECK(flushed.complete);
  CHECK(p.remote_content("late.txt") == "written just before the kernel stops");

  // The store refuses everything: the file stays queued across a stop.
  p.remote->fail_put("", ErrorCode::Network, -1);
  write_file(p.folder / "queued.txt", "waits");
  std::this_thread::sleep_for(200ms);
  FlushResult partial = p.session->flush(1s);
  CHECK_FALSE(partial.complete);
  REQUIRE(partial.pending.size() == 1);
  CHECK(partial.pending[0].path == "queued.txt");
  p.session->stop();
  p.session.reset();

  // The next session (the store back) sends it.
  p.remote->fail_put("", ErrorCode::Network, 0);
  p.start();
  REQUIRE(p.events.wait_for(WatchEventKind::Exported, 1, "queued.txt").size() == 1);
  CHECK(p.remote_content("queued.txt") == "waits");
}

TEST_CASE("a session killed mid-export converges on the next start, with no duplicate", "[watch][session][crash]") {
  HexProject p;
  write_file(p.folder / "sent.txt", "reached the store before the kill");
  write_file(p.folder / "unsent.txt", "never reached the store");
  // What a killed session leaves: both rows in flight, one object uploaded
  // whose manifest row was never written.
  p.memory->insert_raw("sent.txt", "reached the store before the kill");
  REQUIRE_OK(p.ws->internals().cat().ensure_connection(p.ws->internals().project, *p.ws->integration(p.name)));
  const std::string connection = p.connection_id();
  REQUIRE_OK(p.store().enqueue_exports(connection, {"sent.txt", "unsent.txt"}, now_utc()));
  auto claimed = p.store().claim_exports(connection, now_utc(), 10);
  REQUIRE_OK(claimed);
  REQUIRE(claimed->size() == 2);

  p.start();
  REQUIRE(p.session->flush(10s).complete);
  CHECK(p.remote_content("unsent.txt") == "never reached the store");
  CHECK(p.remote_content("sent.txt") == "reached the store before the kill");
  CHECK(p.events.of(WatchEventKind::Conflict).empty());
  CHECK(p.remote->puts == 1);  // only unsent.txt went
  CHECK(p.session->queue().empty());
  auto tracked = p.ws->tracked_files(p.name);
  REQUIRE_OK(tracked);
  CHECK(tracked->size() == 2);
}

TEST_CASE("one session watches a project at a time", "[watch][session]") {
  HexProject p;
  p.start();
  auto second = KernelSession::start(*p.ws, HexProject::fast());
  REQUIRE_CODE(second, ErrorCode::Conflict);
  p.session->stop();
  auto third = KernelSession::start(*p.ws, HexProject::fast());
  REQUIRE_OK(third);
}

TEST_CASE("the start restores tracked files, downloading only what changed", "[watch][session]") {
  HexProject p;
  for (int i = 0; i < 5; ++i) p.memory->insert_raw("in/" + std::to_string(i) + ".csv", "row " + std::to_string(i));
  REQUIRE_OK(p.ws->import_files(p.name, ImportRequest{{"in/"}, false}));
  fs::remove(p.folder / "in" / "2.csv");  // a new kernel's disk lost one
  int gets = p.remote->gets;
  p.start();
  REQUIRE(p.session->restored().size() == 1);
  CHECK(p.session->restored()[0].report.count(OutcomeKind::Done) == 1);
  CHECK(p.remote->gets == gets + 1);
  CHECK(read_file(p.folder / "in" / "2.csv") == "row 2");
  // Restored files are not exported back.
  CHECK(p.session->flush(5s).complete);
  CHECK(p.events.of(WatchEventKind::Exported).empty());
}

TEST_CASE("events and status have stable JSON forms", "[watch]") {
  WatchEvent e;
  e.kind = WatchEventKind::Failed;
  e.at = from_unix_nanos(0);
  e.integration = "S";
  e.path = "a.txt";
  e.remote_key = "a.txt";
  e.error = Status(ErrorCode::Network, "connection refused");
  e.retry_at = from_unix_nanos(1'000'000'000);
  std::string json = watch_event_to_json(e);
  CHECK(json ==
        R"({"event":"failed","at":"1970-01-01T00:00:00.000Z","integration":"S","path":"a.txt","remote_key":"a.txt",)"
        R"("error":{"code":"network","message":"connection refused"},"retry_at":"1970-01-01T00:00:01.000Z"})");
  FlushResult r;
  r.complete = false;
  QueuedExport q;
  q.integration = "S";
  q.path = "b.txt";
  q.state = QueuedState::InFlight;
  q.queued_at = from_unix_nanos(0);
  r.pending.push_back(q);
  CHECK(flush_result_to_json(r) ==
        R"({"complete":false,"pending":[{"integration":"S","path":"b.txt","state":"in_flight","attempts":0,)"
        R"("queued_at":"1970-01-01T00:00:00.000Z","retry_at":null}]})");
}

}  // namespace cloudsync::test
