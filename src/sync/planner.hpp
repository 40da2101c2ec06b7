// The sync planner: from two listings (and optionally the baseline of the last
// sync) to a Plan. Pure apart from the lazy hashing callback, so every rule is
// testable with in-memory listings.
//
// Both listings are put in match-key order and merged in one pass (rclone's
// march): each key is decided once, from its entries on either side, and an
// object is read back in full only when an action names it. Memory is the two
// compact listings (sync/listing_index.hpp), not a map of copies.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cloudsync/backend.hpp"
#include "cloudsync/sync.hpp"
#include "sync/listing_index.hpp"

namespace cloudsync {

/// What an object looked like when it was last synced.
struct Fingerprint {
  uint64_t size = 0;
  std::string etag;
  std::optional<TimePoint> mtime;
  HashSet hashes;

  friend bool operator==(const Fingerprint&, const Fingerprint&) = default;
};

/// Both sides of one path as they were after the last sync.
struct BaselineEntry {
  Fingerprint source;
  Fingerprint destination;
};

/// The last sync's record as the planner reads it: each path once, with a
/// handle that entry() turns into both sides' fingerprints when the plan
/// needs them. A workspace's manifest is read in place and unpacked path by
/// path (Manifest::pull_baseline): a baseline of a hundred thousand files is
/// neither copied nor held unpacked to be planned against.
class BaselineView {
 public:
  /// Names one path's record to entry(); valid as long as the view is.
  using Handle = const void*;
  using Visitor = std::function<void(std::string_view path, Handle handle)>;
  virtual ~BaselineView() = default;
  virtual void for_each(const Visitor& visit) const = 0;
  virtual BaselineEntry entry(Handle handle) const = 0;
};

/// A baseline held by value, path by path (tests, callers without a manifest).
class Baseline final : public BaselineView {
 public:
  BaselineEntry& operator[](const std::string& path) { return entries_[path]; }
  void for_each(const Visitor& visit) const override {
    for (const auto& [path, entry] : entries_) visit(path, &entry);
  }
  BaselineEntry entry(Handle handle) const override { return *static_cast<const BaselineEntry*>(handle); }

 private:
  std::map<std::string, BaselineEntry> entries_;
};

enum class Side { Source, Destination };

struct PlanInput {
  std::string source_name;
  std::string destination_name;
  std::vector<ObjectMeta> source;
  std::vector<ObjectMeta> destination;
  /// The same, held compactly: what plan_sync fills straight from the listing
  /// pages. Entries of both forms are planned together; build them with the
  /// case folding the two stores need (see needs_case_folding), or they are
  /// rebuilt.
  ListingIndex source_listing;
  ListingIndex destination_listing;
  /// What the source listing could not read: nothing at or below these keys
  /// is deleted at the destination, and the plan carries them (Plan::unreadable).
  std::vector<UnreadableEntry> source_unreadable;
  Capabilities source_caps;
  Capabilities destination_caps;
  /// With a baseline the plan is three-way: a change on one side only is told
  /// apart from a change on both (a Conflict), and only paths in the baseline
  /// can be extraneous. Without one, the source wins every difference.
  const BaselineView* baseline = nullptr;
  bool delete_extraneous = false;
  /// The selected folders the listings cover ("data", not "data/"); empty:
  /// everything. A folder whose source listing is empty deletes nothing.
  std::vector<std::string> folders;
  bool checksum = false;
  std::chrono::nanoseconds modify_window{0};
  /// Computes the hashes of an object when the comparison needs them and the
  /// listing has none (local files). `wanted`: the kinds the other side knows
  /// (any other would be computed in vain). Optional.
  std::function<Result<HashSet>(Side, const ObjectMeta&, HashKinds wanted)> hash;
  /// Reads an object's own metadata when its listing tells neither its mtime
  /// nor a hash (an S3 multipart object: ListObjectsV2 carries no metadata),
  /// so that a change that kept the size is not taken for no change. Optional.
  std::function<Result<ObjectMeta>(Side, const ObjectMeta&)> head;
  /// Which pairs found in sync to keep in Plan::unchanged: a workspace keeps
  /// those its records lack or describe differently, to record them. Every
  /// pair is counted (Plan::unchanged_count); unset, none is kept, so that a
  /// re-sync of a million objects in sync holds nothing to say so.
  std::function<bool(const ObjectMeta& source, const ObjectMeta& destination)> keep_unchanged;
  /// Hands each action over as it is decided, in match-key order, instead of
  /// keeping it in Plan::actions: a plan of a million actions then costs no
  /// memory of its own. Every guard is already applied to what it receives.
  std::function<void(PlanAction&&)> on_action;
};

/// Whether two stores' keys must be matched case-insensitively.
bool needs_case_folding(const Capabilities& source, const Capabilities& destination);

Result<Plan> compute_plan(const PlanInput& input);
/// The same, taking the listings over instead of copying them: the
/// ObjectMeta forms are moved into the compact ones and freed before the merge.
Result<Plan> compute_plan(PlanInput&& input);

/// True when `now` is still the object recorded in `recorded` (same size and
/// etag, or same content by a shared hash). `now_hashes` may be filled lazily.
bool same_version(const Fingerprint& recorded, const ObjectMeta& now);

Fingerprint fingerprint_of(const ObjectMeta& meta);

}  // namespace cloudsync
