// The one serialiser of object metadata and listings (include/cloudsync/listing.hpp,
// capi/schema/listing.schema.json): the CLI, the C ABI and plans all write
// objects through write_object_meta.
#include "cloudsync/listing.hpp"

#include "core/json.hpp"
#include "core/time.hpp"
#include "sync/json_writers.hpp"

namespace cloudsync {

namespace {

std::string_view kind_name(ObjectKind kind) {
  switch (kind) {
    case ObjectKind::File: return "file";
    case ObjectKind::DirectoryMarker: return "directory";
    case ObjectKind::Document: return "document";
  }
  return "file";
}

void write_optional(JsonWriter& w, std::string_view key, const std::string& value) {
  if (value.empty()) return;
  json_write_key(w, key);
  json_write_string(w, value);
}

// Past this many bytes a streamed document goes to its output.
constexpr size_t kFlushBytes = 64 * 1024;

}  // namespace

void write_object_meta(JsonWriter& w, const ObjectMeta& m) {
  w.StartObject();
  json_write_key(w, "key");
  json_write_string(w, m.key);
  json_write_key(w, "kind");
  json_write_string(w, kind_name(m.kind));
  json_write_key(w, "size");
  w.Uint64(m.size);
  if (m.mtime) {
    json_write_key(w, "mtime");
    json_write_string(w, format_rfc3339(*m.mtime));
  }
  if (m.last_modified) {
    json_write_key(w, "last_modified");
    json_write_string(w, format_rfc3339(*m.last_modified));
  }
  write_optional(w, "etag", m.etag);
  write_optional(w, "version", m.version);
  write_optional(w, "id", m.id);
  for (HashKind k : {HashKind::Md5, HashKind::Sha256, HashKind::Crc32c})
    write_optional(w, hash_kind_name(k), m.hashes.get(k));
  write_optional(w, "content_type", m.content_type);
  w.EndObject();
}

void write_folder_entry(JsonWriter& w, std::string_view prefix) {
  w.StartObject();
  json_write_key(w, "key");
  json_write_string(w, prefix);
  json_write_key(w, "kind");
  json_write_string(w, kind_name(ObjectKind::DirectoryMarker));
  w.EndObject();
}

std::string listing_entry_to_json(const ObjectMeta& meta) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  write_object_meta(w, meta);
  return std::string(buf.GetString(), buf.GetSize());
}

std::string listing_folder_to_json(std::string_view prefix) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  write_folder_entry(w, prefix);
  return std::string(buf.GetString(), buf.GetSize());
}

struct ListingJsonWriter::Impl {
  explicit Impl(Output out) : output(std::move(out)), writer(buffer) {}
  void flush(bool force) {
    if (buffer.GetSize() == 0 || (!force && buffer.GetSize() < kFlushBytes)) return;
    output(std::string_view(buffer.GetString(), buffer.GetSize()));
    buffer.Clear();  // the writer keeps only its nesting, not the text
  }
  Output output;
  rapidjson::StringBuffer buffer;
  JsonWriter writer;
  bool finished = false;
};

ListingJsonWriter::ListingJsonWriter(std::string_view url, Output output)
    : impl_(std::make_unique<Impl>(std::move(output))) {
  JsonWriter& w = impl_->writer;
  w.StartObject();
  json_write_key(w, "url");
  json_write_string(w, url);
  json_write_key(w, "entries");
  w.StartArray();
}

ListingJsonWriter::~ListingJsonWriter() { finish(); }

void ListingJsonWriter::entry(const ObjectMeta& meta) {
  write_object_meta(impl_->writer, meta);
  impl_->flush(false);
}

void ListingJsonWriter::folder(std::string_view prefix) {
  write_folder_entry(impl_->writer, prefix);
  impl_->flush(false);
}

void ListingJsonWriter::finish(std::string_view error_json) {
  if (impl_->finished) return;
  impl_->finished = true;
  JsonWriter& w = impl_->writer;
  w.EndArray();
  if (!error_json.empty()) {
    json_write_key(w, "error");
    w.RawValue(error_json.data(), error_json.size(), rapidjson::kObjectType);
  }
  w.EndObject();
  impl_->flush(true);
}

}  // namespace cloudsync
