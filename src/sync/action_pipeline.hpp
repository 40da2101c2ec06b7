// Runs a plan's actions as they are handed in, so that a plan never has to be
// held whole: transfers go to a pool of workers through a bounded queue (the
// caller waits while it is full, so memory stays bounded whatever the plan's
// size), deletions are kept compactly until every transfer has ended and run
// only after a clean run, and each action's outcome is handed back as it is
// known. execute_plan feeds it a whole Plan (its actions borrowed), run_sync
// the planner's actions as they are decided (owned): one code path for both,
// and for dry runs.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cloudsync/sync.hpp"
#include "http/retry_budget.hpp"
#include "sync/adaptive_concurrency.hpp"
#include "transfer/progress_tracker.hpp"
#include "transfer/transfer.hpp"

namespace cloudsync {

class ActionPipeline {
 public:
  struct Callbacks {
    /// Each action's outcome, once, as it is known (one call at a time, from
    /// any thread). `index`: the action's place in the order it was submitted.
    std::function<void(size_t index, const PlanAction& action, ActionOutcome&& outcome)> on_outcome;
    /// After each action that succeeded (never in a dry run), one call at a
    /// time; `transfer` is null for deletions.
    std::function<void(const PlanAction& action, const TransferResult* transfer)> on_done;
  };

  struct Settings {
    ApplyOptions apply;
    TransferOptions transfer;
    /// Plan::mirror: without a baseline a destination object that appeared
    /// after planning is overwritten rather than read first.
    bool mirror = true;
    /// The progress totals grow with each action submitted (set_totals was
    /// not called with the whole plan's).
    bool count_totals = false;
    /// Workers to start at most (a whole plan's transfer count).
    size_t worker_limit = SIZE_MAX;
  };

  /// The backends, `progress` and `ctx` (with its retry budget) must outlive the pipeline.
  ActionPipeline(StorageBackend& source, StorageBackend& destination, Settings settings, ProgressTracker& progress,
                 Callbacks callbacks, const OpContext& ctx);
  ~ActionPipeline();
  ActionPipeline(const ActionPipeline&) = delete;
  ActionPipeline& operator=(const ActionPipeline&) = delete;

  /// Hands over an action that stays alive, unchanged, until finish() returns.
  void submit(const PlanAction& action);
  /// Hands over an action to keep for as long as it is needed (a deletion
  /// only as its path, key, etag and size).
  void submit(PlanAction&& action);

  struct Result {
    size_t submitted = 0;  ///< indices [0, submitted) were handed out; unreadable entries follow
    uint64_t bytes_transferred = 0;
    std::string deletes_skipped_reason;
    /// The deletions did not run because there were more than max_delete.
    bool deletions_over_limit = false;
  };
  /// Waits for every transfer, reports each entry the source listing could
  /// not read as a failure (which withholds the deletions), then runs the
  /// deletions unless a transfer failed, the run was cancelled,
  /// `withhold_deletions` gives a reason, or there are more than max_delete.
  Result finish(const std::vector<UnreadableEntry>& unreadable, std::string withhold_deletions = {});

 private:
  struct Job {
    size_t index = 0;
    const PlanAction* action = nullptr;  // borrowed, or &*owned
    std::unique_ptr<PlanAction> owned;   // kept alive while the job is queued or running
  };
  struct Deletion {
    size_t index = 0;
    const PlanAction* borrowed = nullptr;  // else the fields below
    std::string path, key, etag, reason;
    uint64_t size = 0;
    /// The action: the borrowed one, or one rebuilt in `holder`.
    const PlanAction& action(PlanAction& holder) const;
  };

  void enqueue(size_t index, const PlanAction* action, std::unique_ptr<PlanAction> owned);
  bool settle_without_running(size_t index, const PlanAction& action);
  void start_workers();
  void work();
  void transfer(const Job& job);
  void report(size_t index, const PlanAction& action, ActionOutcome&& outcome);
  void run_deletions();

  StorageBackend& source_;
  StorageBackend& destination_;
  const Settings settings_;
  ProgressTracker& progress_;
  const Callbacks callbacks_;
  RetryBudget budget_;  // one for the whole run, unless the caller brought one
  OpContext ctx_;
  AdaptiveConcurrency::Options window_options_;
  AdaptiveConcurrency window_;

  size_t next_index_ = 0;
  bool swept_ = false;
  std::vector<Deletion> deletions_;

  std::mutex queue_mutex_;
  std::condition_variable queue_changed_;
  std::deque<Job> queue_;
  bool closed_ = false;
  std::vector<std::thread> workers_;

  std::mutex report_mutex_;  // serialises on_outcome and on_done, guards the totals below
  size_t failures_ = 0;
  uint64_t bytes_transferred_ = 0;
};

}  // namespace cloudsync
