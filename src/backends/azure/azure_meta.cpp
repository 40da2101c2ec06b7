#include "backends/azure/azure_meta.hpp"

#include <algorithm>

#include "core/ascii.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/time.hpp"
#include "http/http_date.hpp"

namespace cloudsync::azure {

namespace {

constexpr std::string_view kMetaPrefix = "x-ms-meta-";
constexpr std::string_view kDefaultContentType = "application/octet-stream";

// Metadata names travel as header names and must be C# identifiers.
bool is_metadata_name(std::string_view name) {
  if (name.empty()) return false;
  auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!letter(name.front())) return false;
  return std::all_of(name.begin(), name.end(), [&](char c) { return letter(c) || (c >= '0' && c <= '9'); });
}

bool is_metadata_value(std::string_view value) {
  return std::all_of(value.begin(), value.end(), [](char c) { return c >= 0x20 && c <= 0x7E; });
}

}  // namespace

std::string format_mtime(TimePoint t) { return format_rfc3339(t, 9); }

std::optional<TimePoint> parse_mtime(std::string_view text) {
  Result<TimePoint> t = parse_rfc3339(text);
  if (!t.ok()) return std::nullopt;
  return *t;
}

std::string quoted_etag(std::string_view etag) {
  if (etag.empty() || (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"')) return std::string(etag);
  return "\"" + std::string(etag) + "\"";
}

std::string md5_hex_from_base64(std::string_view base64) {
  Result<std::string> raw = base64_decode(base64);
  if (!raw.ok() || raw->size() != 16) return {};
  return to_hex(*raw);
}

std::string md5_base64_from_hex(std::string_view hex) {
  if (hex.size() != 32) return {};
  Result<std::string> raw = from_hex(hex);
  if (!raw.ok()) return {};
  return base64_encode(*raw);
}

void apply_metadata(ObjectMeta& meta) {
  if (auto it = meta.metadata.find(std::string(kMtimeKey)); it != meta.metadata.end()) {
    meta.mtime = parse_mtime(it->second);
  }
  bool folder_flag = false;
  if (auto it = meta.metadata.find(std::string(kFolderKey)); it != meta.metadata.end()) {
    folder_flag = ascii_lower(it->second) == "true";
  }
  // Only an empty blob is a folder placeholder. A name ending in '/' with
  // content is data: it stays a file, which the planner reports as skipped
  // (not a usable path) -- as S3 does with such a key -- instead of it
  // vanishing from every listing as a marker.
  if (meta.size == 0 && ((!meta.key.empty() && meta.key.back() == '/') || folder_flag)) {
    meta.kind = ObjectKind::DirectoryMarker;
  }
}

ObjectMeta meta_from_headers(std::string key, const http::Headers& headers) {
  ObjectMeta meta;
  meta.key = std::move(key);
  if (auto v = headers.get("Content-Length")) {
    uint64_t size = 0;
    for (char c : *v) {
      if (c < '0' || c > '9') break;
      size = size * 10 + static_cast<uint64_t>(c - '0');
    }
    meta.size = size;
  }
  if (auto v = headers.get("ETag")) meta.etag = quoted_etag(*v);
  if (auto v = headers.get("Last-Modified")) {
    Result<TimePoint> t = parse_http_date(*v);
    if (t.ok()) meta.last_modified = *t;
  }
  // x-ms-blob-content-md5 is the whole blob's MD5 on a ranged read, where
  // Content-MD5 (if any) would describe the range.
  std::optional<std::string_view> md5 = headers.get("x-ms-blob-content-md5");
  if (!md5) md5 = headers.get("Content-MD5");
  if (md5) meta.hashes.md5 = md5_hex_from_base64(*md5);
  if (auto v = headers.get("Content-Type")) meta.content_type = std::string(*v);
  if (auto v = headers.get("x-ms-version-id")) meta.version = std::string(*v);
  for (const http::Headers::Entry& e : headers.entries()) {
    if (istarts_with(e.name, kMetaPrefix)) meta.metadata[ascii_lower(e.name.substr(kMetaPrefix.size()))] = e.value;
  }
  apply_metadata(meta);
  return meta;
}

Status add_metadata_headers(http::Headers& headers, const PutOptions& options) {
  for (const auto& [name, value] : options.metadata) {
    if (!is_metadata_name(name)) {
      return make_error(ErrorCode::InvalidArgument,
                        "metadata name '{}' is not allowed by Azure (letters, digits and '_', not starting with a "
                        "digit)",
                        name);
    }
    if (!is_metadata_value(value)) {
      return make_error(ErrorCode::InvalidArgument, "the value of metadata '{}' must be printable ASCII for Azure",
                        name);
    }
    if (options.mtime && ascii_lower(name) == kMtimeKey) continue;  // the file's mtime wins
    headers.set(std::string(kMetaPrefix) + name, value);
  }
  if (options.mtime) headers.set(std::string(kMetaPrefix) + std::string(kMtimeKey), format_mtime(*options.mtime));
  return Status::OK();
}

Status add_condition_headers(http::Headers& headers, const PutOptions& options) {
  switch (options.mode) {
    case PutMode::Overwrite: break;
    case PutMode::Create: headers.set("If-None-Match", "*"); break;
    case PutMode::Update:
      if (options.if_match.empty()) {
        return make_error(ErrorCode::InvalidArgument, "a conditional update needs the etag to match");
      }
      headers.set("If-Match", quoted_etag(options.if_match));
      break;
  }
  return Status::OK();
}

Status add_write_headers(http::Headers& headers, const PutOptions& options) {
  headers.set("x-ms-blob-content-type",
              options.content_type.empty() ? kDefaultContentType : std::string_view(options.content_type));
  CLOUDSYNC_RETURN_IF_ERROR(add_metadata_headers(headers, options));
  return add_condition_headers(headers, options);
}

}  // namespace cloudsync::azure
