// Progress reporting for transfers and engine operations.
//
// C++ API: source-stable within a major version, not binary-stable. Use it
// through the static library (cloudsync::cloudsync_static) or add_subdirectory();
// the shared library libcloudsync.so exports the C ABI (cloudsync.h) only.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace cloudsync {

/// A snapshot of an operation's progress. Byte and file totals cover the whole
/// operation; `path` names the file whose event this is (empty for aggregate
/// updates).
struct ProgressEvent {
  enum class Phase { Planning, Transferring, FileDone, Deleting, Finished };
  Phase phase = Phase::Planning;
  std::string path;
  uint64_t bytes_done = 0;
  uint64_t bytes_total = 0;
  uint64_t files_done = 0;
  uint64_t files_total = 0;
};

/// Called from worker threads, serialised (never two calls at once), and
/// throttled to a few calls per second plus one per finished file. Return
/// false to cancel the operation.
using ProgressCallback = std::function<bool(const ProgressEvent&)>;

}  // namespace cloudsync
