#include "backends/gdrive/gdrive_paths.hpp"

#include "backends/gdrive/gdrive_list_cursor.hpp"
#include "backends/gdrive/gdrive_names.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "core/log.hpp"

namespace cloudsync::gdrive {

namespace {

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

// A failure after which the request may or may not have been applied.
bool transient_unknown(const Status& s) { return s.code() == ErrorCode::Network || s.code() == ErrorCode::Timeout; }

}  // namespace

DrivePaths::DrivePaths(Settings settings, std::shared_ptr<DriveClient> client)
    : settings_(std::move(settings)), client_(std::move(client)), folders_(settings_.folder_cache_ttl) {}

Result<RootInfo> DrivePaths::root(const OpContext& ctx) {
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
  if (!root_->drive_id.empty()) log(LogLevel::Debug, "{} is in shared drive {}", settings_.describe, root_->drive_id);
  return *root_;
}

// Every file a query finds, page by page.
Status DrivePaths::for_each_file(const std::string& query, const std::function<Status(const DriveFile&)>& visit,
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
    CLOUDSYNC_RETURN_IF_ERROR(
        cursor.advance(std::move(page.next_page_token), kDefaultMaxListPages, settings_.describe));
  }
  return Status::OK();
}

std::string DrivePaths::names_clause(std::string_view segment) const {
  std::string out;
  for (const std::string& name : candidate_names(segment, *settings_.export_formats)) {
    out += out.empty() ? "(" : " or ";
    out += "name = " + query_literal(name);
  }
  return out + ")";
}

// The folders named `segment` in any of `parents` (and, when following
// shortcuts, the folders shortcuts of that name point to).
Result<std::vector<std::string>> DrivePaths::child_folders(const std::vector<std::string>& parents,
                                                           std::string_view segment, const OpContext& ctx) {
  std::string kinds = "mimeType = " + query_literal(kFolderMime);
  if (settings_.follow_shortcuts) kinds = "(" + kinds + " or mimeType = " + query_literal(kShortcutMime) + ")";
  std::vector<std::string> ids;
  CLOUDSYNC_RETURN_IF_ERROR(for_each_file(
      parents_clause(parents) + " and " + names_clause(segment) + " and " + kinds + " and trashed = false",
      [&](const DriveFile& f) {
        if (key_segment(f, *settings_.export_formats) != segment) return Status::OK();
        if (f.is_folder()) ids.push_back(f.id);
        if (f.is_shortcut() && f.shortcut_target_mime == kFolderMime) ids.push_back(f.shortcut_target_id);
        return Status::OK();
      },
      ctx));
  return ids;
}

Result<std::vector<std::string>> DrivePaths::folders_of(const Path& dir, bool create, const OpContext& ctx) {
  if (dir.is_root()) {
    CLOUDSYNC_ASSIGN_OR_RETURN(RootInfo root_info, root(ctx));
    return std::vector<std::string>{root_info.id};
  }
  if (auto cached = folders_.get(dir.str())) return std::move(*cached);
  CLOUDSYNC_ASSIGN_OR_RETURN(std::vector<std::string> parents, folders_of(dir.parent(), create, ctx));
  const std::string segment(dir.name());
  CLOUDSYNC_ASSIGN_OR_RETURN(std::vector<std::string> ids, child_folders(parents, segment, ctx));
  if (ids.empty()) {
    if (!create) return make_error(ErrorCode::NotFound, "no folder '{}' in {}", dir.str(), settings_.describe);
    // One creator at a time, looking again under the lock: two threads
    // writing into a new folder must not make two folders.
    std::lock_guard lock(create_mutex_);
    CLOUDSYNC_ASSIGN_OR_RETURN(ids, child_folders(parents, segment, ctx));
    if (ids.empty()) {
      if (parents.size() > 1) {
        return make_error(ErrorCode::Conflict, "cannot create folder '{}' in {}: its parent exists {} times", dir.str(),
                          settings_.describe, parents.size());
      }
      std::string what = fmt::format("create folder '{}'", dir.str());
      Result<DriveFile> made = client_->create_file(folder_json(segment, parents.front()), what, ctx);
      if (!made.ok() && transient_unknown(made.status())) {
        // The create may have happened before the connection broke.
        CLOUDSYNC_ASSIGN_OR_RETURN(ids, child_folders(parents, segment, ctx));
        if (ids.empty()) return made.status();
      } else {
        CLOUDSYNC_RETURN_IF_ERROR(made.status());
        log(LogLevel::Debug, "created folder '{}' ({}) in {}", dir.str(), made->id, settings_.describe);
        ids.push_back(made->id);
      }
    }
  }
  folders_.put(dir.str(), ids);
  return ids;
}

Status DrivePaths::find_in(Found& found, std::string_view leaf, const OpContext& ctx) {
  return for_each_file(
      parents_clause(found.parents) + " and " + names_clause(leaf) + " and mimeType != " + query_literal(kFolderMime) +
          " and trashed = false",
      [&](const DriveFile& f) -> Status {
        if (f.is_folder()) return Status::OK();
        if (!f.is_shortcut()) {
          if (key_segment(f, *settings_.export_formats) == leaf) found.entries.push_back(Entry{f, false});
          return Status::OK();
        }
        if (!settings_.follow_shortcuts || f.shortcut_target_mime == kFolderMime) return Status::OK();
        CLOUDSYNC_ASSIGN_OR_RETURN(std::optional<DriveFile> target, shortcut_target(f, ctx));
        if (target && key_segment(*target, *settings_.export_formats) == leaf) {
          found.entries.push_back(Entry{std::move(*target), true});
        }
        return Status::OK();
      },
      ctx);
}

Result<std::optional<DriveFile>> DrivePaths::shortcut_target(const DriveFile& shortcut, const OpContext& ctx) {
  if (shortcut.shortcut_target_id.empty()) return std::optional<DriveFile>();
  Result<DriveFile> target = client_->get_file(shortcut.shortcut_target_id, ctx);
  if (!target.ok()) {
    if (target.status().code() != ErrorCode::NotFound) return target.status();
    log(LogLevel::Debug, "{}: shortcut '{}' points to nothing", settings_.describe, shortcut.name);
    return std::optional<DriveFile>();
  }
  if (target->is_folder() || target->is_shortcut() || target->trashed) return std::optional<DriveFile>();
  target->name = shortcut.name;
  return std::optional<DriveFile>(std::move(*target));
}

Result<Found> DrivePaths::find(const Path& path, const OpContext& ctx) {
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

Result<Entry> DrivePaths::single(const Found& found, const Path& path) const {
  if (found.entries.empty()) {
    return make_error(ErrorCode::NotFound, "'{}' not found in {}", path.str(), settings_.describe);
  }
  if (found.entries.size() > 1) {
    return make_error(ErrorCode::Conflict,
                      "'{}' names {} files in one folder of {} (Drive allows duplicate names); rename or remove "
                      "the extra ones in Drive",
                      path.str(), found.entries.size(), settings_.describe);
  }
  return found.entries.front();
}

}  // namespace cloudsync::gdrive
