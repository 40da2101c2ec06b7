// The scheduler on a clock the test moves: the first run first_run_delay
// after the job was created, then every N hours from the first; a scheduler
// that was away runs a job once, not once per missed slot; stop() ends it.
#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <vector>

#include "export_fixture.hpp"
#include "manual_export_clock.hpp"
#include "records/export_schedule.hpp"

namespace cloudsync::test {

namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

struct RunLog {
  std::mutex mutex;
  std::vector<ExportRun> runs;
  size_t size() {
    std::lock_guard lock(mutex);
    return runs.size();
  }
  ExportRun last() {
    std::lock_guard lock(mutex);
    return runs.back();
  }
};

}  // namespace

TEST_CASE("next slots and retries", "[records][schedule]") {
  const TimePoint anchor = from_unix_nanos(int64_t{1'796'000'040} * 1'000'000'000);
  CHECK(next_export_slot(anchor, 24, anchor) == anchor + hours(24));
  CHECK(next_export_slot(anchor, 24, anchor + hours(23)) == anchor + hours(24));
  CHECK(next_export_slot(anchor, 24, anchor + hours(24)) == anchor + hours(48));
  CHECK(next_export_slot(anchor, 1, anchor + hours(5) + minutes(30)) == anchor + hours(6));
  CHECK(export_retry_at(anchor, 24, 1, anchor + hours(1)) == anchor + hours(1) + minutes(1));
  CHECK(export_retry_at(anchor, 24, 3, anchor + hours(1)) == anchor + hours(1) + minutes(4));
  CHECK(export_retry_at(anchor, 1, 10, anchor + minutes(10)) == anchor + hours(1));  // never past the next slot
}

TEST_CASE("the scheduler runs a job after its first delay, then every N hours from the first run",
          "[records][scheduler]") {
  for (uint32_t n : {1u, 24u, 168u}) {
    DYNAMIC_SECTION("every " << n << " hours") {
      ExportFixture f;
      auto spec = ExportFixture::spec();
      spec.frequency_hours = n;
      ExportJob job = f.create(spec);
      f.table->upsert(1, job.created_at - hours(1));
      auto clock = std::make_shared<ManualExportClock>(job.created_at);
      RunLog log;
      SchedulerOptions options;
      options.clock = clock;
      options.poll = hours(10'000);  // only the jobs' times wake it
      options.run.owner = "scheduler";
      options.on_run = [&](const ExportRun& run) {
        std::lock_guard lock(log.mutex);
        log.runs.push_back(run);
      };
      auto scheduler = ExportScheduler::start(f.catalog, options);
      REQUIRE_OK(scheduler);
      REQUIRE(clock->wait_for_sleeps(1));
      CHECK(log.size() == 0);
      REQUIRE(clock->advance_to(job.created_at + seconds(119)));
      CHECK(log.size() == 0);
      const TimePoint first = job.created_at + seconds(120);
      REQUIRE(clock->advance_to(first));
      REQUIRE(log.size() == 1);
      CHECK(log.last().window_opened == first);
      CHECK(log.last().state == ExportRunState::Succeeded);
      CHECK(f.catalog->export_job("nightly")->first_run_at == first);
      REQUIRE(clock->advance_to(first + hours(n) - seconds(1)));
      CHECK(log.size() == 1);
      REQUIRE(clock->advance_to(first + hours(n)));
      REQUIRE(log.size() == 2);
      CHECK(log.last().window_opened == first + hours(n));
      // Away for several slots: one run, then the schedule goes on from the anchor.
      REQUIRE(clock->advance_to(first + hours(5 * n) + minutes(30)));
      REQUIRE(log.size() == 3);
      CHECK(f.catalog->export_job("nightly")->next_run_at == first + hours(6 * n));
      REQUIRE(clock->advance_to(first + hours(6 * n) - seconds(1)));
      CHECK(log.size() == 3);
      (*scheduler)->stop();
      CHECK(exported_versions(*f.store).records.size() == 1);
    }
  }
}

TEST_CASE("stop() cancels a running export and leaves its window for the next run", "[records][scheduler]") {
  ExportFixture f;
  auto spec = ExportFixture::spec();
  spec.options.page_records = 1;
  ExportJob job = f.create(spec);
  for (int id = 1; id <= 50; ++id) f.table->upsert(id, job.created_at - hours(1));
  auto clock = std::make_shared<ManualExportClock>(job.next_run_at);
  std::atomic<bool> reading{false};
  std::mutex gate;
  std::unique_lock hold(gate);
  f.table->on_read = [&] {
    reading = true;
    std::lock_guard wait(gate);  // the export stays in its first read until the test lets go
  };
  SchedulerOptions options;
  options.clock = clock;
  options.poll = hours(10'000);
  auto scheduler = ExportScheduler::start(f.catalog, options);
  REQUIRE_OK(scheduler);
  for (int i = 0; i < 2000 && !reading; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  REQUIRE(reading);
  std::thread stopper([&] { (*scheduler)->stop(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  hold.unlock();
  stopper.join();
  f.table->on_read = nullptr;
  auto runs = f.catalog->export_runs({}, {});
  REQUIRE_OK(runs);
  REQUIRE(runs->size() == 1);
  CHECK(runs->front().state == ExportRunState::Failed);
  CHECK(runs->front().error_code == ErrorCode::Cancelled);
  CHECK(exported_versions(*f.store).manifests == 0);
  // The next run is the same window, and completes it.
  auto rerun = f.catalog->run_export_job("nightly", job.next_run_at + minutes(5));
  REQUIRE_OK(rerun);
  CHECK(rerun->state == ExportRunState::Succeeded);
  CHECK(rerun->window_opened == job.next_run_at);
  CHECK(exported_versions(*f.store).records.size() == 50);
}

}  // namespace cloudsync::test
