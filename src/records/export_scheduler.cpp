// The system clock the scheduler sleeps on, and the scheduler: one thread
// that runs due jobs one at a time (through Catalog::run_due_exports, the
// same code a host's cron would call), then sleeps until the earliest
// next_run_at or the poll interval, whichever comes first.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "cloudsync/catalog.hpp"
#include "core/log.hpp"
#include "core/error.hpp"
#include "core/time.hpp"

namespace cloudsync {

namespace {

class SystemExportClock final : public ExportClock {
 public:
  TimePoint now() override { return now_utc(); }
  void sleep_until(TimePoint deadline) override {
    std::unique_lock lock(mutex_);
    const auto until = std::chrono::time_point_cast<std::chrono::system_clock::duration>(deadline);
    cv_.wait_until(lock, until, [&] { return woken_; });
    woken_ = false;
  }
  void wake() override {
    std::lock_guard lock(mutex_);
    woken_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool woken_ = false;
};

/// The earliest next_run_at of the jobs that can run (read through the public API).
std::optional<TimePoint> earliest_due(const Catalog& catalog) {
  std::optional<TimePoint> earliest;
  PageRequest page{100, 0};
  for (;;) {
    auto jobs = catalog.export_jobs(page);
    if (!jobs.ok()) return earliest;
    for (const ExportJob& j : *jobs) {
      if (j.status == ExportJobStatus::Disabled) continue;
      if (!earliest || j.next_run_at < *earliest) earliest = j.next_run_at;
    }
    if (jobs->size() < page.first) return earliest;
    page.skip += page.first;
  }
}

}  // namespace

std::shared_ptr<ExportClock> ExportClock::system() { return std::make_shared<SystemExportClock>(); }

struct ExportScheduler::Impl {
  std::shared_ptr<Catalog> catalog;
  SchedulerOptions options;
  CancelToken cancel;
  std::atomic<bool> stopping{false};
  std::thread thread;

  void loop() {
    RunDueOptions run = options.run;
    run.cancel = &cancel;
    while (!stopping.load()) {
      const TimePoint now = options.clock->now();
      auto runs = catalog->run_due_exports(now, run);
      if (!runs.ok()) {
        log(LogLevel::Warn, "record export scheduler: {}", runs.status().message());
      } else if (options.on_run) {
        for (const ExportRun& r : *runs) options.on_run(r);
      }
      if (stopping.load()) break;
      // A job due already (held by another process, or failing to claim)
      // waits for the poll, never a busy loop.
      TimePoint deadline = now + options.poll;
      if (auto due = earliest_due(*catalog); due && *due > now) deadline = std::min(deadline, *due);
      options.clock->sleep_until(deadline);
    }
  }
};

ExportScheduler::ExportScheduler(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<ExportScheduler>> ExportScheduler::start(std::shared_ptr<Catalog> catalog,
                                                                SchedulerOptions options) {
  if (!catalog) return make_error(ErrorCode::InvalidArgument, "the export scheduler needs a catalog");
  if (!options.clock) options.clock = ExportClock::system();
  if (options.poll.count() <= 0) return make_error(ErrorCode::InvalidArgument, "the scheduler's poll must be positive");
  auto impl = std::make_unique<Impl>();
  impl->catalog = std::move(catalog);
  impl->options = std::move(options);
  Impl* raw = impl.get();
  std::unique_ptr<ExportScheduler> scheduler(new ExportScheduler(std::move(impl)));
  raw->thread = std::thread([raw] { raw->loop(); });
  return scheduler;
}

void ExportScheduler::stop() {
  if (!impl_ || !impl_->thread.joinable()) return;
  impl_->stopping.store(true);
  impl_->cancel.cancel();
  impl_->options.clock->wake();
  impl_->thread.join();
}

ExportScheduler::~ExportScheduler() { stop(); }

}  // namespace cloudsync
