#include "sync/executor.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

#include "core/error.hpp"
#include "core/log.hpp"
#include "sync/action_pipeline.hpp"

namespace cloudsync {

Result<SyncReport> execute_plan(const Plan& plan, StorageBackend& source, StorageBackend& destination,
                                const ApplyOptions& options, const TransferOptions& transfer_options,
                                ProgressTracker& progress, const ExecuteHooks& hooks, const OpContext& ctx) {
  auto started = std::chrono::steady_clock::now();
  // The whole plan is known, so the deletion limit refuses it before anything changes.
  size_t deletes = plan.count(ActionKind::Delete);
  if (options.max_delete && deletes > *options.max_delete) {
    return make_error(ErrorCode::LimitExceeded,
                      "the plan deletes {} objects, more than max_delete ({}); nothing was changed", deletes,
                      *options.max_delete);
  }
  SyncReport report;
  report.dry_run = options.dry_run;
  report.unchanged = plan.unchanged_count;
  report.outcomes.resize(plan.actions.size() + plan.unreadable.size());
  size_t transfers = 0;
  uint64_t total_bytes = 0;
  for (const PlanAction& a : plan.actions) {
    if (a.kind == ActionKind::Add || a.kind == ActionKind::Update) {
      ++transfers;
      total_bytes += a.source.size;
    }
  }
  progress.set_totals(transfers + deletes, total_bytes);

  ActionPipeline::Settings settings;
  settings.apply = options;
  settings.transfer = transfer_options;
  settings.mirror = plan.mirror;
  settings.worker_limit = transfers;
  ActionPipeline::Callbacks callbacks;
  callbacks.on_done = hooks.on_done;
  callbacks.on_outcome = [&](size_t index, const PlanAction&, ActionOutcome&& outcome) {
    report.outcomes[index] = std::move(outcome);
  };
  ActionPipeline pipeline(source, destination, std::move(settings), progress, std::move(callbacks), ctx);
  for (const PlanAction& a : plan.actions) pipeline.submit(a);
  ActionPipeline::Result result = pipeline.finish(plan.unreadable);
  report.bytes_transferred = result.bytes_transferred;
  report.deletes_skipped_reason = std::move(result.deletes_skipped_reason);
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
