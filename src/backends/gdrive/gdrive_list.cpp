// list_page: a breadth-first walk of the folder tree, one Drive page at a
// time, its position carried in the page token (ListingCursor).
#include <algorithm>

#include "backends/gdrive/gdrive_backend.hpp"
#include "backends/gdrive/gdrive_names.hpp"
#include "core/error.hpp"
#include "core/log.hpp"

namespace cloudsync::gdrive {

Result<ListPage> DriveBackend::list_page(const ListOptions& options, const OpContext& ctx) {
  CLOUDSYNC_ASSIGN_OR_RETURN(RootInfo root_info, paths_.root(ctx));
  ListingCursor cursor;
  if (options.page_token.empty()) {
    CLOUDSYNC_ASSIGN_OR_RETURN(cursor, start_listing(options.prefix, root_info, ctx));
  } else {
    CLOUDSYNC_ASSIGN_OR_RETURN(cursor, ListingCursor::decode(options.page_token));
  }
  const uint32_t limit = options.max_keys > 0 ? options.max_keys : settings_.page_size;
  const uint64_t max_pages = options.max_pages > 0 ? options.max_pages : kDefaultMaxListPages;
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
      CLOUDSYNC_RETURN_IF_ERROR(cursor.advance(std::move(files.next_page_token), max_pages, describe()));
    }
  }
  if (!cursor.folders.empty()) page.next_page_token = cursor.encode();
  return page;
}

Result<ListingCursor> DriveBackend::start_listing(const std::string& prefix, const RootInfo& root_info,
                                                  const OpContext& ctx) {
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
  Result<std::vector<std::string>> ids = paths_.folders_of(*dir_path, false, ctx);
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

Status DriveBackend::visit(const WalkFolder& folder, const DriveFile& file, const ListOptions& options,
                           ListingCursor& cursor, ListPage& page, std::set<std::string>& prefixes_seen,
                           const OpContext& ctx) {
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
      CLOUDSYNC_ASSIGN_OR_RETURN(target, paths_.shortcut_target(file, ctx));
      if (!target) return Status::OK();
      item = &*target;
    }
  }
  std::optional<std::string> segment = key_segment(*item, settings_.export_formats);
  if (!segment) {
    log(LogLevel::Debug, "listing {}: skipping '{}{}' ({} has no export format in use)", describe(), folder.key_prefix,
        item->name, item->mime_type);
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
  page.objects.push_back(object_meta(*item, std::move(key)));
  return Status::OK();
}

}  // namespace cloudsync::gdrive
