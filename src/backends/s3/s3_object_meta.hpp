// Object metadata on S3: what HEAD/GET answers say about an object, and the
// headers a write sends. The conventions are rclone's, so objects written by
// either tool are understood by the other:
//  - x-amz-meta-mtime: the file's mtime as decimal unix seconds with up to
//    nine fraction digits ("1700000000.123456789");
//  - x-amz-meta-md5chksum: base64 MD5 of the whole content, for multipart
//    uploads, whose ETag is not an MD5.
// We add x-amz-meta-cloudsync-crc32c (hex) to every write whose CRC32C is
// known -- the cheap whole-object checksum later downloads verify (multipart
// ETags are no MD5, and an MD5 pass costs more than the rest of a transfer) --
// and x-amz-meta-cloudsync-sha256 (hex) to multipart uploads when the SHA-256
// is known.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "cloudsync/backend.hpp"
#include "http/http.hpp"

namespace cloudsync::s3 {

inline constexpr std::string_view kMetaHeaderPrefix = "x-amz-meta-";
inline constexpr std::string_view kMtimeKey = "mtime";
inline constexpr std::string_view kMd5Key = "md5chksum";
inline constexpr std::string_view kSha256Key = "cloudsync-sha256";
inline constexpr std::string_view kCrc32cKey = "cloudsync-crc32c";

/// "1700000000.123456789" (always nine fraction digits; "-1.500000000" before 1970).
std::string format_mtime(TimePoint t);
/// Parses rclone's format (also without fraction, or with fewer digits).
std::optional<TimePoint> parse_mtime(std::string_view text);

/// True when an ETag can be an MD5 of the content: 32 hex digits. Multipart
/// ETags ("...-3") and most encrypted objects' ETags are not.
bool etag_is_md5(std::string_view etag);

/// True for answers about SSE-KMS, SSE-C and DSSE objects, whose ETags are
/// not the MD5 of the content.
bool etag_hides_md5(const http::Headers& headers);

/// The metadata of a HEAD or GET answer for `key`. The size is the answer's
/// Content-Length: a caller that asked for a range corrects it.
Result<ObjectMeta> meta_from_response(const http::Response& response, std::string key);

/// What a write says about the object beyond its bytes.
struct WriteMetadata {
  const PutOptions* options = nullptr;
  /// A multipart upload: its ETag is no MD5, so the whole content's MD5 and
  /// SHA-256 are recorded when known (md5chksum, cloudsync-sha256).
  bool multipart = false;
  /// Hex CRC32C of the whole content (cloudsync-crc32c), or empty.
  std::string crc32c;
};

/// Adds Content-Type and the x-amz-meta-* headers. InvalidArgument for user
/// metadata S3 cannot carry (names must be tokens, values printable ASCII).
Status add_metadata_headers(http::Headers& headers, const WriteMetadata& write);

/// Lower-case hex MD5 from the base64 form (Content-MD5, md5chksum).
std::optional<std::string> md5_hex_from_base64(std::string_view b64);
/// Base64 of the bytes that lower-case hex `hex` stands for.
Result<std::string> base64_from_hex(std::string_view hex);

}  // namespace cloudsync::s3
