// The manifest: what the engine imported or exported for one connection (a
// project and an integration), and what each file looked like on both sides
// right after. It is the baseline that tells a local edit from a remote change
// (and both from a conflict), and what restore brings back. The catalog keeps
// it (CatalogStore::load_manifest / write_manifest); load() reads the v1 JSON
// file a project's state held before the catalog, for its migration.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "cloudsync/status.hpp"
#include "sync/planner.hpp"

namespace cloudsync {

struct ManifestEntry {
  enum class Origin { Imported, Exported };
  std::string path;        ///< relative to the integration folder
  std::string remote_key;  ///< relative to the integration's remote root (differs from path only in Unicode form)
  Origin origin = Origin::Imported;
  Fingerprint remote;
  Fingerprint local;
  std::string remote_version;
  std::string remote_id;
  TimePoint synced_at;
};

/// A fingerprint as the JSON the manifest stores: {"size","etag","mtime_ns","md5","sha256","crc32c"}.
std::string fingerprint_to_json(const Fingerprint& fingerprint);
Result<Fingerprint> fingerprint_from_json(std::string_view json, std::string_view what);

class Manifest {
 public:
  /// Reads a v1 manifest file (absent: empty).
  static Result<Manifest> load(const std::filesystem::path& file);

  const std::map<std::string, ManifestEntry>& entries() const noexcept { return entries_; }
  const ManifestEntry* find(const std::string& path) const;
  const ManifestEntry* find_by_remote_key(const std::string& remote_key) const;
  void upsert(ManifestEntry entry);
  void erase(const std::string& path);
  size_t size() const noexcept { return entries_.size(); }

  /// Baseline with the remote as the source (import, restore, pull sync).
  Baseline pull_baseline() const;
  /// Baseline with the local folder as the source (export, push sync).
  Baseline push_baseline() const;

 private:
  std::map<std::string, ManifestEntry> entries_;
};

}  // namespace cloudsync
