// The XML documents of the S3 API this backend reads and writes (pugixml):
// error documents, ListObjectsV2 pages, multipart initiate/complete, and
// DeleteObjects requests and results. Parsing only; what the values mean is
// decided by the callers and by s3_errors.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cloudsync/status.hpp"
#include "cloudsync/types.hpp"

namespace cloudsync::s3 {

/// An <Error> document (the whole body of failed answers, and of some 200s).
struct ErrorDocument {
  std::string code;
  std::string message;
  std::string request_id;
  std::string region;       ///< <Region> of AuthorizationHeaderMalformed
  std::string endpoint;     ///< <Endpoint> of PermanentRedirect
  std::string server_time;  ///< <ServerTime> of RequestTimeTooSkewed
};

/// The error document in `body`, if the body is one (root element <Error>).
std::optional<ErrorDocument> parse_error_document(std::string_view body);

struct ListedObject {
  std::string key;  ///< decoded
  uint64_t size = 0;
  std::string etag;  ///< without quotes
  std::optional<TimePoint> last_modified;
};

struct ListObjectsPage {
  std::vector<ListedObject> objects;
  std::vector<std::string> common_prefixes;  ///< decoded
  bool truncated = false;
  std::string next_token;  ///< byte-exact, never decoded
};

/// A ListBucketResult of ListObjectsV2. With `url_encoded` (the request had
/// encoding-type=url) keys and prefixes are form-decoded ('+' is a space).
Result<ListObjectsPage> parse_list_objects_v2(std::string_view body, bool url_encoded);

/// The UploadId of an InitiateMultipartUploadResult.
Result<std::string> parse_initiate_multipart(std::string_view body);
/// The ETag (without quotes) of a CompleteMultipartUploadResult.
Result<std::string> parse_complete_multipart(std::string_view body);

struct CompletedPart {
  uint32_t number = 0;
  std::string etag;        ///< without quotes
  std::string crc32c_b64;  ///< <ChecksumCRC32C>, when the parts carried one
};
/// The ETag of a CopyObject (<CopyObjectResult>) or UploadPartCopy
/// (<CopyPartResult>) answer; BadResponse without one.
Result<std::string> parse_copy_result(std::string_view body);

std::string build_complete_multipart(std::span<const CompletedPart> parts);

/// A quiet DeleteObjects request for `keys`.
std::string build_delete_objects(std::span<const std::string> keys);

struct DeleteFailure {
  std::string key;
  std::string code;
  std::string message;
};
/// The <Error> entries of a DeleteResult (quiet mode lists only failures).
Result<std::vector<DeleteFailure>> parse_delete_result(std::string_view body);

struct PendingUpload {
  std::string key;  ///< decoded
  std::string upload_id;
  std::optional<TimePoint> initiated;
};

struct ListUploadsPage {
  std::vector<PendingUpload> uploads;
  bool truncated = false;
  std::string next_key_marker;  ///< byte-exact, never decoded
  std::string next_upload_id_marker;
};

/// A ListMultipartUploadsResult. With `url_encoded` keys are form-decoded.
Result<ListUploadsPage> parse_list_multipart_uploads(std::string_view body, bool url_encoded);

/// Strips the quotes S3 puts around ETags (and a weak "W/" prefix).
std::string unquote_etag(std::string_view etag);

}  // namespace cloudsync::s3
