// The Drive backend behind make_gdrive_backend(), reachable from tests with a
// client of their choice (a recording transport, quick retries, no pacing).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "backends/gdrive/drive_client.hpp"
#include "backends/gdrive/export_formats.hpp"
#include "cloudsync/backend.hpp"

namespace cloudsync::gdrive {

/// What the backend needs beyond the client (from GDriveOptions).
struct BackendSettings {
  std::string folder_id;
  ExportFormats export_formats;
  bool use_trash = true;
  bool follow_shortcuts = false;
  uint64_t upload_cutoff = 8ull << 20;
  uint64_t chunk_size = 8ull << 20;
  uint32_t page_size = 1000;
  /// How long a folder's ID is trusted before it is looked up again.
  std::chrono::seconds folder_cache_ttl{30};
};

Result<std::shared_ptr<StorageBackend>> make_drive_backend(BackendSettings settings,
                                                           std::shared_ptr<DriveClient> client);

}  // namespace cloudsync::gdrive
