// The Drive v3 File resource, as far as this backend reads it.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "cloudsync/status.hpp"
#include "cloudsync/types.hpp"

namespace cloudsync::gdrive {

inline constexpr std::string_view kFolderMime = "application/vnd.google-apps.folder";
inline constexpr std::string_view kShortcutMime = "application/vnd.google-apps.shortcut";
/// Every Google-native type (Docs, folders, shortcuts, forms, ...) starts so.
inline constexpr std::string_view kGoogleAppsPrefix = "application/vnd.google-apps.";

/// The File fields every call asks for: Drive returns only what `fields` names.
inline constexpr std::string_view kFileFields =
    "id,name,mimeType,size,md5Checksum,sha256Checksum,modifiedTime,version,headRevisionId,trashed,driveId,"
    "shortcutDetails(targetId,targetMimeType),exportLinks,appProperties";

struct DriveFile {
  std::string id;
  std::string name;
  std::string mime_type;
  std::optional<uint64_t> size;  ///< absent for folders, shortcuts, native documents
  std::string md5;               ///< md5Checksum (binary content only), lower-case hex
  std::string sha256;            ///< sha256Checksum, when Drive computed it
  std::optional<TimePoint> modified_time;
  std::string version;           ///< increases with every change, metadata included
  std::string head_revision_id;  ///< changes with the content (binary content only)
  bool trashed = false;
  std::string drive_id;  ///< the shared drive holding the file, if any
  std::string shortcut_target_id;
  std::string shortcut_target_mime;
  std::map<std::string, std::string> export_links;  ///< export MIME type -> URL
  std::map<std::string, std::string> app_properties;

  bool is_folder() const { return mime_type == kFolderMime; }
  bool is_shortcut() const { return mime_type == kShortcutMime; }
  /// A Google-native type other than a folder or shortcut: exported, not downloaded.
  bool is_native_document() const;
};

/// Reads a File resource; int64 fields (size, version) are JSON strings in
/// Google's APIs (numbers are accepted too).
Result<DriveFile> parse_drive_file(const rapidjson::Value& value, std::string_view what);
Result<DriveFile> parse_drive_file(std::string_view json, std::string_view what);

/// The version a caller compares: the head revision (it changes with the
/// content and only with it), else the version of a native document (which
/// changes with every edit), else the modification time.
std::string drive_etag(const DriveFile& file);
/// `file` as the object (or document) at `key`.
ObjectMeta object_meta(const DriveFile& file, std::string key);

}  // namespace cloudsync::gdrive
