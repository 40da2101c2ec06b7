// The manifest: what the engine imported or exported for one connection (a
// project and an integration), and what each file looked like on both sides
// right after. It is the baseline that tells a local edit from a remote change
// (and both from a conflict), and what restore brings back. The catalog keeps
// it (CatalogStore::load_manifest / write_manifest); load() reads the v1 JSON
// file a project's state held before the catalog, for its migration.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>

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

  /// The entry recorded for `path`, unpacked (each call builds it anew).
  std::optional<ManifestEntry> find(std::string_view path) const;
  bool contains(std::string_view path) const { return records_.find(path) != records_.end(); }
  std::optional<ManifestEntry> find_by_remote_key(std::string_view remote_key) const;
  /// Each entry, unpacked, in path order.
  void for_each(const std::function<void(const ManifestEntry&)>& visit) const;
  void upsert(const ManifestEntry& entry);
  void erase(std::string_view path);
  size_t size() const noexcept { return records_.size(); }

  class BaselineReader;
  /// The manifest read as a baseline in place (nothing copied; it must
  /// outlive the plan): the remote as the source (import, restore, pull sync).
  BaselineReader pull_baseline() const;
  /// The same with the local folder as the source (export, push sync).
  BaselineReader push_baseline() const;

 private:
  // Each entry is one string: its path, a NUL (which no path holds), then its
  // packed record (catalog/manifest_record.hpp). Ordered by path alone.
  struct ByPath {
    using is_transparent = void;
    static std::string_view path_of(std::string_view element) { return element.substr(0, element.find('\0')); }
    bool operator()(std::string_view a, std::string_view b) const { return path_of(a) < path_of(b); }
  };
  static std::string_view record_of(const std::string& element);

  std::set<std::string, ByPath> records_;
};

class Manifest::BaselineReader final : public BaselineView {
 public:
  BaselineReader(const Manifest& manifest, bool remote_is_source)
      : manifest_(manifest), remote_is_source_(remote_is_source) {}
  void for_each(const Visitor& visit) const override;
  BaselineEntry entry(Handle handle) const override;

 private:
  const Manifest& manifest_;
  bool remote_is_source_;
};

}  // namespace cloudsync
