// The local filesystem as a backend: a directory acting as a bucket.
//
// Keys map to files below the root; folders appear and disappear with the files
// in them. Writes are atomic (temporary file, fsync, rename), symbolic links are
// never followed, and the library's own temporaries are invisible to listings.
// This is the embedded default: no account, no network.
//
// C++ API: source-stable within a major version, not binary-stable. Use it
// through the static library (cloudsync::cloudsync_static) or add_subdirectory();
// the shared library libcloudsync.so exports the C ABI (cloudsync.h) only.
#pragma once

#include <filesystem>
#include <memory>

#include "cloudsync/backend.hpp"
#include "cloudsync/export.hpp"

namespace cloudsync {

struct LocalBackendOptions {
  /// fsync files and folders on every write (turn off only for scratch data).
  bool fsync = true;
  /// A trusted folder that the root must lie below (a project's root, for
  /// an integration's folder in it). Empty: the root itself is trusted.
  /// Every folder between the anchor and the root is opened without
  /// following a symbolic link, and the root is refused if it does not lie
  /// below the anchor, so a tampered state or a symlinked ancestor can never
  /// send a read, write or delete outside the anchor.
  std::filesystem::path anchor;
};

/// Opens `root` (created on the first write if missing). URL: file:///abs/path.
CLOUDSYNC_API Result<std::shared_ptr<StorageBackend>> make_local_backend(const std::filesystem::path& root,
                                                                         LocalBackendOptions options = {});

}  // namespace cloudsync
