// parse_storage_url on arbitrary text: errors, never crashes, and a parsed
// URL written back (path percent-encoded) parses to the same parts.
#include <cctype>
#include <string>

#include "core/url.hpp"
#include "fuzz_check.hpp"

using namespace cloudsync;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = fuzz::as_text(data, size);
  Result<StorageUrl> url = parse_storage_url(text);
  if (!url.ok()) {
    FUZZ_CHECK(url.status().code() == ErrorCode::InvalidArgument);
    return 0;
  }
  FUZZ_CHECK(!url->scheme.empty());
  for (char c : url->scheme) FUZZ_CHECK(!std::isupper(static_cast<unsigned char>(c)));
  if (url->scheme == "file" && url->path == text) return 0;  // a plain local path, kept as given
  FUZZ_CHECK(url->root.find('/') == std::string::npos);
  std::string again = url->scheme + "://" + url->root;
  if (url->scheme == "file") {
    FUZZ_CHECK(url->root.empty());
    FUZZ_CHECK(!url->path.empty() && url->path.front() == '/');
    again += percent_encode(url->path, "/");
  } else {
    FUZZ_CHECK(!url->root.empty());
    if (!url->path.empty()) again += "/" + percent_encode(url->path);
  }
  Result<StorageUrl> reparsed = parse_storage_url(again);
  FUZZ_CHECK(reparsed.ok());
  FUZZ_CHECK(reparsed->scheme == url->scheme);
  FUZZ_CHECK(reparsed->root == url->root);
  FUZZ_CHECK(reparsed->path == url->path);
  return 0;
}
