#include "backends/gdrive/gdrive_backend.hpp"

#include <algorithm>
#include <mutex>
#include <set>
#include <vector>

#include "backends/gdrive/folder_cache.hpp"
#include "backends/gdrive/key_locks.hpp"
#include "backends/gdrive/listing_cursor.hpp"
#include "backends/gdrive/names.hpp"
#include "backends/gdrive/resumable_upload.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "core/time.hpp"

namespace cloudsync::gdrive {

namespace {

// Exports are held in memory until complete (a failed export then leaves no
// prefix behind); files.export itself stops at 10 MB, exportLinks go further.
constexpr size_t kExportCap = 256u << 20;
// New upload sessions after a session expired, per upload.
constexpr int kMaxUploadRestarts = 2;
// Parts of a multipart upload are held in memory while they are sent.
constexpr uint64_t kMaxPartSize = 256ull << 20;

struct RootInfo {
  std::string id;        ///< the folder's own ID (not an alias such as "root")
  std::string drive_id;  ///< its shared drive, if any
};

// A file named like a key; `via_shortcut` when it was reached through a
// followed shortcut (readable, never written through).
struct Entry {
  DriveFile file;
  bool via_shortcut = false;
};

// What a key's folder holds under the key's name.
struct Found {
  std::vector<std::string> parents;  ///< the key's folder (several when duplicated); empty: missing
  std::vector<Entry> entries;        ///< files and documents named like the key (never folders)
};

// How a write goes out: a new file in parents[0], or the existing file by ID.
struct WriteTarget {
  UploadTarget upload;
  std::vector<std::string> parents;
};

std::string etag_of(const DriveFile& f) {
  // The head revision changes with the content and only with it; native
  // documents have none, and their version changes with every edit.
  if (!f.head_revision_id.empty()) return f.head_revision_id;
  if (!f.version.empty()) return "v" + f.version;
  return f.modified_time ? format_rfc3339(*f.modified_time, 3) : std::string();
}

ObjectMeta meta_of(const DriveFile& f, std::string key) {
  ObjectMeta m;
  m.key = std::move(key);
  m.kind = f.is_native_document() ? ObjectKind::Document : ObjectKind::File;
  if (m.kind == ObjectKind::File) {
    m.size = f.size.value_or(0);
    m.hashes.md5 = f.md5;
    m.hashes.sha256 = f.sha256;
  }
  m.mtime = f.modified_time;
  m.etag = etag_of(f);
  m.version = f.version;
  m.id = f.id;
  m.content_type = f.mime_type;
  for (const auto& [k, v] : f.app_properties) {
    std::string lower = k;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    m.metadata[lower] = v;
  }
  return m;
}

std::string metadata_json(const std::string* name, const std::string* parent, const PutOptions& options) {
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
  if (!options.metadata.empty()) {
    json_write_key(w, "appProperties");
    w.StartObject();
    for (const auto& [k, v] : options.metadata) {
      json_write_key(w, k);
      json_write_string(w, v);
    }
    w.EndObject();
  }
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string folder_json(const std::string& name, const std::string& parent) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  json_write_key(w, "name");
  json_write_string(w, name);
  json_write_key(w, "mimeType");
  json_write_string(w, kFolderMime);
  json_write_key(w, "parents");
  w.StartArray();
  json_write_string(w, parent);
  w.EndArray();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

bool transient_unknown(const Status& s) { return s.code() == ErrorCode::Network || s.code() == ErrorCode::Timeout; }

class DriveBackend;

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

class DriveBackend final : public StorageBackend, public std::enable_shared_from_this<DriveBackend> {
 public:
  DriveBackend(BackendSettings settings, std::shared_ptr<DriveClient> client)
      : settings_(std::move(settings)), client_(std::move(client)), folders_(settings_.folder_cache_ttl) {
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

  std::string scheme() const override { return "gdrive"; }
  std::string describe() const override { return "gdrive://" + settings_.folder_id; }
  const Capabilities& capabilities() const override { return caps_; }

  Result<ObjectMeta> head(const Path& path, const OpContext& ctx) override {
    if (path.is_root()) return make_error(ErrorCode::NotFound, "the root of {} is not an object", describe());
    CLOUDSYNC_ASSIGN_OR_RETURN(Found found, find(path, ctx));
    CLOUDSYNC_ASSIGN_OR_RETURN(Entry entry, single(found, path));
    return meta_of(entry.file, path.str());
  }

  Result<ObjectMeta> get(const Path& path, const GetOptions& options, ByteSink& sink, const OpContext& ctx) override {
    if (path.is_root()) return make_error(ErrorCode::NotFound, "the root of {} is not an object", describe());
    CLOUDSYNC_ASSIGN_OR_RETURN(Found found, find(path, ctx));
    CLOUDSYNC_ASSIGN_OR_RETURN(Entry entry, single(found, path));
    ObjectMeta meta = meta_of(entry.file, path.str());
    if (!options.if_match.empty() && options.if_match != meta.etag) {
      return make_error(ErrorCode::PreconditionFailed, "'{}' changed in {} (version {} is no longer current)",
                        path.str(), describe(), options.if_match);
    }
    if (meta.kind == ObjectKind::Document) return export_document(entry.file, std::move(meta), options, sink, ctx);

    uint64_t offset = options.range ? options.range->offset : 0;
    if (offset > meta.size) {
      return make_error(ErrorCode::InvalidArgument, "range starts at {} beyond the end of '{}' ({} bytes)", offset,
                        path.str(), meta.size);
    }
    uint64_t length = meta.size - offset;
    if (options.range && options.range->length) length = std::min(length, *options.range->length);
    if (length == 0) return meta;  // nothing to fetch (Drive answers 416 to an empty range)
    http::RangeRequest range;
    range.offset = offset;
    if (offset > 0 || length < meta.size) range.length = length;
    std::string what = fmt::format("download of '{}'", path.str());
    CLOUDSYNC_ASSIGN_OR_RETURN(http::RangedAnswer answer, client_->download(entry.file.id, range, sink, what, ctx));
    if (answer.delivered != length) {
      return make_error(ErrorCode::Network, "{}: {} of {} bytes arrived", what, answer.delivered, length);
    }
    return meta;
  }

  Result<ObjectMeta> put(const Path& path, ByteSource& data, const PutOptions& options, const OpContext& ctx) override {
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
      folders_.clear();
      if (!data.rewind().ok()) return written;
    }
  }

  Result<std::unique_ptr<MultipartUpload>> start_multipart(const Path& path, const PutOptions& options,
                                                           const OpContext& ctx) override {
    if (path.is_root()) return make_error(ErrorCode::InvalidArgument, "cannot write the root as an object");
    CLOUDSYNC_ASSIGN_OR_RETURN(WriteTarget target, plan_write(path, options, ctx));
    return std::unique_ptr<MultipartUpload>(
        std::make_unique<DriveUpload>(shared_from_this(), path, options, std::move(target)));
  }

  Result<ListPage> list_page(const ListOptions& options, const OpContext& ctx) override {
    CLOUDSYNC_ASSIGN_OR_RETURN(RootInfo root_info, root(ctx));
    ListingCursor cursor;
    if (options.page_token.empty()) {
      CLOUDSYNC_ASSIGN_OR_RETURN(cursor, start_listing(options.prefix, root_info, ctx));
    } else {
      CLOUDSYNC_ASSIGN_OR_RETURN(cursor, ListingCursor::decode(options.page_token));
    }
    const uint32_t limit = options.max_keys > 0 ? options.max_keys : settings_.page_size;
    ListPage page;
    std::set<std::string> prefixes_seen;
    auto room = [&] { return page.objects.size() + page.common_prefixes.size() < limit; };
    while (!cursor.folders.empty() && room()) {
      if (ctx.cancelled()) return Status(ErrorCode::Cancelled, "listing cancelled");
      const WalkFolder folder = cursor.folders.front();  // a copy: visiting adds folders
      if (cursor.page_size == 0) cursor.page_size = std::min(settings_.page_size, limit);
      CLOUDSYNC_ASSIGN_OR_RETURN(FileListPage files,
                                 client_->list_files(query_literal(folder.id) + " in parents and trashed = false",
                                                     cursor.drive_token, cursor.page_size, root_info.drive_id, ctx));
      if (files.incomplete_search) {
        // A listing with holes would turn into deletions and re-uploads: fail
        // it, so that nothing is planned from it.
        return make_error(ErrorCode::Network,
                          "listing {}: Drive says the results for folder {} may be incomplete (incompleteSearch); "
                          "nothing was changed, try again",
                          describe(), folder.id);
      }
      size_t i = cursor.skip;
      for (; i < files.files.size() && room(); ++i) {
        CLOUDSYNC_RETURN_IF_ERROR(visit(folder, files.files[i], options, cursor, page, prefixes_seen, ctx));
      }
      if (i < files.files.size()) {
        cursor.skip = static_cast<uint32_t>(i);  // the next call asks for this Drive page again
        break;
      }
      cursor.skip = 0;
      if (files.next_page_token.empty()) {
        cursor.next_folder();
      } else {
        CLOUDSYNC_RETURN_IF_ERROR(cursor.advance(std::move(files.next_page_token), max_pages(options), describe()));
      }
    }
    if (!cursor.folders.empty()) page.next_page_token = cursor.encode();
    return page;
  }

  Result<std::vector<Status>> remove_many(std::span<const Path> paths, const OpContext& ctx) override {
    CLOUDSYNC_RETURN_IF_ERROR(root(ctx).status());
    std::vector<Status> results;
    results.reserve(paths.size());
    for (const Path& path : paths) {
      if (ctx.cancelled()) {
        results.emplace_back(ErrorCode::Cancelled, "delete cancelled");
        continue;
      }
      results.push_back(remove_one(path, ctx));
    }
    return results;
  }

  // For DriveUpload.
  Result<WriteTarget> plan_write(const Path& path, const PutOptions& options, const OpContext& ctx) {
    CLOUDSYNC_RETURN_IF_ERROR(root(ctx).status());
    Found found;
    CLOUDSYNC_ASSIGN_OR_RETURN(found.parents, folders_of(path.parent(), true, ctx));
    CLOUDSYNC_RETURN_IF_ERROR(find_in(found, path.name(), ctx));
    CLOUDSYNC_ASSIGN_OR_RETURN(std::optional<DriveFile> existing, check_write(found, path, options));
    WriteTarget target;
    target.parents = found.parents;
    target.upload.content_type = options.content_type.empty() ? "application/octet-stream" : options.content_type;
    if (existing) {
      // The same file, PATCHed: its ID, sharing and history stay.
      target.upload.file_id = existing->id;
      target.upload.metadata_json = metadata_json(nullptr, nullptr, options);
    } else {
      if (found.parents.size() > 1) {
        return make_error(ErrorCode::Conflict,
                          "'{}': its folder exists {} times in {} (same-name folders); refusing to choose one",
                          path.str(), found.parents.size(), describe());
      }
      std::string name(path.name());
      target.upload.metadata_json = metadata_json(&name, &found.parents.front(), options);
    }
    return target;
  }

  /// Just before an upload commits: the key must still be what plan_write saw.
  Status recheck_write(const Path& path, const PutOptions& options, const WriteTarget& target, const OpContext& ctx) {
    Found found;
    found.parents = target.parents;
    CLOUDSYNC_RETURN_IF_ERROR(find_in(found, path.name(), ctx));
    CLOUDSYNC_ASSIGN_OR_RETURN(std::optional<DriveFile> existing, check_write(found, path, options));
    std::string now = existing ? existing->id : std::string();
    if (now != target.upload.file_id) {
      return make_error(ErrorCode::Conflict, "'{}' was {} in {} while it was being uploaded", path.str(),
                        now.empty() ? "deleted" : "created", describe());
    }
    return Status::OK();
  }

  Result<ObjectMeta> written_meta(const Path& path, const DriveFile& file, const PutOptions& options,
                                  std::optional<uint64_t> size) const {
    ObjectMeta meta = meta_of(file, path.str());
    if (size && meta.size != *size) {
      return make_error(ErrorCode::Integrity, "'{}' was stored with {} bytes, {} were sent", path.str(), meta.size,
                        *size);
    }
    if (!options.known_hashes.md5.empty() && !meta.hashes.md5.empty() && options.known_hashes.md5 != meta.hashes.md5) {
      return make_error(ErrorCode::Integrity, "'{}' was corrupted on the way to Drive: checksum mismatch", path.str());
    }
    return meta;
  }

  DriveClient& client() { return *client_; }

 private:
  Result<RootInfo> root(const OpContext& ctx) {
    std::lock_guard lock(root_mutex_);
    if (root_) return *root_;
    Result<DriveFile> folder = client_->get_file(settings_.folder_id, ctx);
    if (!folder.ok()) {
      if (folder.status().code() == ErrorCode::NotFound) {
        return make_error(ErrorCode::NotFound,
                          "the Drive folder '{}' does not exist or is not shared with these credentials",
                          settings_.folder_id);
      }
      return folder.status();
    }
    if (!folder->is_folder()) {
      return make_error(ErrorCode::InvalidArgument, "the Drive item '{}' is a {}, not a folder", settings_.folder_id,
                        folder->mime_type);
    }
    if (folder->trashed) {
      return make_error(ErrorCode::NotFound, "the Drive folder '{}' is in the trash", settings_.folder_id);
    }
    root_ = RootInfo{folder->id, folder->drive_id};
    if (!root_->drive_id.empty()) log(LogLevel::Debug, "{} is in shared drive {}", describe(), root_->drive_id);
    return *root_;
  }

  static uint64_t max_pages(const ListOptions& options) {
    return options.max_pages > 0 ? options.max_pages : kDefaultMaxListPages;
  }

  // Every file a query finds, page by page.
  Status for_each_file(const std::string& query, const std::function<Status(const DriveFile&)>& visit,
                       const OpContext& ctx) {
    CLOUDSYNC_ASSIGN_OR_RETURN(RootInfo root_info, root(ctx));
    // The same guard as list_page's against a server repeating its tokens.
    ListingCursor cursor;
    for (;;) {
      if (ctx.cancelled()) return Status(ErrorCode::Cancelled, "listing cancelled");
      CLOUDSYNC_ASSIGN_OR_RETURN(FileListPage page, client_->list_files(query, cursor.drive_token, settings_.page_size,
                                                                        root_info.drive_id, ctx));
      for (const DriveFile& f : page.files) CLOUDSYNC_RETURN_IF_ERROR(visit(f));
      if (page.next_page_token.empty()) break;
      CLOUDSYNC_RETURN_IF_ERROR(cursor.advance(std::move(page.next_page_token), kDefaultMaxListPages, describe()));
    }
    return Status::OK();
  }

  std::string names_clause(std::string_view segment) const {
    std::string out;
    for (const std::string& name : candidate_names(segment, settings_.export_formats)) {
      out += out.empty() ? "(" : " or ";
      out += "name = " + query_literal(name);
    }
    return out + ")";
  }

  // The folders named `segment` in any of `parents` (and, when following
  // shortcuts, the folders shortcuts of that name point to).
  Result<std::vector<std::string>> child_folders(const std::vector<std::string>& parents, std::string_view segment,
                                                 const OpContext& ctx) {
    std::string kinds = "mimeType = " + query_literal(kFolderMime);
    if (settings_.follow_shortcuts) kinds = "(" + kinds + " or mimeType = " + query_literal(kShortcutMime) + ")";
    std::vector<std::string> ids;
    CLOUDSYNC_RETURN_IF_ERROR(for_each_file(
        parents_clause(parents) + " and " + names_clause(segment) + " and " + kinds + " and trashed = false",
        [&](const DriveFile& f) {
          if (key_segment(f, settings_.export_formats) != segment) return Status::OK();
          if (f.is_folder()) ids.push_back(f.id);
          if (f.is_shortcut() && f.shortcut_target_mime == kFolderMime) ids.push_back(f.shortcut_target_id);
          return Status::OK();
        },
        ctx));
    return ids;
  }

  // The folder IDs of `dir`, creating missing folders when asked (mkdir -p).
  Result<std::vector<std::string>> folders_of(const Path& dir, bool create, const OpContext& ctx) {
    if (dir.is_root()) {
      CLOUDSYNC_ASSIGN_OR_RETURN(RootInfo root_info, root(ctx));
      return std::vector<std::string>{root_info.id};
    }
    if (auto cached = folders_.get(dir.str())) return std::move(*cached);
    CLOUDSYNC_ASSIGN_OR_RETURN(std::vector<std::string> parents, folders_of(dir.parent(), create, ctx));
    const std::string segment(dir.name());
    CLOUDSYNC_ASSIGN_OR_RETURN(std::vector<std::string> ids, child_folders(parents, segment, ctx));
    if (ids.empty()) {
      if (!create) return make_error(ErrorCode::NotFound, "no folder '{}' in {}", dir.str(), describe());
      // One creator at a time, looking again under the lock: two threads
      // writing into a new folder must not make two folders.
      std::lock_guard lock(create_mutex_);
      CLOUDSYNC_ASSIGN_OR_RETURN(ids, child_folders(parents, segment, ctx));
      if (ids.empty()) {
        if (parents.size() > 1) {
          return make_error(ErrorCode::Conflict, "cannot create folder '{}' in {}: its parent exists {} times",
                            dir.str(), describe(), parents.size());
        }
        std::string what = fmt::format("create folder '{}'", dir.str());
        Result<DriveFile> made = client_->create_file(folder_json(segment, parents.front()), what, ctx);
        if (!made.ok() && transient_unknown(made.status())) {
          // The create may have happened before the connection broke.
          CLOUDSYNC_ASSIGN_OR_RETURN(ids, child_folders(parents, segment, ctx));
          if (ids.empty()) return made.status();
        } else {
          CLOUDSYNC_RETURN_IF_ERROR(made.status());
          log(LogLevel::Debug, "created folder '{}' ({}) in {}", dir.str(), made->id, describe());
          ids.push_back(made->id);
        }
      }
    }
    folders_.put(dir.str(), ids);
    return ids;
  }

  Status find_in(Found& found, std::string_view leaf, const OpContext& ctx) {
    return for_each_file(
        parents_clause(found.parents) + " and " + names_clause(leaf) +
            " and mimeType != " + query_literal(kFolderMime) + " and trashed = false",
        [&](const DriveFile& f) -> Status {
          if (f.is_folder()) return Status::OK();
          if (!f.is_shortcut()) {
            if (key_segment(f, settings_.export_formats) == leaf) found.entries.push_back(Entry{f, false});
            return Status::OK();
          }
          if (!settings_.follow_shortcuts || f.shortcut_target_mime == kFolderMime) return Status::OK();
          CLOUDSYNC_ASSIGN_OR_RETURN(std::optional<DriveFile> target, shortcut_target(f, ctx));
          if (target && key_segment(*target, settings_.export_formats) == leaf) {
            found.entries.push_back(Entry{std::move(*target), true});
          }
          return Status::OK();
        },
        ctx);
  }

  // The file a shortcut points to, named as the shortcut; nullopt when it
  // dangles or points to a folder.
  Result<std::optional<DriveFile>> shortcut_target(const DriveFile& shortcut, const OpContext& ctx) {
    if (shortcut.shortcut_target_id.empty()) return std::optional<DriveFile>();
    Result<DriveFile> target = client_->get_file(shortcut.shortcut_target_id, ctx);
    if (!target.ok()) {
      if (target.status().code() != ErrorCode::NotFound) return target.status();
      log(LogLevel::Debug, "{}: shortcut '{}' points to nothing", describe(), shortcut.name);
      return std::optional<DriveFile>();
    }
    if (target->is_folder() || target->is_shortcut() || target->trashed) return std::optional<DriveFile>();
    target->name = shortcut.name;
    return std::optional<DriveFile>(std::move(*target));
  }

  Result<Found> find(const Path& path, const OpContext& ctx) {
    CLOUDSYNC_RETURN_IF_ERROR(root(ctx).status());
    Found found;
    Result<std::vector<std::string>> parents = folders_of(path.parent(), false, ctx);
    if (!parents.ok()) {
      if (parents.status().code() == ErrorCode::NotFound) return found;
      return parents.status();
    }
    found.parents = std::move(parents).value();
    CLOUDSYNC_RETURN_IF_ERROR(find_in(found, path.name(), ctx));
    return found;
  }

  Result<Entry> single(const Found& found, const Path& path) const {
    if (found.entries.empty()) return make_error(ErrorCode::NotFound, "'{}' not found in {}", path.str(), describe());
    if (found.entries.size() > 1) {
      return make_error(ErrorCode::Conflict,
                        "'{}' names {} files in one folder of {} (Drive allows duplicate names); rename or remove "
                        "the extra ones in Drive",
                        path.str(), found.entries.size(), describe());
    }
    return found.entries.front();
  }

  // What a write to `path` would replace (nullopt: a new file), or why it must not happen.
  Result<std::optional<DriveFile>> check_write(const Found& found, const Path& path, const PutOptions& options) const {
    for (const Entry& e : found.entries) {
      if (e.via_shortcut) {
        return make_error(ErrorCode::Conflict, "'{}' in {} is a shortcut; cloudsync does not write through shortcuts",
                          path.str(), describe());
      }
      if (e.file.is_native_document()) {
        return make_error(ErrorCode::Conflict,
                          "'{}' in {} is a Google {} exported on download; it is never overwritten", path.str(),
                          describe(), e.file.mime_type.substr(kGoogleAppsPrefix.size()));
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
      if (etag_of(*existing) != options.if_match) {
        return make_error(ErrorCode::PreconditionFailed, "'{}' changed in {} since it was read", path.str(),
                          describe());
      }
    }
    return existing;
  }

  Result<ObjectMeta> put_once(const Path& path, ByteSource& data, const PutOptions& options,
                              std::optional<uint64_t> size, const OpContext& ctx) {
    CLOUDSYNC_ASSIGN_OR_RETURN(WriteTarget target, plan_write(path, options, ctx));
    std::string what = fmt::format("upload of '{}'", path.str());
    Result<DriveFile> written = size && *size < settings_.upload_cutoff
                                    ? client_->upload_multipart(target.upload, data, *size, what, ctx)
                                    : upload_resumable(target.upload, data, size, what, ctx);
    if (!written.ok()) return written.status();
    return written_meta(path, *written, options, size);
  }

  Result<DriveFile> upload_resumable(const UploadTarget& target, ByteSource& data, std::optional<uint64_t> size,
                                     const std::string& what, const OpContext& ctx) {
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

  Result<ObjectMeta> export_document(const DriveFile& file, ObjectMeta meta, const GetOptions& options, ByteSink& sink,
                                     const OpContext& ctx) {
    std::optional<ExportFormat> format = settings_.export_formats.for_type(file.mime_type);
    if (!format) return make_error(ErrorCode::Unsupported, "'{}' cannot be exported", meta.key);
    std::string what = fmt::format("export of '{}' as {}", meta.key, format->extension);
    Result<std::string> data = client_->export_file(file.id, format->mime_type, kExportCap, what, ctx);
    if (!data.ok() && data.status().provider_code() == "exportSizeLimitExceeded") {
      auto link = file.export_links.find(format->mime_type);
      if (link == file.export_links.end()) return data.status();
      log(LogLevel::Info, "{}: too large for files.export; using the file's export link", what);
      Result<std::string> via_link = client_->fetch_export_link(link->second, kExportCap, what, ctx);
      if (!via_link.ok()) {
        return via_link.status().with_context(
            fmt::format("{} (files.export refused it as too large, and its export link failed too)", what));
      }
      data = std::move(via_link);
    }
    if (!data.ok()) return data.status();
    // An export has no stable bytes to resume into; a range is cut from a whole export.
    std::string_view bytes = *data;
    if (options.range) {
      if (options.range->offset > bytes.size()) {
        return make_error(ErrorCode::InvalidArgument, "range starts beyond the end of the export of '{}'", meta.key);
      }
      bytes =
          bytes.substr(static_cast<size_t>(options.range->offset),
                       options.range->length ? static_cast<size_t>(*options.range->length) : std::string_view::npos);
    }
    if (!bytes.empty()) CLOUDSYNC_RETURN_IF_ERROR(sink.write(bytes));
    // The metadata stays what listings and head() say (no size: a document
    // has none of its own), so that the version recorded after a download
    // matches the next look at the document.
    return meta;
  }

  Result<ListingCursor> start_listing(const std::string& prefix, const RootInfo& root_info, const OpContext& ctx) {
    ListingCursor cursor;
    size_t slash = prefix.rfind('/');
    std::string dir = slash == std::string::npos ? std::string() : prefix.substr(0, slash);
    std::vector<std::string> chain;
    if (settings_.follow_shortcuts) chain.push_back(root_info.id);
    if (dir.empty()) {
      cursor.folders.push_back(WalkFolder{root_info.id, "", chain});
      return cursor;
    }
    auto dir_path = Path::parse(dir);
    if (!dir_path.ok()) return dir_path.status().with_context("list prefix");
    Result<std::vector<std::string>> ids = folders_of(*dir_path, false, ctx);
    if (!ids.ok()) {
      if (ids.status().code() == ErrorCode::NotFound) return cursor;  // nothing under that prefix
      return ids.status();
    }
    for (const std::string& id : *ids) {
      std::vector<std::string> own = chain;
      if (settings_.follow_shortcuts) own.push_back(id);
      cursor.folders.push_back(WalkFolder{id, dir + "/", std::move(own)});
    }
    return cursor;
  }

  // One listing entry: an object, a common prefix, a folder to walk, or nothing.
  Status visit(const WalkFolder& folder, const DriveFile& file, const ListOptions& options, ListingCursor& cursor,
               ListPage& page, std::set<std::string>& prefixes_seen, const OpContext& ctx) {
    if (file.trashed) return Status::OK();
    const DriveFile* item = &file;
    std::optional<DriveFile> target;
    std::string folder_id;
    if (file.is_folder()) {
      folder_id = file.id;
    } else if (file.is_shortcut()) {
      if (!settings_.follow_shortcuts) {
        log(LogLevel::Debug, "listing {}: skipping shortcut '{}{}'", describe(), folder.key_prefix, file.name);
        return Status::OK();
      }
      if (file.shortcut_target_mime == kFolderMime) {
        folder_id = file.shortcut_target_id;
      } else {
        CLOUDSYNC_ASSIGN_OR_RETURN(target, shortcut_target(file, ctx));
        if (!target) return Status::OK();
        item = &*target;
      }
    }
    std::optional<std::string> segment = key_segment(*item, settings_.export_formats);
    if (!segment) {
      log(LogLevel::Debug, "listing {}: skipping '{}{}' ({} has no export format in use)", describe(),
          folder.key_prefix, item->name, item->mime_type);
      return Status::OK();
    }
    if (!folder_id.empty()) {
      std::string dir_key = folder.key_prefix + *segment + "/";
      if (!dir_key.starts_with(options.prefix)) return Status::OK();
      if (!options.recursive) {
        if (prefixes_seen.insert(dir_key).second) page.common_prefixes.push_back(std::move(dir_key));
        return Status::OK();
      }
      if (std::find(folder.chain.begin(), folder.chain.end(), folder_id) != folder.chain.end()) {
        log(LogLevel::Warn, "listing {}: '{}' leads back to a folder above it (a shortcut loop); not followed",
            describe(), dir_key);
        return Status::OK();
      }
      std::vector<std::string> chain = folder.chain;
      if (settings_.follow_shortcuts) chain.push_back(folder_id);
      cursor.folders.push_back(WalkFolder{folder_id, std::move(dir_key), std::move(chain)});
      return Status::OK();
    }
    std::string key = folder.key_prefix + *segment;
    if (!key.starts_with(options.prefix)) return Status::OK();
    page.objects.push_back(meta_of(*item, std::move(key)));
    return Status::OK();
  }

  Status remove_one(const Path& path, const OpContext& ctx) {
    if (path.is_root()) return make_error(ErrorCode::InvalidArgument, "cannot delete the root");
    CLOUDSYNC_ASSIGN_OR_RETURN(Found found, find(path, ctx));
    if (found.entries.empty()) return Status::OK();
    for (const Entry& e : found.entries) {
      if (e.via_shortcut) {
        return make_error(ErrorCode::Conflict, "'{}' in {} is a shortcut; cloudsync does not delete through shortcuts",
                          path.str(), describe());
      }
      if (e.file.is_native_document()) {
        return make_error(ErrorCode::Conflict, "'{}' in {} is a Google-native document; it is never deleted",
                          path.str(), describe());
      }
    }
    if (found.entries.size() > 1) {
      return make_error(ErrorCode::Conflict,
                        "'{}' names {} files in one folder of {}; refusing to choose which to delete", path.str(),
                        found.entries.size(), describe());
    }
    const DriveFile& file = found.entries.front().file;
    std::string what = fmt::format("{} '{}'", settings_.use_trash ? "trash" : "delete", path.str());
    Status done = settings_.use_trash ? client_->update_metadata(file.id, R"({"trashed":true})", what, ctx).status()
                                      : client_->delete_file(file.id, what, ctx);
    if (done.code() == ErrorCode::NotFound) return Status::OK();  // gone already
    return done;
  }

  BackendSettings settings_;
  std::shared_ptr<DriveClient> client_;
  Capabilities caps_;
  FolderCache folders_;
  KeyLocks key_locks_;
  std::mutex create_mutex_;
  std::mutex root_mutex_;
  std::optional<RootInfo> root_;
};

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

}  // namespace

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
