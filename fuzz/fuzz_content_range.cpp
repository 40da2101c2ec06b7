// The range headers (Content-Range on a 206, an upload session's Range) on
// arbitrary text: a range accepted adds up, never wraps, and written back in
// canonical form it parses to the same numbers.
#include <string>

#include "fuzz_check.hpp"
#include "http/content_range.hpp"

using namespace cloudsync;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = fuzz::as_text(data, size);
  if (auto r = http::parse_content_range(text)) {
    FUZZ_CHECK(r->first <= r->last);
    FUZZ_CHECK(r->last < r->total);
    FUZZ_CHECK(r->last - r->first + 1 <= r->total);
    std::string canonical =
        "bytes " + std::to_string(r->first) + "-" + std::to_string(r->last) + "/" + std::to_string(r->total);
    auto again = http::parse_content_range(canonical);
    FUZZ_CHECK(again && again->first == r->first && again->last == r->last && again->total == r->total);
  }
  if (auto held = http::parse_upload_range(text)) {
    FUZZ_CHECK(*held >= 1);
    auto again = http::parse_upload_range("bytes=0-" + std::to_string(*held - 1));
    FUZZ_CHECK(again && *again == *held);
  }
  return 0;
}
