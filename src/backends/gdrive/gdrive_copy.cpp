// copy_from() with files.copy. Drive copies a file as a whole in one request
// and shows the new file only once it is complete, so a copy to a free name
// is made there directly. Two things Drive does not do are done here:
//
// The source is pinned by comparison. files.copy takes no precondition, so
// the source is looked up first and its etag (drive_etag: the head revision)
// compared with the listed one; then the copy's size and md5Checksum are
// compared with the ones read with that revision, and a copy of other content
// (the source changed between the look-up and the copy) is deleted and
// reported as PreconditionFailed. What remains of the race is a change to the
// very same bytes, which copies what was listed anyway.
//
// A copy never lands in an existing file: it is a new file with a new ID
// (sharing and revision history of the file it replaces are not carried
// over, unlike a put(), which uploads into the existing file). A replace is:
//   0. the old file's capabilities read: a user who may not trash it (a
//      shared drive's contributor) could not finish step 4, nor remove the
//      copy, so the copy is refused (Unsupported) before it is made, and the
//      caller streams: put() replaces the file in place, which a contributor
//      may;
//   1. files.copy under a temporary name (".<name>.cloudsync-<hex>.partial",
//      core/file_io's naming) next to the old file, which stays untouched
//      while Drive copies, however long that takes;
//   2. the destination checked again (still the file plan_write saw, still
//      the etag PutMode::Update names), as an upload does before its last
//      byte;
//   3. the copy renamed to the name (and its modifiedTime set again: a
//      rename changes it);
//   4. the old file trashed (deleted when use_trash is off).
// Renaming before removing means that for the moment between 3 and 4 the
// name is held by two files, rather than by none: a listing then reports a
// duplicate, which a plan skips as a collision, whereas an absent name could
// be planned as a deletion and carried to the other side of a sync. A
// failure at 2, 3 or 4 deletes the copy (trashes it where deleting is
// refused; failing that too, it stays and is logged) and leaves the old file
// as it was. A process killed between 3 and 4 leaves both
// files, which the next plan reports, and one killed before 3 leaves the
// temporary (listed: Drive does not hide cloudsync's temporaries). Like
// put(), this compares and then writes: a writer elsewhere between 2 and 4
// is not seen.
#include "backends/gdrive/gdrive_copy.hpp"

#include "backends/gdrive/gdrive_backend.hpp"
#include "core/error.hpp"
#include "core/file_io.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "core/url.hpp"

namespace cloudsync::gdrive {

namespace {

// Removes a copy this backend made and no longer wants: deleted for good (it
// never was the user's), else trashed where deleting is not allowed (a
// shared drive's contributor may trash but not delete).
void discard(DriveClient& client, const std::string& id, const std::string& where) {
  const OpContext cleanup;  // runs after a cancellation too
  Status deleted = client.delete_file(id, "delete " + where, cleanup);
  if (deleted.ok() || deleted.code() == ErrorCode::NotFound) return;
  Result<DriveFile> trashed = client.update_metadata(id, R"({"trashed":true})", "trash " + where, cleanup);
  if (!trashed.ok()) {
    log(LogLevel::Warn, "could not remove {} (file {}): {}; {}", where, id, deleted.to_string(),
        trashed.status().to_string());
  }
}

// Whether the user may trash (`trash`) or delete the file, as Drive's
// capabilities say; true when they do not say.
Result<bool> may_remove(DriveClient& client, const std::string& id, bool trash, const OpContext& ctx) {
  DriveClient::Call call;
  call.url = client.files_url("/" + percent_encode(id), {{"fields", "capabilities(canTrash,canDelete)"}});
  call.what = fmt::format("Drive files.get {} (capabilities)", id);
  CLOUDSYNC_ASSIGN_OR_RETURN(http::Response response, client.send(call, ctx));
  auto doc = parse_json(response.body, call.what);
  if (!doc.ok() || !doc->IsObject()) return make_error(ErrorCode::BadResponse, "{}: not a JSON object", call.what);
  auto caps = doc->FindMember("capabilities");
  if (caps == doc->MemberEnd() || !caps->value.IsObject()) return true;
  CLOUDSYNC_ASSIGN_OR_RETURN(std::optional<bool> may,
                             json_bool(caps->value, trash ? "canTrash" : "canDelete", call.what));
  return may.value_or(true);
}

// The copy holds the content the source had when it was pinned.
Status copied_content(const DriveFile& original, const DriveFile& copy, const std::string& where) {
  if (copy.size == original.size && (original.md5.empty() || copy.md5 == original.md5)) return Status::OK();
  return make_error(ErrorCode::PreconditionFailed,
                    "{}: the source changed while it was being copied (the copy holds other content); the copy was "
                    "removed",
                    where);
}

}  // namespace

bool same_drive_account(const DriveClient& to, const DriveClient& from) {
  const DriveClientConfig& mine = to.config();
  const DriveClientConfig& theirs = from.config();
  if (mine.endpoint.empty() || mine.endpoint != theirs.endpoint) return false;
  if (!mine.tokens || !theirs.tokens) return false;
  if (mine.tokens == theirs.tokens) return true;
  auto* a = dynamic_cast<auth::StaticTokenProvider*>(mine.tokens.get());
  auto* b = dynamic_cast<auth::StaticTokenProvider*>(theirs.tokens.get());
  if (a == nullptr || b == nullptr) return false;
  Result<auth::AccessToken> ta = a->token(OpContext{});
  Result<auth::AccessToken> tb = b->token(OpContext{});
  return ta.ok() && tb.ok() && !ta->value.empty() && ta->value == tb->value;
}

const DriveBackend* DriveBackend::copy_peer(const StorageBackend& source) const {
  const auto* peer = dynamic_cast<const DriveBackend*>(source.locate(Path()).store);
  if (peer == nullptr || !caps_.server_side_copy) return nullptr;
  return same_drive_account(*client_, *peer->client_) ? peer : nullptr;
}

bool DriveBackend::can_copy_from(const StorageBackend& source) const { return copy_peer(source) != nullptr; }

Result<ObjectMeta> DriveBackend::copy_from(const StorageBackend& source, const Path& src_path, const Path& dst_path,
                                           const CopyOptions& options, const OpContext& ctx) {
  const DriveBackend* peer = copy_peer(source);
  if (peer == nullptr) return StorageBackend::copy_from(source, src_path, dst_path, options, ctx);
  if (dst_path.is_root()) return make_error(ErrorCode::InvalidArgument, "cannot write the root as an object");
  const Path src_key = source.locate(src_path).key;
  if (src_key.is_root()) return make_error(ErrorCode::NotFound, "the root of {} is not an object", peer->describe());
  // Looking the source up fills its caches (folder IDs) and nothing else:
  // the source is read, never written.
  DriveBackend& from = const_cast<DriveBackend&>(*peer);
  // Before anything is written here (not even a folder).
  CLOUDSYNC_ASSIGN_OR_RETURN(DriveFile original, from.copy_source(src_key, options, ctx));
  auto guard = key_locks_.lock(dst_path.str());
  for (int attempt = 0;; ++attempt) {
    Result<ObjectMeta> copied = copy_once(original, dst_path, options, ctx);
    if (copied.ok() || attempt > 0 || copied.status().code() != ErrorCode::NotFound) return copied;
    // A folder ID from the cache may be gone (deleted elsewhere): look again,
    // as put() does.
    log(LogLevel::Info, "copying to '{}' in {}: {}; looking its folder up again", dst_path.str(), describe(),
        copied.status().message());
    paths_.forget_folders();
  }
}

Result<DriveFile> DriveBackend::copy_source(const Path& key, const CopyOptions& options, const OpContext& ctx) {
  CLOUDSYNC_ASSIGN_OR_RETURN(Found found, paths_.find(key, ctx));
  CLOUDSYNC_ASSIGN_OR_RETURN(Entry entry, paths_.single(found, key));
  const DriveFile& file = entry.file;
  if (file.is_native_document()) {
    // Unsupported: the caller streams it, which exports it.
    return make_error(ErrorCode::Unsupported,
                      "'{}' in {} is a Google {}: its object is an export, and files.copy would make another "
                      "document, not the exported file",
                      key.str(), describe(), file.mime_type.substr(kGoogleAppsPrefix.size()));
  }
  if (!options.source_if_match.empty() && drive_etag(file) != options.source_if_match) {
    return make_error(ErrorCode::PreconditionFailed, "'{}' changed in {} since it was listed", key.str(), describe());
  }
  return file;
}

Result<ObjectMeta> DriveBackend::copy_once(const DriveFile& original, const Path& path, const CopyOptions& options,
                                           const OpContext& ctx) {
  const PutOptions& put = options.put;
  // The checks and folders of a put: PutMode, shortcuts, native documents,
  // duplicate names, missing folders created.
  CLOUDSYNC_ASSIGN_OR_RETURN(WriteTarget target, plan_write(path, put, ctx));
  if (!target.upload.file_id.empty()) return replace_by_copy(original, path, options, target, ctx);
  const std::string name(path.name());
  const std::string where = fmt::format("the copy of '{}' in {}", path.str(), describe());
  CLOUDSYNC_ASSIGN_OR_RETURN(
      DriveFile copy,
      client_->copy_file(original.id, file_metadata_json(&name, &target.parents.front(), put, &original.app_properties),
                         "files.copy to " + where, ctx));
  if (Status same = copied_content(original, copy, where); !same.ok()) {
    discard(*client_, copy.id, where);
    return same;
  }
  return written_meta(path, copy, put, original.size);
}

Result<ObjectMeta> DriveBackend::replace_by_copy(const DriveFile& original, const Path& path,
                                                 const CopyOptions& options, const WriteTarget& target,
                                                 const OpContext& ctx) {
  const PutOptions& put = options.put;
  if (target.parents.size() != 1) {
    // Which of the same-name folders holds the file is not known here; a
    // put() replaces it in place by its ID.
    return make_error(ErrorCode::Unsupported,
                      "'{}': its folder exists {} times in {} (same-name folders); it is replaced by streaming",
                      path.str(), target.parents.size(), describe());
  }
  CLOUDSYNC_ASSIGN_OR_RETURN(bool removable, may_remove(*client_, target.upload.file_id, settings_.use_trash, ctx));
  if (!removable) {
    return make_error(ErrorCode::Unsupported, "'{}' in {}: the user may not {} it, so a copy could not replace it",
                      path.str(), describe(), settings_.use_trash ? "trash" : "delete");
  }
  const std::string name(path.name());
  const std::string temporary = partial_file_name(name);
  const std::string where = fmt::format("the copy of '{}' in {} ({})", path.str(), describe(), temporary);
  CLOUDSYNC_ASSIGN_OR_RETURN(DriveFile copy, client_->copy_file(original.id,
                                                                file_metadata_json(&temporary, &target.parents.front(),
                                                                                   put, &original.app_properties),
                                                                "files.copy to " + where, ctx));
  auto give_up = [&](Status reason) {
    discard(*client_, copy.id, where);
    return reason;
  };
  if (Status same = copied_content(original, copy, where); !same.ok()) return give_up(same);
  if (Status still = recheck_write(path, put, target, ctx); !still.ok()) return give_up(still);
  PutOptions renamed;
  renamed.mtime = put.mtime;
  Result<DriveFile> named =
      client_->update_metadata(copy.id, file_metadata_json(&name, nullptr, renamed), "rename of " + where, ctx);
  if (!named.ok()) return give_up(named.status());
  Status removed = remove_file(
      target.upload.file_id,
      fmt::format("{} of the file '{}' replaced by a copy", settings_.use_trash ? "trash" : "delete", path.str()), ctx);
  if (!removed.ok() && removed.code() != ErrorCode::NotFound) return give_up(removed);
  log(LogLevel::Debug, "'{}' in {}: replaced by a copy of file {}", path.str(), describe(), original.id);
  return written_meta(path, *named, put, original.size);
}

}  // namespace cloudsync::gdrive
