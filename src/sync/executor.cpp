#include "sync/executor.hpp"

#include <chrono>
#include <mutex>
#include <algorithm>
#include <set>
#include <utility>

#include "core/error.hpp"
#include "core/log.hpp"
#include "core/parallel.hpp"
#include "http/retry_budget.hpp"
#include "sync/adaptive_concurrency.hpp"

namespace cloudsync {

namespace {

// The single gate in front of every destructive step: in a dry run it records
// what would have happened and says no.
class Gate {
 public:
  explicit Gate(bool dry_run) : dry_run_(dry_run) {}
  bool allow(ActionOutcome& outcome, std::string_view what) const {
    if (!dry_run_) return true;
    outcome.outcome = OutcomeKind::DryRun;
    outcome.message = fmt::format("would {} (dry run)", what);
    return false;
  }

 private:
  bool dry_run_;
};

ActionOutcome outcome_for(const PlanAction& a) {
  ActionOutcome o;
  o.action = a.kind;
  o.path = a.path;
  o.message = a.reason;
  o.outcome = a.kind == ActionKind::Conflict ? OutcomeKind::Conflict : OutcomeKind::Skipped;
  return o;
}

Path key_of(const std::string& key) {
  // Plans only carry actionable keys that passed Path validation.
  auto p = Path::parse(key);
  return p.ok() ? *p : Path();
}

}  // namespace

Result<SyncReport> execute_plan(const Plan& plan, StorageBackend& source, StorageBackend& destination,
                                const ApplyOptions& options, const TransferOptions& transfer_options,
                                ProgressTracker& progress, const ExecuteHooks& hooks, const OpContext& caller_ctx) {
  // One retry budget for the whole run (unless the caller brought one): when
  // the store fails every request, the files after the first few fail fast.
  RetryBudget budget;
  OpContext ctx = caller_ctx;
  if (ctx.retry_budget == nullptr) ctx.retry_budget = &budget;
  auto started = std::chrono::steady_clock::now();
  size_t deletes = plan.count(ActionKind::Delete);
  if (options.max_delete && deletes > *options.max_delete) {
    return make_error(ErrorCode::LimitExceeded,
                      "the plan deletes {} objects, more than max_delete ({}); nothing was changed", deletes,
                      *options.max_delete);
  }
  Gate gate(options.dry_run);
  SyncReport report;
  report.dry_run = options.dry_run;
  report.unchanged = plan.unchanged_count;
  report.outcomes.reserve(plan.actions.size());
  std::vector<size_t> transfers, removals;
  uint64_t total_bytes = 0;
  for (size_t i = 0; i < plan.actions.size(); ++i) {
    const PlanAction& a = plan.actions[i];
    report.outcomes.push_back(outcome_for(a));
    if (a.kind == ActionKind::Add || a.kind == ActionKind::Update) {
      transfers.push_back(i);
      total_bytes += a.source.size;
    } else if (a.kind == ActionKind::Delete) {
      removals.push_back(i);
    }
  }
  // What the source listing could not read fails the run (and so withholds
  // every deletion): a partial listing must never pass for a whole one.
  for (const UnreadableEntry& entry : plan.unreadable) {
    ActionOutcome out;
    out.action = ActionKind::Skip;
    out.path = entry.key;
    out.outcome = OutcomeKind::Failed;
    out.error = entry.reason.code();
    out.status = entry.reason;
    out.message = "could not be read at the source: " + entry.reason.to_string();
    report.outcomes.push_back(std::move(out));
  }
  const size_t unread = plan.unreadable.size();
  progress.set_totals(transfers.size() + removals.size(), total_bytes);
  if (!options.dry_run && options.sweep_interrupted_uploads && !transfers.empty()) {
    SweepOptions sweep;
    sweep.older_than = options.sweep_older_than;
    auto swept = destination.sweep_interrupted_uploads(sweep, ctx);
    // Housekeeping: a store that will not say (no permission to list
    // uploads) must not stop the transfers themselves.
    if (!swept.ok()) log(LogLevel::Warn, "could not clean up interrupted uploads: {}", swept.status().to_string());
  }
  progress.set_phase(ProgressEvent::Phase::Transferring);

  std::mutex mutex;
  std::atomic<size_t> failures{0};
  const uint32_t large_cap = std::max<uint32_t>(options.transfers, 1);
  AdaptiveConcurrency::Options window_options;
  window_options.initial = std::max(options.small_file_transfers            ? options.small_file_transfers
                                    : large_cap >= ApplyOptions{}.transfers ? 4 * large_cap
                                                                            : large_cap,
                                    large_cap);
  window_options.large_cap = large_cap;
  AdaptiveConcurrency window(window_options);
  auto throttled_so_far = [&] { return ctx.retry_budget->throttled(); };
  parallel_for(
      transfers.size(), window_options.initial,
      [&](size_t t) {
        size_t i = transfers[t];
        const PlanAction& a = plan.actions[i];
        ActionOutcome& out = report.outcomes[i];
        if (ctx.cancelled()) return;  // marked below
        if (!gate.allow(out, a.kind == ActionKind::Add ? "copy" : "update")) {
          out.bytes = a.source.size;
          return;
        }
        AdaptiveConcurrency::Slot slot = window.acquire(a.source.size >= options.small_file_size);
        const uint64_t throttled_before = throttled_so_far();
        DestinationExpectation expect;
        expect.kind =
            a.kind == ActionKind::Add ? DestinationExpectation::Kind::Absent : DestinationExpectation::Kind::Unchanged;
        expect.meta = a.destination;
        expect.check_by_reading = !plan.mirror;
        const std::string& dst_key = a.has_destination ? a.destination.key : a.source.key;
        auto r = transfer_object(source, key_of(a.source.key), a.source, destination, key_of(dst_key), expect,
                                 transfer_options, &progress, ctx);
        window.release(slot, throttled_so_far() > throttled_before);
        std::lock_guard lock(mutex);
        if (r.ok()) {
          out.outcome = OutcomeKind::Done;
          out.message.clear();
          out.bytes = r->bytes;
          report.bytes_transferred += r->bytes;
          if (hooks.on_done) hooks.on_done(a, &r.value());
        } else {
          ++failures;
          out.error = r.status().code();
          out.outcome = out.error == ErrorCode::Conflict ? OutcomeKind::Conflict : OutcomeKind::Failed;
          out.message = r.status().to_string();
          out.status = r.status();
          log(LogLevel::Warn, "{} '{}' failed: {}", action_kind_name(a.kind), a.path, out.message);
        }
        progress.file_done(a.path);
      },
      ctx.cancel);
  if (window.lowest_window() < window_options.initial) {
    log(LogLevel::Info, "the store asked to slow down: {} transfers in flight at the least, {} at the end",
        window.lowest_window(), window.window());
  }
  if (ctx.cancelled()) {
    for (size_t i : transfers) {
      ActionOutcome& out = report.outcomes[i];
      if (out.outcome != OutcomeKind::Skipped) continue;  // attempted or dry run
      out.outcome = OutcomeKind::Failed;
      out.error = ErrorCode::Cancelled;
      out.message = "cancelled before it started";
      ++failures;
    }
  }

  // Deletions come last and only after a clean run: a failed transfer or a
  // cancellation may mean the source listing was not what it seemed.
  if (!removals.empty()) {
    if (failures > 0 || unread > 0 || ctx.cancelled()) {
      report.deletes_skipped_reason =
          ctx.cancelled() ? "the operation was cancelled; nothing was deleted"
          : failures > 0  ? fmt::format("{} transfer(s) did not complete; nothing was deleted", failures.load())
                          : fmt::format("the source listing could not read {} entr{}; nothing was deleted", unread,
                                       unread == 1 ? "y" : "ies");
      for (size_t i : removals) report.outcomes[i].message = report.deletes_skipped_reason;
    } else {
      progress.set_phase(ProgressEvent::Phase::Deleting);
      std::vector<Path> batch;
      std::vector<size_t> batch_index;
      uint32_t max_batch = std::max<uint32_t>(destination.capabilities().max_batch_delete, 1);
      auto flush = [&] {
        if (batch.empty()) return;
        auto results = destination.remove_many(batch, ctx);
        for (size_t k = 0; k < batch.size(); ++k) {
          size_t i = batch_index[k];
          ActionOutcome& out = report.outcomes[i];
          Status s = results.ok() ? (*results)[k] : results.status();
          if (s.ok()) {
            out.outcome = OutcomeKind::Done;
            out.message.clear();
            if (hooks.on_done) hooks.on_done(plan.actions[i], nullptr);
          } else {
            out.outcome = OutcomeKind::Failed;
            out.error = s.code();
            out.message = s.to_string();
            out.status = s;
          }
          progress.file_done(plan.actions[i].path);
        }
        batch.clear();
        batch_index.clear();
      };
      bool local = destination.local_root().has_value();
      for (size_t i : removals) {
        const PlanAction& a = plan.actions[i];
        ActionOutcome& out = report.outcomes[i];
        if (!gate.allow(out, "delete")) continue;
        Path key = key_of(a.destination.key);
        if (local) {
          // A local file edited after planning is a change, not an extraneous file.
          auto now = destination.head(key, ctx);
          if (now.ok() && now->etag != a.destination.etag) {
            out.outcome = OutcomeKind::Conflict;
            out.message = "changed at the destination after planning; not deleted";
            continue;
          }
        }
        batch.push_back(key);
        batch_index.push_back(i);
        if (batch.size() >= max_batch) flush();
      }
      flush();
    }
  }
  progress.finish();
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

Status visit_folders(StorageBackend& backend, const std::vector<Path>& folders, bool missing_is_empty,
                     const std::function<void(const ObjectMeta&)>& visit, std::vector<UnreadableEntry>& unreadable,
                     const OpContext& ctx) {
  std::vector<std::string> prefixes;
  for (const Path& f : folders) prefixes.push_back(f.is_root() ? std::string() : f.str() + "/");
  if (folders.empty()) prefixes.emplace_back();
  // A folder inside another selected one (or the same one twice) is listed
  // with it, not again: every object reaches the visitor once, while two
  // objects sharing a key (Drive duplicates, told apart by their IDs) both do.
  std::sort(prefixes.begin(), prefixes.end());
  std::vector<std::string> outermost;
  for (std::string& prefix : prefixes) {
    if (outermost.empty() || !prefix.starts_with(outermost.back())) outermost.push_back(std::move(prefix));
  }
  for (const std::string& prefix : outermost) {
    ListOptions opts;
    opts.prefix = prefix;
    Status s = backend.list(
        opts,
        [&](const ObjectMeta& m) {
          visit(m);
          return Status::OK();
        },
        ctx,
        [&](const UnreadableEntry& entry) {
          log(LogLevel::Warn, "listing {}: could not read '{}': {}", backend.describe(), entry.key,
              entry.reason.to_string());
          unreadable.push_back(entry);
        });
    if (!s.ok()) {
      if (missing_is_empty && s.code() == ErrorCode::NotFound) continue;
      return s.with_context(fmt::format("listing {}", backend.describe()));
    }
  }
  return Status::OK();
}

Result<Listing> list_folders(StorageBackend& backend, const std::vector<Path>& folders, bool missing_is_empty,
                             const OpContext& ctx) {
  Listing out;
  CLOUDSYNC_RETURN_IF_ERROR(visit_folders(
      backend, folders, missing_is_empty, [&](const ObjectMeta& m) { out.objects.push_back(m); }, out.unreadable, ctx));
  return out;
}

std::function<Result<HashSet>(Side, const ObjectMeta&, HashKinds)> local_hasher(StorageBackend& source,
                                                                                StorageBackend& destination,
                                                                                const OpContext& ctx) {
  auto src_root = source.local_root();
  auto dst_root = destination.local_root();
  return [src_root, dst_root, ctx](Side side, const ObjectMeta& meta, HashKinds wanted) -> Result<HashSet> {
    const auto& root = side == Side::Source ? src_root : dst_root;
    if (!root) return Status(ErrorCode::Unsupported, "remote objects are not hashed locally");
    CLOUDSYNC_ASSIGN_OR_RETURN(Path key, Path::parse(meta.key));
    return hash_local_file(root->anchor, root->key_path(key), wanted, ctx);
  };
}

std::function<Result<ObjectMeta>(Side, const ObjectMeta&)> object_header(StorageBackend& source,
                                                                         StorageBackend& destination,
                                                                         const OpContext& ctx) {
  return [&source, &destination, ctx](Side side, const ObjectMeta& meta) -> Result<ObjectMeta> {
    CLOUDSYNC_ASSIGN_OR_RETURN(Path key, Path::parse(meta.key));
    return (side == Side::Source ? source : destination).head(key, ctx);
  };
}

}  // namespace cloudsync
