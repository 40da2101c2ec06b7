// One-way synchronisation between two backends, as a first-class plan.
//
// Planning lists both sides, matches names (Unicode NFC, case-folded when
// either side is case-insensitive), compares what it finds (size, then mtime
// within the stores' precision, then a shared hash) and, when a baseline from
// the last sync is known, tells a change at the source from a change at the
// destination: when both changed it reports a Conflict and never overwrites.
// The Plan is a value: it can be inspected, serialised to JSON and applied.
//
// Applying goes through one code path for real runs and dry runs, with one
// gate before every destructive step. Transfers run in parallel; deletions run
// after all transfers and only if none of them failed, and never beyond the
// max-delete guard.
//
// C++ API: source-stable within a major version, not binary-stable. Use it
// through the static library (cloudsync::cloudsync_static) or add_subdirectory();
// the shared library libcloudsync.so exports the C ABI (cloudsync.h) only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cloudsync/backend.hpp"
#include "cloudsync/export.hpp"
#include "cloudsync/progress.hpp"

namespace cloudsync {

enum class ActionKind {
  Add,       ///< copy a source object that the destination lacks
  Update,    ///< overwrite the destination with the changed source object
  Delete,    ///< remove a destination object that left the source (opt-in)
  Conflict,  ///< both sides changed, or an unclear state: left alone, reported
  Skip,      ///< cannot or must not be touched (invalid name, collision, pending change), reported
};
CLOUDSYNC_API std::string_view action_kind_name(ActionKind kind);

struct PlanAction {
  ActionKind kind = ActionKind::Skip;
  std::string path;        ///< key relative to both roots
  std::string reason;      ///< why, in words
  ObjectMeta source;       ///< the source object as listed (absent for deletes)
  ObjectMeta destination;  ///< the destination object as listed (absent for adds)
  bool has_source = false;
  bool has_destination = false;
};

struct CLOUDSYNC_API Plan {
  std::string source;       ///< where from (URL, no credentials)
  std::string destination;  ///< where to
  bool delete_extraneous = false;
  /// Planned without a baseline (rclone's sync): the destination is to
  /// become a copy of the source whatever it holds, so an object that appears
  /// there between planning and writing is overwritten like one seen while
  /// planning, and stores without conditional writes are not read before each
  /// write to find out. With a baseline (a workspace) nothing unseen is
  /// overwritten: it becomes a conflict.
  bool mirror = true;
  std::vector<PlanAction> actions;  ///< in path order
  /// Pairs already in sync (not serialised one by one). plan_sync only
  /// counts them (unchanged_count): a re-sync of a million objects would
  /// otherwise hold a million pairs to say that nothing is to be done.
  std::vector<PlanAction> unchanged;
  /// How many pairs are in sync, whether or not they are kept in `unchanged`.
  size_t unchanged_count = 0;
  std::vector<std::string> warnings;
  /// Entries the source listing could not read (a locked or vanished folder):
  /// no deletion at or below them is planned, and applying the plan reports
  /// each as a failure, so that nothing at all is deleted in that run.
  std::vector<UnreadableEntry> unreadable;

  size_t count(ActionKind kind) const;
  /// Bytes the adds and updates will move.
  uint64_t bytes_to_transfer() const;
};

/// JSON:
/// {"source","destination","delete_extraneous","summary":{...},"actions":[{"kind","path","reason","size",...}],"warnings"}.
CLOUDSYNC_API std::string plan_to_json(const Plan& plan);

/// Options for planning a tree sync between two backends.
struct SyncOptions {
  /// Also delete destination objects that are not at the source.
  bool delete_extraneous = false;
  /// Only these folders (segment-aware: "data" covers "data/x", not "data2/x"); empty = everything.
  std::vector<std::string> folders;
  /// Compare content hashes even when sizes and mtimes agree (slower, exact).
  bool checksum = false;
  /// Extra tolerance when comparing mtimes (added to the stores' precision).
  std::chrono::nanoseconds modify_window{0};
  /// When set, each action is handed over as it is decided (in match-key
  /// order: path order unless names are matched ignoring case or Unicode
  /// form; every guard already applied) instead of being kept in Plan::actions, so
  /// that a plan of a million objects needs no memory of its own: what is
  /// held is the two listings, about a hundred bytes an object.
  std::function<void(PlanAction&&)> on_action;
};

struct ApplyOptions {
  bool dry_run = false;
  /// Files transferred in parallel (files from small_file_size up).
  uint32_t transfers = 8;
  /// Small files (below small_file_size) in flight at once at most; 0: four
  /// times `transfers` when `transfers` is at its default or above, else
  /// `transfers` itself (a caller who lowered the limit keeps it: one at a
  /// time means one at a time). Each small file costs about one round trip, so across
  /// a network many at once hide the latency. A run starts there and adapts
  /// to the store: the window halves whenever the store answers "slow down"
  /// (503 SlowDown, 429, ServerBusy) and grows back by one after a window's
  /// worth of transfers without it.
  uint32_t small_file_transfers = 0;
  uint64_t small_file_size = 1u << 20;
  /// Refuse to apply a plan that deletes more than this many objects.
  std::optional<uint64_t> max_delete;
  /// Parts of one large object in flight at once.
  uint32_t part_concurrency = 4;
  /// Ranged GETs reading one large object (64 MiB and up) into a local
  /// folder at once, where the source serves ranges; 1: one stream. One
  /// connection across a region carries ~100 MB/s, several fill the link.
  uint32_t download_streams = 8;
  /// Skip whole-object checksums (rclone's --ignore-checksum): downloads are
  /// checked by size only, and uploads compute no whole-file hash up front
  /// (so an S3 multipart upload carries no x-amz-meta-cloudsync-crc32c; a
  /// single PUT still records a CRC32C, computed in the read of the source
  /// that its Content-MD5 or payload hash usually needs anyway). Per-request
  /// checksums stay.
  bool ignore_checksum = false;
  /// Before the first transfer, remove what interrupted uploads left at the
  /// destination (StorageBackend::sweep_interrupted_uploads): temporaries of
  /// killed runs, S3 multipart uploads older than sweep_older_than.
  bool sweep_interrupted_uploads = true;
  std::chrono::seconds sweep_older_than{std::chrono::hours(24)};
};

enum class OutcomeKind { Done, DryRun, Failed, Conflict, Skipped };
CLOUDSYNC_API std::string_view outcome_kind_name(OutcomeKind kind);

struct ActionOutcome {
  ActionKind action = ActionKind::Skip;
  std::string path;
  OutcomeKind outcome = OutcomeKind::Skipped;
  std::string message;  ///< error or reason
  ErrorCode error = ErrorCode::Ok;
  /// The failure itself, with its HTTP status, provider code and request id.
  Status status;
  uint64_t bytes = 0;
};

struct CLOUDSYNC_API SyncReport {
  bool dry_run = false;
  std::vector<ActionOutcome> outcomes;
  uint64_t bytes_transferred = 0;
  uint64_t unchanged = 0;
  /// Why deletions did not run, when they did not.
  std::string deletes_skipped_reason;
  double seconds = 0;

  size_t count(OutcomeKind kind) const;
  size_t count(ActionKind action, OutcomeKind kind) const;
  /// The first failure, as a Status (OK when nothing failed).
  Status first_error() const;
};

/// JSON: {"dry_run","summary":{...},"outcomes":[...],"bytes_transferred","deletes_skipped_reason","seconds"}.
CLOUDSYNC_API std::string report_to_json(const SyncReport& report);

/// What a run_sync came to, in numbers: its outcomes were handed over one by
/// one as they happened, and none is kept.
struct CLOUDSYNC_API SyncSummary {
  bool dry_run = false;
  /// Bytes the planned adds and updates move (what a dry run reports).
  uint64_t bytes_planned = 0;
  uint64_t bytes_transferred = 0;
  /// Pairs found in sync.
  uint64_t unchanged = 0;
  /// Why deletions did not run, when they did not.
  std::string deletes_skipped_reason;
  std::vector<std::string> warnings;
  double seconds = 0;
  /// The first failure, in the order they happened (OK when nothing failed).
  Status first_error;
  /// The outcomes that need attention (failed, conflict), in the order they
  /// came: the first kMaxAttention, and how many more there were.
  std::vector<ActionOutcome> attention;
  size_t attention_omitted = 0;
  static constexpr size_t kMaxAttention = 1000;

  /// Counts one outcome of `action` (and keeps it when it needs attention).
  void add(const PlanAction& action, const ActionOutcome& outcome);
  size_t count(OutcomeKind kind) const;
  size_t count(ActionKind action, OutcomeKind kind) const;

 private:
  static constexpr size_t kKinds = 5;   // ActionKind and OutcomeKind each have five
  size_t counts_[kKinds][kKinds] = {};  // [ActionKind][OutcomeKind]
};

/// JSON: the report_to_json form, with "outcomes" only the ones that need
/// attention (SyncSummary::attention; "outcomes_omitted": how many more),
/// and "bytes_planned" and "warnings".
CLOUDSYNC_API std::string summary_to_json(const SyncSummary& summary);

/// Called once per action of a run_sync, as its outcome is known (transfers
/// in the order they end, deletions last), one call at a time, from any thread.
using OutcomeCallback = std::function<void(const PlanAction& action, const ActionOutcome& outcome)>;

/// Plans making `destination` look like `source` (rclone's copy, or sync with
/// delete_extraneous). Without a baseline the source wins every difference.
CLOUDSYNC_API Result<Plan> plan_sync(StorageBackend& source, StorageBackend& destination, const SyncOptions& options,
                                     const CancelToken* cancel = nullptr);

/// Applies a plan made by plan_sync between the same two backends.
CLOUDSYNC_API Result<SyncReport> apply_plan(const Plan& plan, StorageBackend& source, StorageBackend& destination,
                                            const ApplyOptions& options, const ProgressCallback& progress = {},
                                            const CancelToken* cancel = nullptr);

/// plan_sync and apply_plan in one pass, for trees of any size: each transfer
/// starts as soon as the planner decides it (while later keys are still being
/// compared) and neither the plan nor the outcomes are held, so memory is the
/// two compact listings, a bounded queue of actions and the deletions (their
/// keys), whatever the number of objects. Deletions run last, after a clean
/// run, exactly as apply_plan runs them.
///
/// The one difference: max_delete is checked when the deletions are known,
/// after the transfers ran. More deletions than that delete nothing and end
/// the run with LimitExceeded (every outcome was handed over already). A
/// caller who needs the guard to change nothing at all plans first
/// (plan_sync, then apply_plan). options.on_action is not called.
CLOUDSYNC_API Result<SyncSummary> run_sync(StorageBackend& source, StorageBackend& destination, SyncOptions options,
                                           const ApplyOptions& apply, const OutcomeCallback& on_outcome = {},
                                           const ProgressCallback& progress = {}, const CancelToken* cancel = nullptr);

}  // namespace cloudsync
