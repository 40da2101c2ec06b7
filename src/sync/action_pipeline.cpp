#include "sync/action_pipeline.hpp"

#include <algorithm>
#include <utility>

#include "core/error.hpp"
#include "core/log.hpp"

namespace cloudsync {

namespace {

/// Actions waiting for a worker at most, per worker: enough that a worker
/// never waits for the planner, few enough to hold (an action is about a
/// kilobyte).
constexpr size_t kQueuedPerWorker = 4;

ActionOutcome outcome_for(const PlanAction& a) {
  ActionOutcome o;
  o.action = a.kind;
  o.path = a.path;
  o.message = a.reason;
  o.outcome = a.kind == ActionKind::Conflict ? OutcomeKind::Conflict : OutcomeKind::Skipped;
  return o;
}

// The one gate in front of every destructive step: in a dry run it records
// what would have happened and says no.
bool allowed(bool dry_run, ActionOutcome& outcome, std::string_view what) {
  if (!dry_run) return true;
  outcome.outcome = OutcomeKind::DryRun;
  outcome.message = fmt::format("would {} (dry run)", what);
  return false;
}

void mark_not_started(ActionOutcome& out) {
  out.outcome = OutcomeKind::Failed;
  out.error = ErrorCode::Cancelled;
  out.message = "cancelled before it started";
}

Path key_of(const std::string& key) {
  // Plans only carry actionable keys that passed Path validation.
  auto p = Path::parse(key);
  return p.ok() ? *p : Path();
}

bool is_transfer(ActionKind kind) { return kind == ActionKind::Add || kind == ActionKind::Update; }

}  // namespace

const PlanAction& ActionPipeline::Deletion::action(PlanAction& holder) const {
  if (borrowed != nullptr) return *borrowed;
  holder.kind = ActionKind::Delete;
  holder.path = path;
  holder.reason = reason;
  holder.destination.key = key;
  holder.destination.etag = etag;
  holder.destination.size = size;
  holder.has_destination = true;
  return holder;
}

ActionPipeline::ActionPipeline(StorageBackend& source, StorageBackend& destination, Settings settings,
                               ProgressTracker& progress, Callbacks callbacks, const OpContext& ctx)
    : source_(source),
      destination_(destination),
      settings_(std::move(settings)),
      progress_(progress),
      callbacks_(std::move(callbacks)),
      ctx_(ctx),
      window_options_([&] {
        const ApplyOptions& apply = settings_.apply;
        AdaptiveConcurrency::Options o;
        const uint32_t large_cap = std::max<uint32_t>(apply.transfers, 1);
        o.initial = std::max(apply.small_file_transfers              ? apply.small_file_transfers
                             : large_cap >= ApplyOptions{}.transfers ? 4 * large_cap
                                                                     : large_cap,
                             large_cap);
        o.large_cap = large_cap;
        return o;
      }()),
      window_(window_options_) {
  if (ctx_.retry_budget == nullptr) ctx_.retry_budget = &budget_;
}

ActionPipeline::~ActionPipeline() {
  {
    std::lock_guard lock(queue_mutex_);
    closed_ = true;
  }
  queue_changed_.notify_all();
  for (std::thread& worker : workers_) worker.join();
}

void ActionPipeline::submit(const PlanAction& action) {
  const size_t index = next_index_++;
  if (settle_without_running(index, action)) return;
  if (action.kind == ActionKind::Delete) {
    deletions_.push_back(Deletion{index, &action, {}, {}, {}, {}, 0});
    return;
  }
  enqueue(index, &action, nullptr);
}

void ActionPipeline::submit(PlanAction&& action) {
  const size_t index = next_index_++;
  if (settle_without_running(index, action)) return;
  if (action.kind == ActionKind::Delete) {
    deletions_.push_back(Deletion{index, nullptr, std::move(action.path), std::move(action.destination.key),
                                  std::move(action.destination.etag), std::move(action.reason),
                                  action.destination.size});
    return;
  }
  auto owned = std::make_unique<PlanAction>(std::move(action));
  const PlanAction* pointer = owned.get();
  enqueue(index, pointer, std::move(owned));
}

// Conflicts, skips, dry-run transfers and transfers after a cancellation are
// decided here and now; true when `action` needs nothing more.
bool ActionPipeline::settle_without_running(size_t index, const PlanAction& action) {
  if (index == 0) progress_.set_phase(ProgressEvent::Phase::Transferring);
  const bool transfer = is_transfer(action.kind);
  if (settings_.count_totals && (transfer || action.kind == ActionKind::Delete)) {
    progress_.add_totals(1, transfer ? action.source.size : 0);
  }
  if (action.kind == ActionKind::Delete) return false;
  ActionOutcome out = outcome_for(action);
  if (transfer) {
    if (allowed(settings_.apply.dry_run, out, action.kind == ActionKind::Add ? "copy" : "update")) {
      if (!ctx_.cancelled()) return false;
      mark_not_started(out);
      std::lock_guard lock(report_mutex_);
      ++failures_;
    } else {
      out.bytes = action.source.size;
    }
  }
  report(index, action, std::move(out));
  return true;
}

void ActionPipeline::enqueue(size_t index, const PlanAction* action, std::unique_ptr<PlanAction> owned) {
  if (!swept_) {
    swept_ = true;
    if (settings_.apply.sweep_interrupted_uploads) {
      SweepOptions sweep;
      sweep.older_than = settings_.apply.sweep_older_than;
      auto swept = destination_.sweep_interrupted_uploads(sweep, ctx_);
      // Housekeeping: a store that will not say (no permission to list
      // uploads) must not stop the transfers themselves.
      if (!swept.ok()) log(LogLevel::Warn, "could not clean up interrupted uploads: {}", swept.status().to_string());
    }
    start_workers();
  }
  std::unique_lock lock(queue_mutex_);
  const size_t capacity = kQueuedPerWorker * workers_.size();
  queue_changed_.wait(lock, [&] { return queue_.size() < capacity; });
  queue_.push_back(Job{index, action, std::move(owned)});
  lock.unlock();
  queue_changed_.notify_all();
}

void ActionPipeline::start_workers() {
  const size_t count = std::max<size_t>(std::min<size_t>(window_options_.initial, settings_.worker_limit), 1);
  auto size = [](uint64_t bytes) {
    return bytes % (1u << 20) == 0 ? fmt::format("{} MiB", bytes >> 20) : fmt::format("{} bytes", bytes);
  };
  log(LogLevel::Debug,
      "transfers: {} files in flight at most ({} of {} and up), {} parts of an upload, {} ranged reads of a "
      "download of {} and up",
      window_options_.initial, window_options_.large_cap, size(settings_.apply.small_file_size),
      settings_.transfer.part_concurrency, settings_.transfer.download_streams,
      size(settings_.transfer.multi_stream_threshold));
  workers_.reserve(count);
  for (size_t i = 0; i < count; ++i) workers_.emplace_back([this] { work(); });
}

void ActionPipeline::work() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(queue_mutex_);
      queue_changed_.wait(lock, [&] { return !queue_.empty() || closed_; });
      if (queue_.empty()) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    queue_changed_.notify_all();  // room for the planner
    transfer(job);
  }
}

void ActionPipeline::transfer(const Job& job) {
  const PlanAction& a = *job.action;
  ActionOutcome out = outcome_for(a);
  if (ctx_.cancelled()) {
    mark_not_started(out);
    {
      std::lock_guard lock(report_mutex_);
      ++failures_;
    }
    report(job.index, a, std::move(out));
    return;
  }
  AdaptiveConcurrency::Slot slot = window_.acquire(a.source.size >= settings_.apply.small_file_size);
  const uint64_t throttled_before = ctx_.retry_budget->throttled();
  DestinationExpectation expect;
  expect.kind =
      a.kind == ActionKind::Add ? DestinationExpectation::Kind::Absent : DestinationExpectation::Kind::Unchanged;
  expect.meta = a.destination;
  expect.check_by_reading = !settings_.mirror;
  const std::string& dst_key = a.has_destination ? a.destination.key : a.source.key;
  auto r = transfer_object(source_, key_of(a.source.key), a.source, destination_, key_of(dst_key), expect,
                           settings_.transfer, &progress_, ctx_);
  window_.release(slot, ctx_.retry_budget->throttled() > throttled_before);
  {
    std::lock_guard lock(report_mutex_);
    if (r.ok()) {
      out.outcome = OutcomeKind::Done;
      out.message.clear();
      out.bytes = r->bytes;
      bytes_transferred_ += r->bytes;
      if (callbacks_.on_done) callbacks_.on_done(a, &r.value());
    } else {
      ++failures_;
      out.error = r.status().code();
      out.outcome = out.error == ErrorCode::Conflict ? OutcomeKind::Conflict : OutcomeKind::Failed;
      out.message = r.status().to_string();
      out.status = r.status();
      log(LogLevel::Warn, "{} '{}' failed: {}", action_kind_name(a.kind), a.path, out.message);
    }
    if (callbacks_.on_outcome) callbacks_.on_outcome(job.index, a, std::move(out));
  }
  progress_.file_done(a.path);
}

void ActionPipeline::report(size_t index, const PlanAction& action, ActionOutcome&& outcome) {
  std::lock_guard lock(report_mutex_);
  if (callbacks_.on_outcome) callbacks_.on_outcome(index, action, std::move(outcome));
}

ActionPipeline::Result ActionPipeline::finish(const std::vector<UnreadableEntry>& unreadable,
                                              std::string withhold_deletions) {
  {
    std::lock_guard lock(queue_mutex_);
    closed_ = true;
  }
  queue_changed_.notify_all();
  for (std::thread& worker : workers_) worker.join();
  workers_.clear();
  if (next_index_ == 0) progress_.set_phase(ProgressEvent::Phase::Transferring);
  if (window_.lowest_window() < window_options_.initial) {
    log(LogLevel::Info, "the store asked to slow down: {} transfers in flight at the least, {} at the end",
        window_.lowest_window(), window_.window());
  }

  Result result;
  result.submitted = next_index_;
  // What the source listing could not read fails the run (and so withholds
  // every deletion): a partial listing must never pass for a whole one.
  for (const UnreadableEntry& entry : unreadable) {
    PlanAction unread;
    unread.path = entry.key;
    ActionOutcome out;
    out.action = ActionKind::Skip;
    out.path = entry.key;
    out.outcome = OutcomeKind::Failed;
    out.error = entry.reason.code();
    out.status = entry.reason;
    out.message = "could not be read at the source: " + entry.reason.to_string();
    report(next_index_++, unread, std::move(out));
  }

  // Deletions come last and only after a clean run: a failed transfer or a
  // cancellation may mean the source listing was not what it seemed.
  if (!deletions_.empty()) {
    const size_t unread = unreadable.size();
    const std::optional<uint64_t>& max_delete = settings_.apply.max_delete;
    std::string& reason = result.deletes_skipped_reason;
    if (!withhold_deletions.empty()) {
      reason = std::move(withhold_deletions);
    } else if (ctx_.cancelled()) {
      reason = "the operation was cancelled; nothing was deleted";
    } else if (failures_ > 0) {
      reason = fmt::format("{} transfer(s) did not complete; nothing was deleted", failures_);
    } else if (unread > 0) {
      reason = fmt::format("the source listing could not read {} entr{}; nothing was deleted", unread,
                           unread == 1 ? "y" : "ies");
    } else if (max_delete && deletions_.size() > *max_delete) {
      result.deletions_over_limit = true;
      reason = fmt::format("the plan deletes {} objects, more than max_delete ({}); nothing was deleted",
                           deletions_.size(), *max_delete);
    }
    if (reason.empty()) {
      run_deletions();
    } else {
      for (const Deletion& d : deletions_) {
        PlanAction holder;
        const PlanAction& a = d.action(holder);
        ActionOutcome out = outcome_for(a);
        out.message = reason;
        report(d.index, a, std::move(out));
      }
    }
  }
  progress_.finish();
  result.bytes_transferred = bytes_transferred_;
  return result;
}

void ActionPipeline::run_deletions() {
  progress_.set_phase(ProgressEvent::Phase::Deleting);
  std::vector<Path> batch;
  std::vector<const Deletion*> batch_of;
  const uint32_t max_batch = std::max<uint32_t>(destination_.capabilities().max_batch_delete, 1);
  auto flush = [&] {
    if (batch.empty()) return;
    auto results = destination_.remove_many(batch, ctx_);
    for (size_t k = 0; k < batch.size(); ++k) {
      PlanAction holder;
      const PlanAction& a = batch_of[k]->action(holder);
      ActionOutcome out = outcome_for(a);
      Status s = results.ok() ? (*results)[k] : results.status();
      {
        std::lock_guard lock(report_mutex_);
        if (s.ok()) {
          out.outcome = OutcomeKind::Done;
          out.message.clear();
          if (callbacks_.on_done) callbacks_.on_done(a, nullptr);
        } else {
          out.outcome = OutcomeKind::Failed;
          out.error = s.code();
          out.message = s.to_string();
          out.status = s;
        }
        if (callbacks_.on_outcome) callbacks_.on_outcome(batch_of[k]->index, a, std::move(out));
      }
      progress_.file_done(a.path);
    }
    batch.clear();
    batch_of.clear();
  };
  const bool local = destination_.local_root().has_value();
  for (const Deletion& d : deletions_) {
    PlanAction holder;
    const PlanAction& a = d.action(holder);
    ActionOutcome out = outcome_for(a);
    if (!allowed(settings_.apply.dry_run, out, "delete")) {
      report(d.index, a, std::move(out));
      continue;
    }
    Path key = key_of(a.destination.key);
    if (local) {
      // A local file edited after planning is a change, not an extraneous file.
      auto now = destination_.head(key, ctx_);
      if (now.ok() && now->etag != a.destination.etag) {
        out.outcome = OutcomeKind::Conflict;
        out.message = "changed at the destination after planning; not deleted";
        report(d.index, a, std::move(out));
        continue;
      }
    }
    batch.push_back(std::move(key));
    batch_of.push_back(&d);
    if (batch.size() >= max_batch) flush();
  }
  flush();
}

}  // namespace cloudsync
