// One attempt at one window of a record export job, against the integration's
// store: the commit protocol.
//
//   1. <folder>/_manifest.json already there and ours: the window committed
//      before (the process died after writing it); its watermarks are adopted.
//   2. <folder>/_run.json written create-only with the window's identity; one
//      with another identity means the folder belongs to another window
//      (Conflict, nothing written).
//   3. Each model's records after its lower bound up to the upper bound, then
//      its deletions, as JSON Lines files written create-only. A file that
//      exists with the same SHA-256 is kept (no second version); one that
//      differs is a leftover of a failed attempt of this window: overwritten.
//   4. Objects in the folder this attempt did not write are deleted.
//   5. <folder>/_manifest.json, create-only: the commit point.
//
// Nothing here touches the catalog: the caller moves the watermarks after
// this returns, so a failure anywhere leaves them where they were.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog_store.hpp"
#include "cloudsync/backend.hpp"
#include "cloudsync/records.hpp"

namespace cloudsync {

/// What names a window: the same identity, the same folder, the same objects.
struct WindowIdentity {
  std::string job_id;
  std::string folder;
  TimePoint opened;
  TimePoint upper_bound;
  std::vector<ModelWatermark> lower_bounds;  ///< one per model, in the job's order
};

struct WindowExportRequest {
  StorageBackend* backend = nullptr;
  std::string prefix;  ///< the job's folder in the store ("" for its root)
  WindowIdentity window;
  /// The models' sources, in the order of window.lower_bounds.
  std::vector<RecordSource*> sources;
  RecordExportOptions options;
  std::filesystem::path spool_dir;
  /// Called between pages and files (the caller renews its lease); an error stops the attempt.
  std::function<Status()> keep_alive;
  const CancelToken* cancel = nullptr;
  /// Set when the folder belongs to another window (the Conflict comes before
  /// anything is written: this window can never succeed).
  bool* folder_taken = nullptr;
};

struct WindowExportResult {
  std::vector<ModelRunStats> models;
  std::vector<ModelWatermark> watermarks;  ///< the new ones (a model without records keeps its lower bound)
  std::string manifest_key;
  bool adopted = false;  ///< an earlier attempt's manifest was found
};

Result<WindowExportResult> export_window(const WindowExportRequest& request);

}  // namespace cloudsync
