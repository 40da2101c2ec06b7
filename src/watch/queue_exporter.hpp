// One pass over claimed rows of a connection's export queue: exports them as
// one batch through the engine (conditional on the remote version last seen),
// and turns each file's outcome into how its row settles and what the host
// is told.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog_store.hpp"
#include "cloudsync/watch.hpp"
#include "engine/workspace_impl.hpp"

namespace cloudsync {

/// An integration folder the session watches.
struct WatchedFolder {
  Integration integration;
  std::string connection_id;
  std::filesystem::path folder;  ///< absolute
};

/// What a pass decided.
struct ExportPass {
  std::vector<SettledExport> settled;
  std::vector<WatchEvent> events;
  /// Local files whose exported (or found unchanged) state the manifest now
  /// records, with what they looked like: a later scan finding them so is no change.
  std::map<std::string, Fingerprint> recorded;
  /// The store could not be reached (a transient failure): the connection's
  /// queue waits until `retry_at` so that files go out in order.
  bool unreachable = false;
  std::optional<TimePoint> retry_at;
  std::string last_error;
};

/// Exports `rows` (claimed from the queue) of `folder`. Never fails as a
/// whole: an error that stops the batch settles every row as a retry.
ExportPass export_claimed(Workspace::Impl& workspace, const WatchedFolder& folder, const std::vector<QueueRow>& rows,
                          const WatchOptions& options, const CancelToken* cancel);

/// "dir/name.conflict-<host>-<YYYYMMDDTHHMMSSZ>.ext" for "dir/name.ext" (the
/// extension is the part after the last dot of the name, if any and if the
/// name does not start with it). `host` is reduced to [A-Za-z0-9.-].
std::string conflict_copy_key(std::string_view remote_key, std::string_view host, TimePoint at);

/// When a file that failed `attempts` times (1 for the first failure) is tried again.
TimePoint retry_time(uint32_t attempts, const WatchOptions& options, TimePoint now);

}  // namespace cloudsync
