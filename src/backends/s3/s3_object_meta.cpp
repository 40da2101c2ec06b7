#include "backends/s3/s3_object_meta.hpp"

#include <cctype>

#include "backends/s3/s3_xml.hpp"
#include "core/ascii.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/time.hpp"
#include "http/http_date.hpp"

namespace cloudsync::s3 {

namespace {

constexpr int64_t kNanosPerSecond = 1'000'000'000;

bool is_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return is_hex_digit(c); });
}

bool is_token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

}  // namespace

bool etag_hides_md5(const http::Headers& headers) {
  if (headers.get("x-amz-server-side-encryption-customer-algorithm")) return true;
  auto sse = headers.get("x-amz-server-side-encryption");
  return sse && sse->starts_with("aws:kms");
}

std::string format_mtime(TimePoint t) {
  int64_t nanos = to_unix_nanos(t);
  // Decimal arithmetic on integers: a double would lose the last digits.
  bool negative = nanos < 0;
  uint64_t magnitude = negative ? static_cast<uint64_t>(-(nanos + 1)) + 1 : static_cast<uint64_t>(nanos);
  return fmt::format("{}{}.{:09}", negative ? "-" : "", magnitude / kNanosPerSecond, magnitude % kNanosPerSecond);
}

std::optional<TimePoint> parse_mtime(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  bool negative = !text.empty() && text.front() == '-';
  if (negative) text.remove_prefix(1);
  size_t dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view fraction = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  auto seconds = parse_u64(whole);
  if (!seconds || *seconds > 9'000'000'000ull) return std::nullopt;  // beyond year 2255: not a time
  if (fraction.size() > 9) fraction = fraction.substr(0, 9);         // below a nanosecond
  uint64_t nanos = 0;
  if (!fraction.empty()) {
    auto f = parse_u64(fraction);
    if (!f) return std::nullopt;
    nanos = *f;
    for (size_t i = fraction.size(); i < 9; ++i) nanos *= 10;
  }
  int64_t total = static_cast<int64_t>(*seconds) * kNanosPerSecond + static_cast<int64_t>(nanos);
  return from_unix_nanos(negative ? -total : total);
}

bool etag_is_md5(std::string_view etag) { return etag.size() == 32 && is_hex(etag); }

std::optional<std::string> md5_hex_from_base64(std::string_view b64) {
  auto raw = base64_decode(b64);
  if (!raw.ok() || raw->size() != 16) return std::nullopt;
  return to_hex(*raw);
}

Result<std::string> base64_from_hex(std::string_view hex) {
  CLOUDSYNC_ASSIGN_OR_RETURN(std::string raw, from_hex(hex));
  return base64_encode(raw);
}

Result<ObjectMeta> meta_from_response(const http::Response& response, std::string key) {
  ObjectMeta meta;
  meta.key = std::move(key);
  const http::Headers& h = response.headers;
  if (auto length = h.get("Content-Length")) {
    auto size = parse_u64(*length);
    if (!size) return make_error(ErrorCode::BadResponse, "S3 answered with a malformed Content-Length '{}'", *length);
    meta.size = *size;
  }
  meta.etag = unquote_etag(h.get("ETag").value_or(""));
  if (auto modified = h.get("Last-Modified")) {
    if (auto t = parse_http_date(*modified); t.ok()) meta.last_modified = *t;
  }
  meta.content_type = std::string(h.get("Content-Type").value_or(""));
  if (auto version = h.get("x-amz-version-id"); version && *version != "null") meta.version = std::string(*version);
  for (const http::Headers::Entry& e : h.entries()) {
    if (istarts_with(e.name, kMetaHeaderPrefix))
      meta.metadata[ascii_lower(e.name.substr(kMetaHeaderPrefix.size()))] = e.value;
  }
  if (auto it = meta.metadata.find(std::string(kMtimeKey)); it != meta.metadata.end())
    meta.mtime = parse_mtime(it->second);
  if (etag_is_md5(meta.etag) && !etag_hides_md5(h)) {
    meta.hashes.md5 = ascii_lower(meta.etag);
  } else if (auto it = meta.metadata.find(std::string(kMd5Key)); it != meta.metadata.end()) {
    if (auto md5 = md5_hex_from_base64(it->second)) meta.hashes.md5 = *md5;
  }
  if (auto it = meta.metadata.find(std::string(kSha256Key));
      it != meta.metadata.end() && it->second.size() == 64 && is_hex(it->second)) {
    meta.hashes.sha256 = ascii_lower(it->second);
  }
  if (auto it = meta.metadata.find(std::string(kCrc32cKey));
      it != meta.metadata.end() && it->second.size() == 8 && is_hex(it->second)) {
    meta.hashes.crc32c = ascii_lower(it->second);
  }
  if (meta.size == 0 && meta.key.ends_with('/')) meta.kind = ObjectKind::DirectoryMarker;
  return meta;
}

Status add_metadata_headers(http::Headers& headers, const WriteMetadata& write) {
  const PutOptions& options = *write.options;
  if (!options.content_type.empty()) headers.set("Content-Type", options.content_type);
  for (const auto& [name, value] : options.metadata) {
    if (name.empty() || !std::all_of(name.begin(), name.end(), is_token_char)) {
      return make_error(ErrorCode::InvalidArgument, "S3 cannot store a metadata entry named '{}'", name);
    }
    bool printable = std::all_of(value.begin(), value.end(), [](char c) { return c >= 0x20 && c < 0x7F; });
    if (!printable) {
      return make_error(ErrorCode::InvalidArgument, "S3 metadata '{}' must be printable ASCII", name);
    }
    headers.set(std::string(kMetaHeaderPrefix) + ascii_lower(name), value);
  }
  if (options.mtime) headers.set(std::string(kMetaHeaderPrefix) + std::string(kMtimeKey), format_mtime(*options.mtime));
  if (write.crc32c.size() == 8 && is_hex(write.crc32c)) {
    headers.set(std::string(kMetaHeaderPrefix) + std::string(kCrc32cKey), ascii_lower(write.crc32c));
  }
  const HashSet& hashes = options.known_hashes;
  if (write.multipart) {
    if (hashes.md5.size() == 32) {
      CLOUDSYNC_ASSIGN_OR_RETURN(std::string b64, base64_from_hex(hashes.md5));
      headers.set(std::string(kMetaHeaderPrefix) + std::string(kMd5Key), b64);
    }
    if (hashes.sha256.size() == 64)
      headers.set(std::string(kMetaHeaderPrefix) + std::string(kSha256Key), hashes.sha256);
  }
  return Status::OK();
}

}  // namespace cloudsync::s3
