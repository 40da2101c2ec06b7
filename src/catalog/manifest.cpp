#include "catalog/manifest.hpp"

#include "core/error.hpp"
#include "core/file_io.hpp"
#include "core/json.hpp"
#include "core/time.hpp"

namespace cloudsync {

namespace fs = std::filesystem;

namespace {

constexpr int kManifestVersion = 1;  // the v1 JSON file

void write_fingerprint(JsonWriter& w, const Fingerprint& f) {
  w.StartObject();
  w.Key("size");
  w.Uint64(f.size);
  if (!f.etag.empty()) {
    w.Key("etag");
    json_write_string(w, f.etag);
  }
  if (f.mtime) {
    w.Key("mtime_ns");
    w.Int64(to_unix_nanos(*f.mtime));
  }
  for (HashKind k : {HashKind::Md5, HashKind::Sha256, HashKind::Crc32c}) {
    if (f.hashes.get(k).empty()) continue;
    json_write_key(w, hash_kind_name(k));
    json_write_string(w, f.hashes.get(k));
  }
  w.EndObject();
}

Result<Fingerprint> read_fingerprint(const rapidjson::Value& v, std::string_view what) {
  if (!v.IsObject()) return make_error(ErrorCode::InvalidArgument, "{}: fingerprint must be an object", what);
  Fingerprint f;
  CLOUDSYNC_ASSIGN_OR_RETURN(auto size, json_int(v, "size", what));
  f.size = static_cast<uint64_t>(size.value_or(0));
  CLOUDSYNC_ASSIGN_OR_RETURN(auto etag, json_string(v, "etag", what));
  f.etag = etag.value_or("");
  CLOUDSYNC_ASSIGN_OR_RETURN(auto mtime, json_int(v, "mtime_ns", what));
  if (mtime) f.mtime = from_unix_nanos(*mtime);
  for (HashKind k : {HashKind::Md5, HashKind::Sha256, HashKind::Crc32c}) {
    std::string key(hash_kind_name(k));
    CLOUDSYNC_ASSIGN_OR_RETURN(auto h, json_string(v, key.c_str(), what));
    if (h) f.hashes.set(k, *h);
  }
  return f;
}

}  // namespace

std::string fingerprint_to_json(const Fingerprint& fingerprint) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  write_fingerprint(w, fingerprint);
  return std::string(buf.GetString(), buf.GetSize());
}

Result<Fingerprint> fingerprint_from_json(std::string_view json, std::string_view what) {
  CLOUDSYNC_ASSIGN_OR_RETURN(rapidjson::Document doc, parse_json(json, what));
  return read_fingerprint(doc, what);
}

Result<Manifest> Manifest::load(const fs::path& file) {
  Manifest m;
  std::error_code ec;
  if (!fs::exists(file, ec)) return m;
  CLOUDSYNC_ASSIGN_OR_RETURN(std::string text, read_small_file(file));
  std::string what = "manifest " + file.string();
  CLOUDSYNC_ASSIGN_OR_RETURN(rapidjson::Document doc, parse_json(text, what));
  CLOUDSYNC_ASSIGN_OR_RETURN(auto version, json_int(doc, "version", what));
  if (version.value_or(0) != kManifestVersion) {
    return make_error(ErrorCode::Unsupported, "{} has version {}, this library reads version {}", what,
                      version.value_or(0), kManifestVersion);
  }
  auto it = doc.FindMember("entries");
  if (it == doc.MemberEnd() || !it->value.IsArray()) {
    return make_error(ErrorCode::InvalidArgument, "{}: \"entries\" must be an array", what);
  }
  for (const auto& e : it->value.GetArray()) {
    ManifestEntry entry;
    CLOUDSYNC_ASSIGN_OR_RETURN(auto path, json_string(e, "path", what));
    if (!path || !Path::validate(*path).ok() || path->empty()) {
      return make_error(ErrorCode::InvalidArgument, "{}: an entry has a missing or invalid path", what);
    }
    entry.path = *path;
    CLOUDSYNC_ASSIGN_OR_RETURN(auto remote_key, json_string(e, "remote_key", what));
    entry.remote_key = remote_key.value_or(entry.path);
    if (!Path::validate(entry.remote_key).ok() || entry.remote_key.empty()) {
      return make_error(ErrorCode::InvalidArgument, "{}: entry '{}' has an invalid remote key", what, entry.path);
    }
    CLOUDSYNC_ASSIGN_OR_RETURN(auto origin, json_string(e, "origin", what));
    entry.origin =
        origin.value_or("import") == "export" ? ManifestEntry::Origin::Exported : ManifestEntry::Origin::Imported;
    auto remote = e.FindMember("remote");
    auto local = e.FindMember("local");
    if (remote == e.MemberEnd() || local == e.MemberEnd()) {
      return make_error(ErrorCode::InvalidArgument, "{}: entry '{}' lacks remote or local state", what, entry.path);
    }
    CLOUDSYNC_ASSIGN_OR_RETURN(entry.remote, read_fingerprint(remote->value, what));
    CLOUDSYNC_ASSIGN_OR_RETURN(entry.local, read_fingerprint(local->value, what));
    CLOUDSYNC_ASSIGN_OR_RETURN(auto version_id, json_string(e, "remote_version", what));
    entry.remote_version = version_id.value_or("");
    CLOUDSYNC_ASSIGN_OR_RETURN(auto id, json_string(e, "remote_id", what));
    entry.remote_id = id.value_or("");
    CLOUDSYNC_ASSIGN_OR_RETURN(auto synced, json_string(e, "synced_at", what));
    if (synced) {
      auto t = parse_rfc3339(*synced);
      if (t.ok()) entry.synced_at = *t;
    }
    m.entries_[entry.path] = std::move(entry);
  }
  return m;
}

const ManifestEntry* Manifest::find(const std::string& path) const {
  auto it = entries_.find(path);
  return it == entries_.end() ? nullptr : &it->second;
}

const ManifestEntry* Manifest::find_by_remote_key(const std::string& remote_key) const {
  if (const ManifestEntry* e = find(remote_key); e != nullptr && e->remote_key == remote_key) return e;
  for (const auto& [path, e] : entries_) {
    if (e.remote_key == remote_key) return &e;
  }
  return nullptr;
}

void Manifest::upsert(ManifestEntry entry) {
  std::string key = entry.path;
  entries_[key] = std::move(entry);
}

void Manifest::erase(const std::string& path) { entries_.erase(path); }

Baseline Manifest::pull_baseline() const {
  Baseline b;
  for (const auto& [path, e] : entries_) b.emplace(path, BaselineEntry{e.remote, e.local});
  return b;
}

Baseline Manifest::push_baseline() const {
  Baseline b;
  for (const auto& [path, e] : entries_) b.emplace(path, BaselineEntry{e.local, e.remote});
  return b;
}

}  // namespace cloudsync
