// Blob properties and metadata <-> ObjectMeta, and the headers every blob
// write carries (content type, metadata with the file's mtime, conditions).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "cloudsync/backend.hpp"
#include "http/http.hpp"

namespace cloudsync::azure {

/// Metadata key of the file's mtime; rclone uses the same key and format.
inline constexpr std::string_view kMtimeKey = "mtime";
/// Metadata key that marks a folder placeholder (ADLS Gen2, rclone, Arrow).
inline constexpr std::string_view kFolderKey = "hdi_isfolder";

/// RFC 3339 with 9 fractional digits: "2024-01-31T12:00:00.123456789Z".
std::string format_mtime(TimePoint t);
/// Any RFC 3339 time (rclone accepts and writes the same); nullopt otherwise.
std::optional<TimePoint> parse_mtime(std::string_view text);

/// The etag in its quoted HTTP form (List Blobs reports it unquoted, headers
/// quoted), so that listings, heads and If-Match agree.
std::string quoted_etag(std::string_view etag);

/// Content-MD5 (base64) as lower-case hex; empty unless it is a 16-byte digest.
std::string md5_hex_from_base64(std::string_view base64);
/// Hex MD5 (PutOptions::known_hashes) as base64 for Content-MD5; empty when it
/// is not a 32-digit hex digest.
std::string md5_base64_from_hex(std::string_view hex);

/// Fills the fields that depend on metadata and name: mtime from "mtime", and
/// the kind (zero-length blobs named with a trailing '/' or with
/// hdi_isfolder=true are directory markers; with content they are files). `meta.metadata` must already have lower-case
/// keys.
void apply_metadata(ObjectMeta& meta);

/// Object metadata from the headers of a HEAD or GET answer: size from
/// Content-Length, etag, Last-Modified, Content-MD5 (or x-ms-blob-content-md5,
/// the whole blob's MD5 on ranged reads), content type, x-ms-meta-*.
ObjectMeta meta_from_headers(std::string key, const http::Headers& headers);

/// Adds the headers of a blob write (Put Blob, Put Block List): the content
/// type, then add_metadata_headers() and add_condition_headers().
Status add_write_headers(http::Headers& headers, const PutOptions& options);

/// Adds user metadata and the mtime as x-ms-meta-*. InvalidArgument for
/// metadata names that are not C# identifiers or values that are not
/// printable ASCII.
Status add_metadata_headers(http::Headers& headers, const PutOptions& options);

/// Adds If-None-Match: * or If-Match for PutMode::Create / Update.
Status add_condition_headers(http::Headers& headers, const PutOptions& options);

}  // namespace cloudsync::azure
