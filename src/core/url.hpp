// Percent-encoding and the storage URLs users type (scheme://root/path).
#pragma once

#include <string>
#include <string_view>

#include "cloudsync/status.hpp"

namespace cloudsync {

/// RFC 3986 percent-encoding: every byte except A-Z a-z 0-9 - . _ ~ and the
/// characters in `keep` becomes %XX (upper-case hex). Space is %20, never '+'.
std::string percent_encode(std::string_view text, std::string_view keep = {});
/// Decodes %XX escapes; with `plus_is_space`, '+' decodes to a space (form
/// encoding, as in S3 listings with encoding-type=url).
Result<std::string> percent_decode(std::string_view text, bool plus_is_space = false);

/// A storage URL such as "s3://bucket/some/prefix" or "file:///data/dir".
struct StorageUrl {
  std::string scheme;  ///< lower case; "file" for plain local paths
  std::string root;    ///< bucket, container, folder id or memory store name
  std::string path;    ///< decoded path after the root, without leading '/'
};

/// Parses a URL or a plain local path ("/abs", "./rel", "rel" -> scheme "file",
/// path = the local path as given). Refuses (InvalidArgument) a storage URL
/// that carries credentials: "user:password@" or a query string (a SAS,
/// a presigned signature); the message shows the URL redacted.
Result<StorageUrl> parse_storage_url(std::string_view text);

/// `text` with the credentials parse_storage_url() refuses taken out: the
/// "user:password@" of a storage URL and its query string. Plain paths and
/// file URLs come back unchanged.
std::string without_credentials(std::string_view text);

/// Where a provider's credentials go instead of a URL or a stored option, for
/// error messages: "give a SAS through AZURE_STORAGE_SAS_TOKEN ...".
std::string_view credentials_hint(std::string_view scheme);

}  // namespace cloudsync
