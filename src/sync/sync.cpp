// The public tree-sync entry points and the Plan/SyncReport value helpers.
#include "cloudsync/sync.hpp"

#include <chrono>

#include "core/error.hpp"
#include "core/log.hpp"
#include "core/parallel.hpp"
#include "sync/action_pipeline.hpp"
#include "sync/executor.hpp"
#include "sync/planner.hpp"

namespace cloudsync {

std::string_view action_kind_name(ActionKind kind) {
  switch (kind) {
    case ActionKind::Add: return "add";
    case ActionKind::Update: return "update";
    case ActionKind::Delete: return "delete";
    case ActionKind::Conflict: return "conflict";
    case ActionKind::Skip: return "skip";
  }
  return "unknown";
}

std::string_view outcome_kind_name(OutcomeKind kind) {
  switch (kind) {
    case OutcomeKind::Done: return "done";
    case OutcomeKind::DryRun: return "dry_run";
    case OutcomeKind::Failed: return "failed";
    case OutcomeKind::Conflict: return "conflict";
    case OutcomeKind::Skipped: return "skipped";
  }
  return "unknown";
}

size_t Plan::count(ActionKind kind) const {
  size_t n = 0;
  for (const PlanAction& a : actions) n += a.kind == kind;
  return n;
}

uint64_t Plan::bytes_to_transfer() const {
  uint64_t n = 0;
  for (const PlanAction& a : actions) {
    if (a.kind == ActionKind::Add || a.kind == ActionKind::Update) n += a.source.size;
  }
  return n;
}

size_t SyncReport::count(OutcomeKind kind) const {
  size_t n = 0;
  for (const ActionOutcome& o : outcomes) n += o.outcome == kind;
  return n;
}

size_t SyncReport::count(ActionKind action, OutcomeKind kind) const {
  size_t n = 0;
  for (const ActionOutcome& o : outcomes) n += o.action == action && o.outcome == kind;
  return n;
}

namespace {

// A failed outcome as a Status: the failure itself when kept, else made from its code and message.
Status failure_of(const ActionOutcome& o) {
  if (!o.status.ok()) return o.status;
  return Status(o.error == ErrorCode::Ok ? ErrorCode::Internal : o.error, o.path + ": " + o.message);
}

TransferOptions transfer_options_of(const ApplyOptions& options) {
  TransferOptions transfer;
  transfer.part_concurrency = options.part_concurrency;
  transfer.download_streams = options.download_streams;
  transfer.ignore_checksum = options.ignore_checksum;
  return transfer;
}

}  // namespace

Status SyncReport::first_error() const {
  for (const ActionOutcome& o : outcomes) {
    if (o.outcome == OutcomeKind::Failed) return failure_of(o);
  }
  return Status::OK();
}

void SyncSummary::add(const PlanAction& action, const ActionOutcome& outcome) {
  const auto a = static_cast<size_t>(outcome.action), o = static_cast<size_t>(outcome.outcome);
  if (a < kKinds && o < kKinds) ++counts_[a][o];
  if (action.kind == ActionKind::Add || action.kind == ActionKind::Update) bytes_planned += action.source.size;
  if (outcome.outcome == OutcomeKind::Failed || outcome.outcome == OutcomeKind::Conflict) {
    if (attention.size() < kMaxAttention) {
      attention.push_back(outcome);
    } else {
      ++attention_omitted;
    }
  }
  if (outcome.outcome == OutcomeKind::Failed && first_error.ok()) first_error = failure_of(outcome);
}

size_t SyncSummary::count(OutcomeKind kind) const {
  size_t n = 0;
  const auto o = static_cast<size_t>(kind);
  for (const auto& by_outcome : counts_) n += o < kKinds ? by_outcome[o] : 0;
  return n;
}

size_t SyncSummary::count(ActionKind action, OutcomeKind kind) const {
  const auto a = static_cast<size_t>(action), o = static_cast<size_t>(kind);
  return a < kKinds && o < kKinds ? counts_[a][o] : 0;
}

namespace {
Result<std::vector<Path>> parse_folders(const std::vector<std::string>& folders) {
  std::vector<Path> out;
  for (std::string f : folders) {
    while (!f.empty() && f.back() == '/') f.pop_back();
    CLOUDSYNC_ASSIGN_OR_RETURN(Path p, Path::parse(f));
    out.push_back(std::move(p));
  }
  return out;
}
}  // namespace

Result<Plan> plan_sync(StorageBackend& source, StorageBackend& destination, const SyncOptions& options,
                       const CancelToken* cancel) {
  OpContext ctx{cancel};
  CLOUDSYNC_ASSIGN_OR_RETURN(std::vector<Path> folders, parse_folders(options.folders));
  PlanInput input;
  input.source_name = source.describe();
  input.destination_name = destination.describe();
  input.source_caps = source.capabilities();
  input.destination_caps = destination.capabilities();
  // Straight from the listing pages into the compact form (no ObjectMeta is
  // kept per object), both ends at once: a listing mostly waits (on the
  // store, or on the kernel's stat of each file).
  const bool fold = needs_case_folding(input.source_caps, input.destination_caps);
  input.source_listing = ListingIndex(fold);
  input.destination_listing = ListingIndex(fold);
  std::vector<UnreadableEntry> destination_unreadable;  // only the source's gaps guard deletions
  Status listed[2];
  const auto listing_started = std::chrono::steady_clock::now();
  parallel_for(2, 2, [&](size_t end) {
    if (end == 0) {
      listed[0] = visit_folders(
          source, folders, false, [&](const ObjectMeta& m) { input.source_listing.add(m); }, input.source_unreadable,
          ctx);
    } else {
      listed[1] = visit_folders(
          destination, folders, true, [&](const ObjectMeta& m) { input.destination_listing.add(m); },
          destination_unreadable, ctx);
    }
  });
  CLOUDSYNC_RETURN_IF_ERROR(listed[0]);
  CLOUDSYNC_RETURN_IF_ERROR(listed[1]);
  log(LogLevel::Debug, "listed {} source and {} destination entries in {:.3f} s", input.source_listing.size(),
      input.destination_listing.size(),
      std::chrono::duration<double>(std::chrono::steady_clock::now() - listing_started).count());
  input.on_action = options.on_action;
  input.delete_extraneous = options.delete_extraneous;
  for (const Path& folder : folders) input.folders.push_back(folder.str());
  input.checksum = options.checksum;
  input.modify_window = options.modify_window;
  input.hash = local_hasher(source, destination, ctx);
  input.head = object_header(source, destination, ctx);
  return compute_plan(std::move(input));
}

Result<SyncReport> apply_plan(const Plan& plan, StorageBackend& source, StorageBackend& destination,
                              const ApplyOptions& options, const ProgressCallback& progress,
                              const CancelToken* cancel) {
  if (plan.source != source.describe() || plan.destination != destination.describe()) {
    return make_error(ErrorCode::InvalidArgument, "this plan was made for {} -> {}, not {} -> {}", plan.source,
                      plan.destination, source.describe(), destination.describe());
  }
  // The operation's own token: the progress callback can cancel it, and it
  // follows the caller's.
  CancelToken token(cancel);
  OpContext ctx{&token};
  ProgressTracker tracker(progress, &token);
  return execute_plan(plan, source, destination, options, transfer_options_of(options), tracker, {}, ctx);
}

Result<SyncSummary> run_sync(StorageBackend& source, StorageBackend& destination, SyncOptions options,
                             const ApplyOptions& apply, const OutcomeCallback& on_outcome,
                             const ProgressCallback& progress, const CancelToken* cancel) {
  auto started = std::chrono::steady_clock::now();
  CancelToken token(cancel);
  OpContext ctx{&token};
  ProgressTracker tracker(progress, &token);
  ActionPipeline::Settings settings;
  settings.apply = apply;
  settings.transfer = transfer_options_of(apply);
  settings.count_totals = true;  // the totals grow as the planner decides
  // settings.mirror stays true: plan_sync plans without a baseline (Plan::mirror).
  SyncSummary summary;
  summary.dry_run = apply.dry_run;
  ActionPipeline::Callbacks callbacks;
  callbacks.on_outcome = [&](size_t, const PlanAction& action, ActionOutcome&& outcome) {
    summary.add(action, outcome);
    if (on_outcome) on_outcome(action, outcome);
  };
  ActionPipeline pipeline(source, destination, std::move(settings), tracker, std::move(callbacks), ctx);
  options.on_action = [&](PlanAction&& action) { pipeline.submit(std::move(action)); };
  auto plan = plan_sync(source, destination, options, &token);
  if (!plan.ok()) {
    // What was decided before the failure still ends as it would have; nothing is deleted.
    pipeline.finish({}, "planning failed: " + plan.status().to_string());
    return plan.status();
  }
  ActionPipeline::Result result = pipeline.finish(plan->unreadable);
  summary.bytes_transferred = result.bytes_transferred;
  summary.unchanged = plan->unchanged_count;
  summary.warnings = std::move(plan->warnings);
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (result.deletions_over_limit) return Status(ErrorCode::LimitExceeded, result.deletes_skipped_reason);
  summary.deletes_skipped_reason = std::move(result.deletes_skipped_reason);
  return summary;
}

}  // namespace cloudsync
