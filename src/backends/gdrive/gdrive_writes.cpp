// Uploads: one request (uploadType=multipart) below the cutoff, a resumable
// session above it and for multipart uploads. Drive has no preconditions, so
// every write compares first (check_write) and again just before the last
// byte commits it (recheck_write).
#include <algorithm>
#include <mutex>

#include "backends/gdrive/gdrive_backend.hpp"
#include "backends/gdrive/gdrive_resumable_upload.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "core/time.hpp"

namespace cloudsync::gdrive {

namespace {

// New upload sessions after a session expired, per upload.
constexpr int kMaxUploadRestarts = 2;

}  // namespace

std::string file_metadata_json(const std::string* name, const std::string* parent, const PutOptions& options,
                               const std::map<std::string, std::string>* replaced) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  if (name != nullptr) {
    json_write_key(w, "name");
    json_write_string(w, *name);
  }
  if (parent != nullptr) {
    json_write_key(w, "parents");
    w.StartArray();
    json_write_string(w, *parent);
    w.EndArray();
  }
  if (options.mtime) {
    json_write_key(w, "modifiedTime");
    json_write_string(w, format_rfc3339(*options.mtime, 3));
  }
  // A Google-native type would make Drive convert the upload into a Doc.
  if (!options.content_type.empty() && !options.content_type.starts_with(kGoogleAppsPrefix)) {
    json_write_key(w, "mimeType");
    json_write_string(w, options.content_type);
  }
  bool drops = false;
  if (replaced != nullptr) {
    for (const auto& [k, v] : *replaced) drops = drops || !options.metadata.contains(k);
  }
  if (!options.metadata.empty() || drops) {
    json_write_key(w, "appProperties");
    w.StartObject();
    for (const auto& [k, v] : options.metadata) {
      json_write_key(w, k);
      json_write_string(w, v);
    }
    if (replaced != nullptr) {
      for (const auto& [k, v] : *replaced) {
        if (options.metadata.contains(k)) continue;
        json_write_key(w, k);
        w.Null();  // patch semantics: removed
      }
    }
    w.EndObject();
  }
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

namespace {

// A multipart upload is one resumable session, fed part by part in order.
class DriveUpload final : public MultipartUpload {
 public:
  DriveUpload(std::shared_ptr<DriveBackend> backend, Path path, PutOptions options, WriteTarget target)
      : backend_(std::move(backend)),
        path_(std::move(path)),
        options_(std::move(options)),
        target_(std::move(target)) {}

  Result<PartInfo> upload_part(uint32_t number, ByteSource& data, const OpContext& ctx) override;
  Result<ObjectMeta> complete(std::vector<PartInfo> parts, const OpContext& ctx) override;
  Status abort(const OpContext& ctx) override;

 private:
  std::unique_ptr<ResumableWriter> new_writer();
  /// Appends, or finishes when `data` is null; starts a new session once if
  /// the session expired before the server confirmed anything.
  Result<std::optional<DriveFile>> feed(const std::string* data, const OpContext& ctx);

  std::shared_ptr<DriveBackend> backend_;
  Path path_;
  PutOptions options_;
  WriteTarget target_;
  std::mutex mutex_;
  std::unique_ptr<ResumableWriter> writer_;
  std::vector<uint64_t> part_sizes_;  ///< [i] = size of part i + 1
  bool finished_ = false;
};

}  // namespace

Result<ObjectMeta> DriveBackend::put(const Path& path, ByteSource& data, const PutOptions& options,
                                     const OpContext& ctx) {
  if (path.is_root()) return make_error(ErrorCode::InvalidArgument, "cannot write the root as an object");
  std::optional<uint64_t> size = data.size();
  if (size && options.size && *size != *options.size) {
    return make_error(ErrorCode::Integrity, "'{}': the source has {} bytes, {} were announced", path.str(), *size,
                      *options.size);
  }
  if (!size) size = options.size;
  auto guard = key_locks_.lock(path.str());
  for (int attempt = 0;; ++attempt) {
    Result<ObjectMeta> written = put_once(path, data, options, size, ctx);
    if (written.ok() || attempt > 0 || written.status().code() != ErrorCode::NotFound) return written;
    // A folder ID from the cache is gone (deleted elsewhere): look again.
    log(LogLevel::Info, "writing '{}' to {}: {}; looking its folder up again", path.str(), describe(),
        written.status().message());
    paths_.forget_folders();
    if (!data.rewind().ok()) return written;
  }
}

Result<std::unique_ptr<MultipartUpload>> DriveBackend::start_multipart(const Path& path, const PutOptions& options,
                                                                       const OpContext& ctx) {
  if (path.is_root()) return make_error(ErrorCode::InvalidArgument, "cannot write the root as an object");
  CLOUDSYNC_ASSIGN_OR_RETURN(WriteTarget target, plan_write(path, options, ctx));
  return std::unique_ptr<MultipartUpload>(
      std::make_unique<DriveUpload>(shared_from_this(), path, options, std::move(target)));
}

Result<WriteTarget> DriveBackend::plan_write(const Path& path, const PutOptions& options, const OpContext& ctx) {
  CLOUDSYNC_RETURN_IF_ERROR(paths_.root(ctx).status());
  Found found;
  CLOUDSYNC_ASSIGN_OR_RETURN(found.parents, paths_.folders_of(path.parent(), true, ctx));
  CLOUDSYNC_RETURN_IF_ERROR(paths_.find_in(found, path.name(), ctx));
  CLOUDSYNC_ASSIGN_OR_RETURN(std::optional<DriveFile> existing, check_write(found, path, options));
  WriteTarget target;
  target.parents = found.parents;
  target.upload.content_type = options.content_type.empty() ? "application/octet-stream" : options.content_type;
  if (existing) {
    // The same file, PATCHed: its ID, sharing and history stay.
    target.upload.file_id = existing->id;
    target.upload.metadata_json = file_metadata_json(nullptr, nullptr, options);
  } else {
    if (found.parents.size() > 1) {
      return make_error(ErrorCode::Conflict,
                        "'{}': its folder exists {} times in {} (same-name folders); refusing to choose one",
                        path.str(), found.parents.size(), describe());
    }
    std::string name(path.name());
    target.upload.metadata_json = file_metadata_json(&name, &found.parents.front(), options);
  }
  return target;
}

Status DriveBackend::recheck_write(const Path& path, const PutOptions& options, const WriteTarget& target,
                                   const OpContext& ctx) {
  Found found;
  found.parents = target.parents;
  CLOUDSYNC_RETURN_IF_ERROR(paths_.find_in(found, path.name(), ctx));
  CLOUDSYNC_ASSIGN_OR_RETURN(std::optional<DriveFile> existing, check_write(found, path, options));
  std::string now = existing ? existing->id : std::string();
  if (now != target.upload.file_id) {
    return make_error(ErrorCode::Conflict, "'{}' was {} in {} while it was being uploaded", path.str(),
                      now.empty() ? "deleted" : "created", describe());
  }
  return Status::OK();
}

Result<ObjectMeta> DriveBackend::written_meta(const Path& path, const DriveFile& file, const PutOptions& options,
                                              std::optional<uint64_t> size) const {
  ObjectMeta meta = object_meta(file, path.str());
  if (size && meta.size != *size) {
    return make_error(ErrorCode::Integrity, "'{}' was stored with {} bytes, {} were sent", path.str(), meta.size,
                      *size);
  }
  if (!options.known_hashes.md5.empty() && !meta.hashes.md5.empty() && options.known_hashes.md5 != meta.hashes.md5) {
    return make_error(ErrorCode::Integrity, "'{}' was corrupted on the way to Drive: checksum mismatch", path.str());
  }
  return meta;
}

// What a write to `path` would replace (nullopt: a new file), or why it must not happen.
Result<std::optional<DriveFile>> DriveBackend::check_write(const Found& found, const Path& path,
                                                           const PutOptions& options) const {
  for (const Entry& e : found.entries) {
    if (e.via_shortcut) {
      return make_error(ErrorCode::Conflict, "'{}' in {} is a shortcut; cloudsync does not write through shortcuts",
                        path.str(), describe());
    }
    if (e.file.is_native_document()) {
      return make_error(ErrorCode::Conflict, "'{}' in {} is a Google {} exported on download; it is never overwritten",
                        path.str(), describe(), e.file.mime_type.substr(kGoogleAppsPrefix.size()));
    }
  }
  if (found.entries.size() > 1) {
    return make_error(ErrorCode::Conflict,
                      "'{}' names {} files in one folder of {} (Drive allows duplicate names); refusing to choose "
                      "which to replace",
                      path.str(), found.entries.size(), describe());
  }
  std::optional<DriveFile> existing;
  if (!found.entries.empty()) existing = found.entries.front().file;
  if (options.mode == PutMode::Create && existing) {
    return make_error(ErrorCode::AlreadyExists, "'{}' already exists in {}", path.str(), describe());
  }
  if (options.mode == PutMode::Update) {
    if (!existing)
      return make_error(ErrorCode::PreconditionFailed, "'{}' no longer exists in {}", path.str(), describe());
    if (drive_etag(*existing) != options.if_match) {
      return make_error(ErrorCode::PreconditionFailed, "'{}' changed in {} since it was read", path.str(), describe());
    }
  }
  return existing;
}

Result<ObjectMeta> DriveBackend::put_once(const Path& path, ByteSource& data, const PutOptions& options,
                                          std::optional<uint64_t> size, const OpContext& ctx) {
  CLOUDSYNC_ASSIGN_OR_RETURN(WriteTarget target, plan_write(path, options, ctx));
  std::string what = fmt::format("upload of '{}'", path.str());
  Result<DriveFile> written = size && *size < settings_.upload_cutoff
                                  ? client_->upload_multipart(target.upload, data, *size, what, ctx)
                                  : upload_resumable(target.upload, data, size, what, ctx);
  if (!written.ok()) return written.status();
  return written_meta(path, *written, options, size);
}

Result<DriveFile> DriveBackend::upload_resumable(const UploadTarget& target, ByteSource& data,
                                                 std::optional<uint64_t> size, const std::string& what,
                                                 const OpContext& ctx) {
  std::vector<char> buffer(static_cast<size_t>(std::min<uint64_t>(settings_.chunk_size, kMaxPartSize)));
  for (int restart = 0;; ++restart) {
    ResumableWriter writer(*client_, target, size, what);
    Result<DriveFile> done = [&]() -> Result<DriveFile> {
      for (;;) {
        if (ctx.cancelled()) return Status(ErrorCode::Cancelled, "upload cancelled");
        CLOUDSYNC_ASSIGN_OR_RETURN(size_t n, data.read(buffer));
        if (n == 0) break;
        CLOUDSYNC_RETURN_IF_ERROR(writer.append(std::string_view(buffer.data(), n), ctx));
      }
      return writer.finish(ctx);
    }();
    if (done.ok() || !writer.session_expired() || restart >= kMaxUploadRestarts) return done;
    if (!data.rewind().ok()) return done;
    log(LogLevel::Warn, "{}: the upload session expired; starting a new one", what);
  }
}

std::unique_ptr<ResumableWriter> DriveUpload::new_writer() {
  return std::make_unique<ResumableWriter>(backend_->client(), target_.upload, options_.size,
                                           fmt::format("upload of '{}'", path_.str()));
}

Result<std::optional<DriveFile>> DriveUpload::feed(const std::string* data, const OpContext& ctx) {
  auto finish = [&]() -> Result<std::optional<DriveFile>> {
    if (data != nullptr) return std::optional<DriveFile>();
    CLOUDSYNC_ASSIGN_OR_RETURN(DriveFile file, writer_->finish(ctx));
    return std::optional<DriveFile>(std::move(file));
  };
  if (!writer_) writer_ = new_writer();
  Result<std::optional<DriveFile>> result = std::optional<DriveFile>();
  if (data != nullptr) {
    Status appended = writer_->append(*data, ctx);
    if (!appended.ok()) result = appended;
  } else {
    result = finish();
  }
  for (int restart = 0;
       !result.ok() && writer_->session_expired() && writer_->restartable() && restart < kMaxUploadRestarts;
       ++restart) {
    // Nothing reached the server: a new session takes everything held so
    // far (`data` included).
    log(LogLevel::Warn, "upload of '{}': the upload session expired; starting a new one", path_.str());
    std::string held = writer_->held();
    writer_ = new_writer();
    Status appended = writer_->append(held, ctx);
    result = appended.ok() ? finish() : Result<std::optional<DriveFile>>(appended);
  }
  return result;
}

Result<PartInfo> DriveUpload::upload_part(uint32_t number, ByteSource& data, const OpContext& ctx) {
  std::lock_guard lock(mutex_);
  if (finished_) return make_error(ErrorCode::InvalidArgument, "upload of '{}' is finished", path_.str());
  if (number != part_sizes_.size() + 1) {
    return make_error(ErrorCode::InvalidArgument,
                      "upload of '{}': part {} arrived, part {} was due (Drive takes parts in order)", path_.str(),
                      number, part_sizes_.size() + 1);
  }
  std::string bytes;
  if (auto n = data.size()) {
    if (*n > kMaxPartSize) {
      return make_error(ErrorCode::InvalidArgument, "part {} is larger than {} bytes", number, kMaxPartSize);
    }
    bytes.reserve(static_cast<size_t>(*n));
  }
  std::vector<char> buffer(1 << 20);
  for (;;) {
    if (ctx.cancelled()) return Status(ErrorCode::Cancelled, "upload cancelled");
    CLOUDSYNC_ASSIGN_OR_RETURN(size_t n, data.read(buffer));
    if (n == 0) break;
    bytes.append(buffer.data(), n);
    if (bytes.size() > kMaxPartSize) {
      return make_error(ErrorCode::InvalidArgument, "part {} is larger than {} bytes", number, kMaxPartSize);
    }
  }
  CLOUDSYNC_RETURN_IF_ERROR(feed(&bytes, ctx));
  part_sizes_.push_back(bytes.size());
  return PartInfo{number, bytes.size(), fmt::format("{}:{}", number, bytes.size())};
}

Result<ObjectMeta> DriveUpload::complete(std::vector<PartInfo> parts, const OpContext& ctx) {
  std::lock_guard lock(mutex_);
  if (finished_) return make_error(ErrorCode::InvalidArgument, "upload of '{}' is finished", path_.str());
  std::sort(parts.begin(), parts.end(), [](const PartInfo& a, const PartInfo& b) { return a.number < b.number; });
  if (parts.size() != part_sizes_.size()) {
    return make_error(ErrorCode::InvalidArgument, "upload of '{}': {} parts named, {} uploaded", path_.str(),
                      parts.size(), part_sizes_.size());
  }
  uint64_t total = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].number != i + 1 || parts[i].size != part_sizes_[i]) {
      return make_error(ErrorCode::InvalidArgument, "upload of '{}': part {} is not the one uploaded", path_.str(),
                        parts[i].number);
    }
    total += parts[i].size;
  }
  if (options_.size && total != *options_.size) {
    return make_error(ErrorCode::Integrity, "upload of '{}': the parts hold {} bytes, {} were announced", path_.str(),
                      total, *options_.size);
  }
  // Compare, then commit: nothing is visible until the last byte is sent.
  CLOUDSYNC_RETURN_IF_ERROR(backend_->recheck_write(path_, options_, target_, ctx));
  CLOUDSYNC_ASSIGN_OR_RETURN(std::optional<DriveFile> file, feed(nullptr, ctx));
  if (!file) return make_error(ErrorCode::Internal, "upload of '{}': Drive did not complete it", path_.str());
  finished_ = true;
  writer_.reset();
  return backend_->written_meta(path_, *file, options_, total);
}

Status DriveUpload::abort(const OpContext&) {
  std::lock_guard lock(mutex_);
  // The session holds everything but the last byte and expires by itself;
  // nothing was ever visible.
  finished_ = true;
  writer_.reset();
  return Status::OK();
}

}  // namespace cloudsync::gdrive
