// The sync planner: from two listings (and optionally the baseline of the last
// sync) to a Plan. Pure apart from the lazy hashing callback, so every rule is
// testable with in-memory listings.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cloudsync/backend.hpp"
#include "cloudsync/sync.hpp"

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
using Baseline = std::map<std::string, BaselineEntry>;

enum class Side { Source, Destination };

struct PlanInput {
  std::string source_name;
  std::string destination_name;
  std::vector<ObjectMeta> source;
  std::vector<ObjectMeta> destination;
  /// What the source listing could not read: nothing at or below these keys
  /// is deleted at the destination, and the plan carries them (Plan::unreadable).
  std::vector<UnreadableEntry> source_unreadable;
  Capabilities source_caps;
  Capabilities destination_caps;
  /// With a baseline the plan is three-way: a change on one side only is told
  /// apart from a change on both (a Conflict), and only paths in the baseline
  /// can be extraneous. Without one, the source wins every difference.
  const Baseline* baseline = nullptr;
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
};

Result<Plan> compute_plan(const PlanInput& input);

/// True when `now` is still the object recorded in `recorded` (same size and
/// etag, or same content by a shared hash). `now_hashes` may be filled lazily.
bool same_version(const Fingerprint& recorded, const ObjectMeta& now);

Fingerprint fingerprint_of(const ObjectMeta& meta);

}  // namespace cloudsync
