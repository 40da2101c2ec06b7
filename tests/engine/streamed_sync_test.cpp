// run_sync: a plan applied as it is decided. Its promises: the same result as
// plan_sync + apply_plan, the planner held back while the transfers are
// behind (bounded memory), deletions last and only after a clean run.
#include <condition_variable>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "cloudsync/backends/local.hpp"
#include "cloudsync/backends/memory.hpp"
#include "cloudsync/log.hpp"
#include "cloudsync/sync.hpp"
#include "support/fault_backend.hpp"
#include "support/test_util.hpp"
#include "sync/action_pipeline.hpp"

namespace cloudsync::test {

namespace fs = std::filesystem;

namespace {

/// Holds every get() until released, and says when the first one arrived.
class HeldBackend : public FaultBackend {
 public:
  using FaultBackend::FaultBackend;
  Result<ObjectMeta> get(const Path& path, const GetOptions& options, ByteSink& sink, const OpContext& ctx) override {
    {
      std::unique_lock lock(mutex_);
      ++waiting_;
      changed_.notify_all();
      changed_.wait(lock, [&] { return released_; });
    }
    return FaultBackend::get(path, options, sink, ctx);
  }
  void wait_for_first_get() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return waiting_ > 0; });
  }
  void release() {
    std::lock_guard lock(mutex_);
    released_ = true;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int waiting_ = 0;
  bool released_ = false;
};

struct Outcomes {
  std::mutex mutex;
  std::vector<std::pair<ActionKind, OutcomeKind>> seen;
  OutcomeCallback callback() {
    return [this](const PlanAction& action, const ActionOutcome& outcome) {
      std::lock_guard lock(mutex);
      CHECK(action.path == outcome.path);
      seen.emplace_back(outcome.action, outcome.outcome);
    };
  }
};

std::string name_of(int i) { return fmt::format("f{:04}.txt", i); }

}  // namespace

TEST_CASE("run_sync ends where plan_sync and apply_plan end, deletions last", "[sync][streamed]") {
  TempDir dir;
  auto source = std::make_shared<MemoryBackend>("src");
  for (int i = 0; i < 3000; ++i) source->insert_raw(name_of(i), "content " + std::to_string(i));
  auto held = make_local_backend(dir / "held");
  auto streamed = make_local_backend(dir / "streamed");
  REQUIRE_OK(held);
  REQUIRE_OK(streamed);
  for (const char* root : {"held", "streamed"}) {
    for (int i = 0; i < 3000; i += 7) write_file(dir / root / name_of(i), "old " + std::to_string(i));
    for (int i = 0; i < 40; ++i) write_file(dir / root / fmt::format("extra/{}.txt", i), "extra");
  }
  SyncOptions options;
  options.delete_extraneous = true;

  auto plan = plan_sync(*source, **held, options);
  REQUIRE_OK(plan);
  auto report = apply_plan(*plan, *source, **held, {});
  REQUIRE_OK(report);

  Outcomes outcomes;
  auto summary = run_sync(*source, **streamed, options, {}, outcomes.callback());
  REQUIRE_OK(summary);
  CHECK(list_tree(dir / "streamed") == list_tree(dir / "held"));
  CHECK(read_file(dir / "streamed" / name_of(7)) == "content 7");
  for (ActionKind kind : {ActionKind::Add, ActionKind::Update, ActionKind::Delete}) {
    CHECK(summary->count(kind, OutcomeKind::Done) == report->count(kind, OutcomeKind::Done));
  }
  CHECK(summary->count(ActionKind::Add, OutcomeKind::Done) == 3000 - 429);
  CHECK(summary->count(ActionKind::Update, OutcomeKind::Done) == 429);
  CHECK(summary->count(ActionKind::Delete, OutcomeKind::Done) == 40);
  CHECK(summary->bytes_transferred == report->bytes_transferred);
  CHECK(summary->bytes_planned == plan->bytes_to_transfer());
  CHECK(summary->first_error.ok());
  REQUIRE(outcomes.seen.size() == 3040);
  for (size_t i = 0; i < outcomes.seen.size(); ++i) {
    if ((i >= 3000) != (outcomes.seen[i].first == ActionKind::Delete)) FAIL("outcome " << i << " out of place");
  }

  // Again: nothing to do, and no outcome at all.
  Outcomes again;
  auto second = run_sync(*source, **streamed, options, {}, again.callback());
  REQUIRE_OK(second);
  CHECK(again.seen.empty());
  CHECK(second->unchanged == 3000);
}

TEST_CASE("the planner waits while the transfers are behind: a bounded queue", "[sync][streamed]") {
  TempDir dir;
  auto memory = std::make_shared<MemoryBackend>("src");
  std::vector<PlanAction> actions;
  for (int i = 0; i < 100; ++i) {
    memory->insert_raw(name_of(i), "x");
    auto meta = memory->head(*Path::parse(name_of(i)), {});
    REQUIRE_OK(meta);
    PlanAction a;
    a.kind = ActionKind::Add;
    a.path = name_of(i);
    a.source = *meta;
    a.has_source = true;
    actions.push_back(std::move(a));
  }
  HeldBackend source(memory);
  auto destination = make_local_backend(dir / "dst");
  REQUIRE_OK(destination);
  ProgressTracker progress({}, nullptr);
  ActionPipeline::Settings settings;
  settings.apply.transfers = 1;  // one worker: it takes one action, four wait in the queue
  settings.count_totals = true;
  std::atomic<size_t> done{0};
  ActionPipeline::Callbacks callbacks;
  callbacks.on_outcome = [&](size_t, const PlanAction&, ActionOutcome&& outcome) {
    CHECK(outcome.outcome == OutcomeKind::Done);
    ++done;
  };
  ActionPipeline pipeline(source, **destination, settings, progress, callbacks, OpContext{});
  std::atomic<size_t> handed{0};
  std::thread planner([&] {
    for (PlanAction& a : actions) {
      pipeline.submit(std::move(a));
      ++handed;
    }
  });
  source.wait_for_first_get();
  // The worker holds the first action; four more fit in the queue. Wait for
  // them (a loaded machine may be slow to run the planner), then give the
  // planner time to take more if it could.
  for (int i = 0; i < 500 && handed < 5; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK(handed == 5);  // not 100: the sixth waits for room
  source.release();
  planner.join();
  ActionPipeline::Result result = pipeline.finish({});
  CHECK(result.submitted == 100);
  CHECK(done == 100);
  CHECK(list_tree(dir / "dst").size() == 100);
}

TEST_CASE("run_sync never deletes after a failure, and checks max_delete before deleting", "[sync][streamed][safety]") {
  TempDir dir;
  auto memory = std::make_shared<MemoryBackend>("src");
  auto source = std::make_shared<FaultBackend>(memory);
  memory->insert_raw("ok.txt", "fine");
  memory->insert_raw("broken.txt", "will fail");
  auto local = make_local_backend(dir / "dst");
  REQUIRE_OK(local);
  for (int i = 0; i < 5; ++i) write_file(dir / "dst" / fmt::format("old{}", i), "o");
  SyncOptions options;
  options.delete_extraneous = true;

  source->inject_get({"broken.txt", 0, ErrorCode::PermissionDenied, 1});
  auto failed = run_sync(*source, **local, options, {});
  REQUIRE_OK(failed);
  CHECK(failed->count(ActionKind::Add, OutcomeKind::Failed) == 1);
  CHECK(failed->count(ActionKind::Delete, OutcomeKind::Skipped) == 5);
  CHECK(failed->deletes_skipped_reason == "1 transfer(s) did not complete; nothing was deleted");
  REQUIRE_CODE(failed->first_error, ErrorCode::PermissionDenied);
  REQUIRE(failed->attention.size() == 1);
  CHECK(failed->attention[0].path == "broken.txt");
  const std::string json = summary_to_json(*failed);
  CHECK(json.find(R"("outcomes":[{"action":"add","path":"broken.txt","outcome":"failed")") != std::string::npos);
  CHECK(json.find(R"("failed":1)") != std::string::npos);
  CHECK(json.find(R"("outcomes_omitted":0)") != std::string::npos);
  CHECK(list_tree(dir / "dst").size() == 6);  // old0..4 and ok.txt

  ApplyOptions limited;
  limited.max_delete = 3;
  auto refused = run_sync(*source, **local, options, limited);
  REQUIRE_CODE(refused, ErrorCode::LimitExceeded);
  CHECK(refused.status().message().find("max_delete (3)") != std::string::npos);
  CHECK(list_tree(dir / "dst").size() == 7);  // broken.txt copied, nothing deleted

  limited.max_delete = 5;
  Outcomes outcomes;
  auto run = run_sync(*source, **local, options, limited, outcomes.callback());
  REQUIRE_OK(run);
  CHECK(run->count(ActionKind::Delete, OutcomeKind::Done) == 5);
  CHECK(list_tree(dir / "dst") == std::vector<std::string>{"broken.txt", "ok.txt"});
}

TEST_CASE("a streamed dry run changes nothing and reports what a real run would do", "[sync][streamed][dry-run]") {
  TempDir dir;
  auto source = std::make_shared<MemoryBackend>("src");
  for (int i = 0; i < 10; ++i) source->insert_raw(name_of(i), "new");
  auto local = make_local_backend(dir / "dst");
  REQUIRE_OK(local);
  write_file(dir / "dst" / name_of(0), "old content");
  write_file(dir / "dst/extra.txt", "x");
  SyncOptions options;
  options.delete_extraneous = true;
  ApplyOptions dry;
  dry.dry_run = true;
  Outcomes outcomes;
  auto summary = run_sync(*source, **local, options, dry, outcomes.callback());
  REQUIRE_OK(summary);
  CHECK(summary->dry_run);
  CHECK(summary->count(ActionKind::Add, OutcomeKind::DryRun) == 9);
  CHECK(summary->count(ActionKind::Update, OutcomeKind::DryRun) == 1);
  CHECK(summary->count(ActionKind::Delete, OutcomeKind::DryRun) == 1);
  CHECK(summary->bytes_planned == 30);
  CHECK(summary->bytes_transferred == 0);
  REQUIRE(outcomes.seen.size() == 11);
  CHECK(outcomes.seen.back() == std::pair{ActionKind::Delete, OutcomeKind::DryRun});
  CHECK(list_tree(dir / "dst") == std::vector<std::string>{"extra.txt", name_of(0)});
  CHECK(read_file(dir / "dst" / name_of(0)) == "old content");
}

TEST_CASE("plan_sync says at debug level how long the listing and each planner phase took", "[sync][log]") {
  auto source = std::make_shared<MemoryBackend>("src");
  auto destination = std::make_shared<MemoryBackend>("dst");
  for (int i = 0; i < 30; ++i) source->insert_raw(name_of(i), "x");
  for (int i = 0; i < 4; ++i) destination->insert_raw(name_of(100 + i), "y");
  std::vector<std::string> lines;
  set_log_handler(LogLevel::Debug, [&](LogLevel, std::string_view m) { lines.emplace_back(m); });
  auto plan = plan_sync(*source, *destination, SyncOptions{});
  set_log_handler(LogLevel::Error, nullptr);
  REQUIRE_OK(plan);
  auto line_starting = [&](std::string_view start) {
    for (const std::string& l : lines) {
      if (l.starts_with(start)) return l;
    }
    return std::string();
  };
  CHECK(line_starting("listed 30 source and 4 destination entries in ").ends_with(" s"));
  const std::string planned = line_starting("planned 30 source and 4 destination entries: ordered in ");
  CHECK(planned.find(", names and folders checked in ") != std::string::npos);
  CHECK(planned.find(", merged and decided in ") != std::string::npos);
}

}  // namespace cloudsync::test
