// The Drive path index: keys ("a/b/c.txt") to Drive IDs. Drive has no paths,
// only files with parents, and allows several same-name files in one folder,
// so a key's folder may be several folders and its name several files. This
// class resolves them (creating folders when a write needs them, mkdir -p,
// one creator at a time), follows shortcuts when asked, and caches folder IDs
// for a short while (FolderCache).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backends/gdrive/gdrive_client.hpp"
#include "backends/gdrive/gdrive_export_formats.hpp"
#include "backends/gdrive/gdrive_file.hpp"
#include "backends/gdrive/gdrive_folder_cache.hpp"
#include "cloudsync/path.hpp"

namespace cloudsync::gdrive {

struct RootInfo {
  std::string id;        ///< the folder's own ID (not an alias such as "root")
  std::string drive_id;  ///< its shared drive, if any
};

/// A file named like a key; `via_shortcut` when it was reached through a
/// followed shortcut (readable, never written through).
struct Entry {
  DriveFile file;
  bool via_shortcut = false;
};

/// What a key's folder holds under the key's name.
struct Found {
  std::vector<std::string> parents;  ///< the key's folder (several when duplicated); empty: missing
  std::vector<Entry> entries;        ///< files and documents named like the key (never folders)
};

class DrivePaths {
 public:
  struct Settings {
    std::string folder_id;                          ///< the backend's root folder
    const ExportFormats* export_formats = nullptr;  ///< owned by the backend
    bool follow_shortcuts = false;
    uint32_t page_size = 1000;
    std::chrono::seconds folder_cache_ttl{30};
    std::string describe;  ///< "gdrive://<folder>", for messages
  };
  DrivePaths(Settings settings, std::shared_ptr<DriveClient> client);

  /// The root folder, looked up once: NotFound when missing or trashed,
  /// InvalidArgument when the ID names a file.
  Result<RootInfo> root(const OpContext& ctx);
  /// The folder IDs of `dir`, creating missing folders when `create` (mkdir -p).
  Result<std::vector<std::string>> folders_of(const Path& dir, bool create, const OpContext& ctx);
  /// The key's folder and what it holds under the key's name (both empty when
  /// the folder is missing).
  Result<Found> find(const Path& path, const OpContext& ctx);
  /// Adds to `found` the files in `found.parents` named `leaf`.
  Status find_in(Found& found, std::string_view leaf, const OpContext& ctx);
  /// The file a shortcut points to, named as the shortcut; nullopt when it
  /// dangles or points to a folder.
  Result<std::optional<DriveFile>> shortcut_target(const DriveFile& shortcut, const OpContext& ctx);
  /// The one entry of `found`: NotFound without one, Conflict with several.
  Result<Entry> single(const Found& found, const Path& path) const;
  /// Forgets every cached folder ID (after a cached folder turned out gone).
  void forget_folders() { folders_.clear(); }

 private:
  Status for_each_file(const std::string& query, const std::function<Status(const DriveFile&)>& visit,
                       const OpContext& ctx);
  std::string names_clause(std::string_view segment) const;
  Result<std::vector<std::string>> child_folders(const std::vector<std::string>& parents, std::string_view segment,
                                                 const OpContext& ctx);

  Settings settings_;
  std::shared_ptr<DriveClient> client_;
  FolderCache folders_;
  std::mutex create_mutex_;
  std::mutex root_mutex_;
  std::optional<RootInfo> root_;
};

}  // namespace cloudsync::gdrive
