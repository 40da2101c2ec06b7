#include "catalog/manifest.hpp"

#include "catalog/manifest_record.hpp"

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
  // Two of these a manifest row, a hundred thousand rows a big project: each
  // parsed in a buffer on the stack (a fingerprint is a few hundred bytes)
  // rather than in a 64 KiB pool allocated and freed for it.
  char pool[2048];
  rapidjson::MemoryPoolAllocator<> allocator(pool, sizeof pool);
  rapidjson::Document doc(&allocator);
  CLOUDSYNC_RETURN_IF_ERROR(parse_json_into(doc, json, what));
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
    m.upsert(entry);
  }
  return m;
}

std::string_view Manifest::record_of(const std::string& element) {
  return std::string_view(element).substr(element.find('\0') + 1);
}

std::optional<ManifestEntry> Manifest::find(std::string_view path) const {
  auto it = records_.find(path);
  if (it == records_.end()) return std::nullopt;
  return manifest_record::unpack(path, record_of(*it));
}

std::optional<ManifestEntry> Manifest::find_by_remote_key(std::string_view remote_key) const {
  // Almost always the entry of the same path; otherwise one differing only in Unicode form.
  if (auto it = records_.find(remote_key);
      it != records_.end() && manifest_record::remote_key(remote_key, record_of(*it)) == remote_key) {
    return manifest_record::unpack(remote_key, record_of(*it));
  }
  for (const std::string& element : records_) {
    std::string_view path = ByPath::path_of(element);
    if (manifest_record::remote_key(path, record_of(element)) == remote_key) {
      return manifest_record::unpack(path, record_of(element));
    }
  }
  return std::nullopt;
}

void Manifest::for_each(const std::function<void(const ManifestEntry&)>& visit) const {
  for (const std::string& element : records_)
    visit(manifest_record::unpack(ByPath::path_of(element), record_of(element)));
}

void Manifest::upsert(const ManifestEntry& entry) {
  thread_local std::string record;  // packed here first, so that the element is allocated once, to size
  record.clear();
  manifest_record::pack(entry, record);
  std::string element;
  element.reserve(entry.path.size() + 1 + record.size());
  element.append(entry.path).push_back('\0');
  element.append(record);
  // Entries loaded in path order (the catalog's primary key) go in at the end, without a search.
  if (records_.empty() || ByPath::path_of(*records_.rbegin()) < entry.path) {
    records_.emplace_hint(records_.end(), std::move(element));
    return;
  }
  auto it = records_.find(std::string_view(entry.path));
  if (it != records_.end()) {
    // Elements of a set are const: the new one goes in at the old one's place.
    records_.insert(records_.erase(it), std::move(element));
  } else {
    records_.insert(std::move(element));
  }
}

void Manifest::erase(std::string_view path) {
  if (auto it = records_.find(path); it != records_.end()) records_.erase(it);
}

Manifest::BaselineReader Manifest::pull_baseline() const { return BaselineReader(*this, true); }

Manifest::BaselineReader Manifest::push_baseline() const { return BaselineReader(*this, false); }

void Manifest::BaselineReader::for_each(const Visitor& visit) const {
  for (const std::string& element : manifest_.records_) visit(ByPath::path_of(element), &element);
}

BaselineEntry Manifest::BaselineReader::entry(Handle handle) const {
  BaselineEntry e;
  const auto& element = *static_cast<const std::string*>(handle);
  if (remote_is_source_) {
    manifest_record::unpack_fingerprints(record_of(element), e.source, e.destination);
  } else {
    manifest_record::unpack_fingerprints(record_of(element), e.destination, e.source);
  }
  return e;
}

}  // namespace cloudsync
