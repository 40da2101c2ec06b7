// Applies a Plan: transfers in parallel, then deletions, each destructive step
// behind the one dry-run gate.
#pragma once

#include <functional>

#include "cloudsync/sync.hpp"
#include "transfer/progress_tracker.hpp"
#include "sync/planner.hpp"
#include "transfer/transfer.hpp"

namespace cloudsync {

struct ExecuteHooks {
  /// Called after each action succeeded (never in a dry run), one call at a
  /// time. `transfer` is null for deletions.
  std::function<void(const PlanAction& action, const TransferResult* transfer)> on_done;
};

Result<SyncReport> execute_plan(const Plan& plan, StorageBackend& source, StorageBackend& destination,
                                const ApplyOptions& options, const TransferOptions& transfer_options,
                                ProgressTracker& progress, const ExecuteHooks& hooks, const OpContext& ctx);

/// What a listing found, and what it could not read.
struct Listing {
  std::vector<ObjectMeta> objects;
  std::vector<UnreadableEntry> unreadable;
};

/// Lists `folders` (segment-aware prefixes; empty = everything) of a backend
/// into `visit`, each object once, one page at a time. What could not be read
/// is appended to `unreadable`. A destination whose root does not exist yet
/// lists as empty; a missing source is an error.
Status visit_folders(StorageBackend& backend, const std::vector<Path>& folders, bool missing_is_empty,
                     const std::function<void(const ObjectMeta&)>& visit, std::vector<UnreadableEntry>& unreadable,
                     const OpContext& ctx);

/// Lists `folders` (segment-aware prefixes; empty = everything) of a backend.
/// A destination whose root does not exist yet lists as empty; a missing
/// source is an error.
Result<Listing> list_folders(StorageBackend& backend, const std::vector<Path>& folders, bool missing_is_empty,
                             const OpContext& ctx);

/// Lazily hashes objects of backends that keep plain local files.
std::function<Result<HashSet>(Side, const ObjectMeta&, HashKinds)> local_hasher(StorageBackend& source,
                                                                                StorageBackend& destination,
                                                                                const OpContext& ctx);

/// Heads objects of either backend (PlanInput::head). The backends must
/// outlive the planning.
std::function<Result<ObjectMeta>(Side, const ObjectMeta&)> object_header(StorageBackend& source,
                                                                         StorageBackend& destination,
                                                                         const OpContext& ctx);

}  // namespace cloudsync
