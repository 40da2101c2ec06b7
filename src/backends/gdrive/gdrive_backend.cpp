#include "backends/gdrive/gdrive_backend.hpp"

#include "backends/gdrive/gdrive_resumable_upload.hpp"
#include "backends/remove_each.hpp"
#include "core/error.hpp"

namespace cloudsync::gdrive {

namespace {

// `settings` is the backend's own copy, which outlives the index.
DrivePaths::Settings paths_settings(const BackendSettings& settings, std::string describe) {
  DrivePaths::Settings out;
  out.folder_id = settings.folder_id;
  out.export_formats = &settings.export_formats;
  out.follow_shortcuts = settings.follow_shortcuts;
  out.page_size = settings.page_size;
  out.folder_cache_ttl = settings.folder_cache_ttl;
  out.describe = std::move(describe);
  return out;
}

}  // namespace

DriveBackend::DriveBackend(BackendSettings settings, std::shared_ptr<DriveClient> client)
    : settings_(std::move(settings)),
      client_(std::move(client)),
      paths_(paths_settings(settings_, describe()), client_) {
  caps_.mtime_precision = std::chrono::milliseconds(1);  // modifiedTime is RFC 3339 with milliseconds
  caps_.hashes = hash_kinds(HashKind::Md5);
  // Drive has no precondition headers: Create and Update compare, then write.
  caps_.conditional_create = false;
  caps_.conditional_update = false;
  caps_.case_sensitive = true;
  caps_.duplicate_names = true;
  caps_.hierarchical = true;
  caps_.ranged_get = true;
  caps_.max_batch_delete = 1;
  caps_.server_side_copy = true;  // within one account: gdrive_copy
  caps_.multipart.supported = true;
  caps_.multipart.parallel = false;  // a resumable session takes its bytes in order
  caps_.multipart.equal_parts = false;
  caps_.multipart.min_part_size = kChunkQuantum;
  caps_.multipart.max_part_size = kMaxPartSize;
  caps_.multipart.part_size_multiple = kChunkQuantum;
  caps_.multipart.max_parts = 0;
  caps_.multipart.default_part_size = settings_.chunk_size;
  caps_.multipart.threshold = settings_.upload_cutoff;
}

Result<ObjectMeta> DriveBackend::head(const Path& path, const OpContext& ctx) {
  if (path.is_root()) return make_error(ErrorCode::NotFound, "the root of {} is not an object", describe());
  CLOUDSYNC_ASSIGN_OR_RETURN(Found found, paths_.find(path, ctx));
  CLOUDSYNC_ASSIGN_OR_RETURN(Entry entry, paths_.single(found, path));
  return object_meta(entry.file, path.str());
}

Result<std::vector<Status>> DriveBackend::remove_many(std::span<const Path> paths, const OpContext& ctx) {
  CLOUDSYNC_RETURN_IF_ERROR(paths_.root(ctx).status());
  return remove_each(paths, ctx, [&](const Path& path) { return remove_one(path, ctx); });
}

Status DriveBackend::remove_one(const Path& path, const OpContext& ctx) {
  if (path.is_root()) return make_error(ErrorCode::InvalidArgument, "cannot delete the root");
  CLOUDSYNC_ASSIGN_OR_RETURN(Found found, paths_.find(path, ctx));
  if (found.entries.empty()) return Status::OK();
  for (const Entry& e : found.entries) {
    if (e.via_shortcut) {
      return make_error(ErrorCode::Conflict, "'{}' in {} is a shortcut; cloudsync does not delete through shortcuts",
                        path.str(), describe());
    }
    if (e.file.is_native_document()) {
      return make_error(ErrorCode::Conflict, "'{}' in {} is a Google-native document; it is never deleted", path.str(),
                        describe());
    }
  }
  if (found.entries.size() > 1) {
    return make_error(ErrorCode::Conflict,
                      "'{}' names {} files in one folder of {}; refusing to choose which to delete", path.str(),
                      found.entries.size(), describe());
  }
  const DriveFile& file = found.entries.front().file;
  Status done = remove_file(file.id, fmt::format("{} '{}'", settings_.use_trash ? "trash" : "delete", path.str()), ctx);
  if (done.code() == ErrorCode::NotFound) return Status::OK();  // gone already
  return done;
}

Status DriveBackend::remove_file(const std::string& id, const std::string& what, const OpContext& ctx) {
  return settings_.use_trash ? client_->update_metadata(id, R"({"trashed":true})", what, ctx).status()
                             : client_->delete_file(id, what, ctx);
}

Result<std::shared_ptr<StorageBackend>> make_drive_backend(BackendSettings settings,
                                                           std::shared_ptr<DriveClient> client) {
  if (settings.folder_id.empty()) return make_error(ErrorCode::InvalidArgument, "a Google Drive folder ID is needed");
  if (settings.chunk_size == 0 || settings.chunk_size % kChunkQuantum != 0 || settings.chunk_size > kMaxPartSize) {
    return make_error(ErrorCode::InvalidArgument,
                      "chunk_size must be a multiple of 256 KiB (262144 bytes) up to {} bytes, not {}", kMaxPartSize,
                      settings.chunk_size);
  }
  if (settings.page_size == 0 || settings.page_size > 1000) {
    return make_error(ErrorCode::InvalidArgument, "page_size must be between 1 and 1000, not {}", settings.page_size);
  }
  return std::shared_ptr<StorageBackend>(std::make_shared<DriveBackend>(std::move(settings), std::move(client)));
}

}  // namespace cloudsync::gdrive
