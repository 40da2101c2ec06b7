// The Drive backend behind make_gdrive_backend(), reachable from tests with a
// client of their choice (a recording transport, quick retries, no pacing).
//
// The class is one StorageBackend whose methods live by concern:
// gdrive_backend.cpp (construction, capabilities, head, delete),
// gdrive_reads.cpp (downloads, exports of native documents),
// gdrive_writes.cpp (uploads, resumable sessions, multipart),
// gdrive_copy.cpp (server-side copies, files.copy),
// gdrive_list.cpp (the folder walk behind list_page); keys are resolved to
// Drive IDs by DrivePaths (gdrive_paths.*).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "backends/gdrive/gdrive_client.hpp"
#include "backends/gdrive/gdrive_export_formats.hpp"
#include "backends/gdrive/gdrive_key_locks.hpp"
#include "backends/gdrive/gdrive_list_cursor.hpp"
#include "backends/gdrive/gdrive_paths.hpp"
#include "cloudsync/backend.hpp"

namespace cloudsync::gdrive {

/// Parts of a multipart upload are held in memory while they are sent.
inline constexpr uint64_t kMaxPartSize = 256ull << 20;

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

/// The File resource a write sends: the name and parent when given, and what
/// a put records (modifiedTime, mimeType, the metadata as appProperties).
/// `replaced`: the appProperties the file has now; those `options` does not
/// set are removed, so that the file ends up with exactly the options'.
std::string file_metadata_json(const std::string* name, const std::string* parent, const PutOptions& options,
                               const std::map<std::string, std::string>* replaced = nullptr);

/// How a write goes out: a new file in parents[0], or the existing file by ID.
struct WriteTarget {
  UploadTarget upload;
  std::vector<std::string> parents;
};

class DriveBackend final : public StorageBackend, public std::enable_shared_from_this<DriveBackend> {
 public:
  DriveBackend(BackendSettings settings, std::shared_ptr<DriveClient> client);

  std::string scheme() const override { return "gdrive"; }
  std::string describe() const override { return "gdrive://" + settings_.folder_id; }
  const Capabilities& capabilities() const override { return caps_; }

  Result<ObjectMeta> head(const Path& path, const OpContext& ctx) override;
  Result<ObjectMeta> get(const Path& path, const GetOptions& options, ByteSink& sink, const OpContext& ctx) override;
  Result<ObjectMeta> put(const Path& path, ByteSource& data, const PutOptions& options, const OpContext& ctx) override;
  Result<std::unique_ptr<MultipartUpload>> start_multipart(const Path& path, const PutOptions& options,
                                                           const OpContext& ctx) override;
  Result<ListPage> list_page(const ListOptions& options, const OpContext& ctx) override;
  Result<std::vector<Status>> remove_many(std::span<const Path> paths, const OpContext& ctx) override;
  bool can_copy_from(const StorageBackend& source) const override;
  Result<ObjectMeta> copy_from(const StorageBackend& source, const Path& src_path, const Path& dst_path,
                               const CopyOptions& options, const OpContext& ctx) override;

  // For multipart uploads (DriveUpload).
  Result<WriteTarget> plan_write(const Path& path, const PutOptions& options, const OpContext& ctx);
  /// Just before an upload commits: the key must still be what plan_write saw.
  Status recheck_write(const Path& path, const PutOptions& options, const WriteTarget& target, const OpContext& ctx);
  /// The stored file as an ObjectMeta, checked against what was sent.
  Result<ObjectMeta> written_meta(const Path& path, const DriveFile& file, const PutOptions& options,
                                  std::optional<uint64_t> size) const;
  DriveClient& client() { return *client_; }

 private:
  // gdrive_reads.cpp
  Result<ObjectMeta> export_document(const DriveFile& file, ObjectMeta meta, const GetOptions& options, ByteSink& sink,
                                     const OpContext& ctx);
  // gdrive_writes.cpp
  /// What a write to `path` would replace (nullopt: a new file), or why it must not happen.
  Result<std::optional<DriveFile>> check_write(const Found& found, const Path& path, const PutOptions& options) const;
  Result<ObjectMeta> put_once(const Path& path, ByteSource& data, const PutOptions& options,
                              std::optional<uint64_t> size, const OpContext& ctx);
  Result<DriveFile> upload_resumable(const UploadTarget& target, ByteSource& data, std::optional<uint64_t> size,
                                     const std::string& what, const OpContext& ctx);
  // gdrive_copy.cpp
  /// The backend behind `source` when it is a Drive of this account.
  const DriveBackend* copy_peer(const StorageBackend& source) const;
  /// The file at `key` here that a copy pinned to options.source_if_match may copy.
  Result<DriveFile> copy_source(const Path& key, const CopyOptions& options, const OpContext& ctx);
  Result<ObjectMeta> copy_once(const DriveFile& original, const Path& path, const CopyOptions& options,
                               const OpContext& ctx);
  Result<ObjectMeta> replace_by_copy(const DriveFile& original, const Path& path, const CopyOptions& options,
                                     const WriteTarget& target, const OpContext& ctx);
  // gdrive_list.cpp
  Result<ListingCursor> start_listing(const std::string& prefix, const RootInfo& root_info, const OpContext& ctx);
  /// One listing entry: an object, a common prefix, a folder to walk, or nothing.
  Status visit(const WalkFolder& folder, const DriveFile& file, const ListOptions& options, ListingCursor& cursor,
               ListPage& page, std::set<std::string>& prefixes_seen, const OpContext& ctx);
  // gdrive_backend.cpp
  Status remove_one(const Path& path, const OpContext& ctx);
  /// Trashes the file, or deletes it for good when use_trash is off.
  Status remove_file(const std::string& id, const std::string& what, const OpContext& ctx);

  BackendSettings settings_;
  std::shared_ptr<DriveClient> client_;
  Capabilities caps_;
  DrivePaths paths_;
  KeyLocks key_locks_;
};

}  // namespace cloudsync::gdrive
