#include "backends/gdrive/gdrive_file.hpp"

#include "core/ascii.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "core/time.hpp"

namespace cloudsync::gdrive {

namespace {

// Google's JSON mapping writes int64 as a string ("size": "1234").
Result<std::optional<uint64_t>> int64_field(const rapidjson::Value& obj, const char* key, std::string_view what) {
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd() || it->value.IsNull()) return std::optional<uint64_t>();
  const rapidjson::Value& v = it->value;
  if (v.IsUint64()) return std::optional<uint64_t>(v.GetUint64());
  if (v.IsString()) {
    std::string_view text(v.GetString(), v.GetStringLength());
    if (std::optional<uint64_t> n = parse_u64(text)) return n;
  }
  return make_error(ErrorCode::BadResponse, "{}: \"{}\" is not an int64", what, key);
}

Result<std::map<std::string, std::string>> string_map(const rapidjson::Value& obj, const char* key,
                                                      std::string_view what) {
  std::map<std::string, std::string> out;
  auto it = obj.FindMember(key);
  if (it == obj.MemberEnd() || it->value.IsNull()) return out;
  if (!it->value.IsObject()) return make_error(ErrorCode::BadResponse, "{}: \"{}\" is not an object", what, key);
  for (const auto& m : it->value.GetObject()) {
    if (!m.value.IsString()) continue;
    out.emplace(std::string(m.name.GetString(), m.name.GetStringLength()),
                std::string(m.value.GetString(), m.value.GetStringLength()));
  }
  return out;
}

}  // namespace

bool DriveFile::is_native_document() const {
  return mime_type.starts_with(kGoogleAppsPrefix) && !is_folder() && !is_shortcut();
}

namespace {

Result<DriveFile> parse_fields(const rapidjson::Value& v, std::string_view what) {
  if (!v.IsObject()) return make_error(ErrorCode::BadResponse, "{}: a Drive file is not a JSON object", what);
  DriveFile f;
  auto text = [&](const char* key, std::string& out) -> Status {
    CLOUDSYNC_ASSIGN_OR_RETURN(std::optional<std::string> s, json_string(v, key, what));
    if (s) out = std::move(*s);
    return Status::OK();
  };
  CLOUDSYNC_RETURN_IF_ERROR(text("id", f.id));
  if (f.id.empty()) return make_error(ErrorCode::BadResponse, "{}: a Drive file without an id", what);
  CLOUDSYNC_RETURN_IF_ERROR(text("name", f.name));
  CLOUDSYNC_RETURN_IF_ERROR(text("mimeType", f.mime_type));
  CLOUDSYNC_RETURN_IF_ERROR(text("md5Checksum", f.md5));
  CLOUDSYNC_RETURN_IF_ERROR(text("sha256Checksum", f.sha256));
  CLOUDSYNC_RETURN_IF_ERROR(text("headRevisionId", f.head_revision_id));
  CLOUDSYNC_RETURN_IF_ERROR(text("driveId", f.drive_id));
  for (std::string* hex : {&f.md5, &f.sha256}) {
    *hex = ascii_lower(*hex);
  }
  CLOUDSYNC_ASSIGN_OR_RETURN(f.size, int64_field(v, "size", what));
  CLOUDSYNC_ASSIGN_OR_RETURN(std::optional<uint64_t> version, int64_field(v, "version", what));
  if (version) f.version = std::to_string(*version);
  CLOUDSYNC_ASSIGN_OR_RETURN(std::optional<bool> trashed, json_bool(v, "trashed", what));
  f.trashed = trashed.value_or(false);
  CLOUDSYNC_ASSIGN_OR_RETURN(std::optional<std::string> modified, json_string(v, "modifiedTime", what));
  if (modified) {
    CLOUDSYNC_ASSIGN_OR_RETURN(f.modified_time, parse_rfc3339(*modified));
  }
  if (auto it = v.FindMember("shortcutDetails"); it != v.MemberEnd() && it->value.IsObject()) {
    CLOUDSYNC_ASSIGN_OR_RETURN(std::optional<std::string> target, json_string(it->value, "targetId", what));
    CLOUDSYNC_ASSIGN_OR_RETURN(std::optional<std::string> mime, json_string(it->value, "targetMimeType", what));
    f.shortcut_target_id = target.value_or("");
    f.shortcut_target_mime = mime.value_or("");
  }
  CLOUDSYNC_ASSIGN_OR_RETURN(f.export_links, string_map(v, "exportLinks", what));
  CLOUDSYNC_ASSIGN_OR_RETURN(f.app_properties, string_map(v, "appProperties", what));
  return f;
}

}  // namespace

Result<DriveFile> parse_drive_file(const rapidjson::Value& v, std::string_view what) {
  auto f = parse_fields(v, what);
  // A field of the wrong type is Drive's fault, not the caller's.
  if (!f.ok() && f.status().code() == ErrorCode::InvalidArgument) {
    return Status(ErrorCode::BadResponse, f.status().message());
  }
  return f;
}

Result<DriveFile> parse_drive_file(std::string_view json, std::string_view what) {
  auto doc = parse_json(json, what);
  if (!doc.ok()) return Status(ErrorCode::BadResponse, doc.status().message());
  return parse_drive_file(*doc, what);
}

std::string drive_etag(const DriveFile& f) {
  if (!f.head_revision_id.empty()) return f.head_revision_id;
  if (!f.version.empty()) return "v" + f.version;
  return f.modified_time ? format_rfc3339(*f.modified_time, 3) : std::string();
}

ObjectMeta object_meta(const DriveFile& f, std::string key) {
  ObjectMeta m;
  m.key = std::move(key);
  m.kind = f.is_native_document() ? ObjectKind::Document : ObjectKind::File;
  if (m.kind == ObjectKind::File) {
    m.size = f.size.value_or(0);
    m.hashes.md5 = f.md5;
    m.hashes.sha256 = f.sha256;
  }
  m.mtime = f.modified_time;
  m.etag = drive_etag(f);
  m.version = f.version;
  m.id = f.id;
  m.content_type = f.mime_type;
  for (const auto& [k, v] : f.app_properties) {
    m.metadata[ascii_lower(k)] = v;
  }
  return m;
}

}  // namespace cloudsync::gdrive
