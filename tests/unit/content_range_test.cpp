// The range headers servers answer with, parsed strictly (also fuzzed:
// fuzz/fuzz_content_range.cpp).
#include <limits>

#include "http/content_range.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {

TEST_CASE("Content-Range: only a range that adds up is accepted", "[http][range]") {
  auto r = http::parse_content_range("bytes 2-4/10");
  REQUIRE(r.has_value());
  CHECK(r->first == 2);
  CHECK(r->last == 4);
  CHECK(r->total == 10);
  auto max = http::parse_content_range("bytes 0-18446744073709551614/18446744073709551615");
  REQUIRE(max.has_value());
  CHECK(max->last == std::numeric_limits<uint64_t>::max() - 1);
  for (const char* bad : {"", "bytes", "bytes 4-2/10", "bytes 0-10/10", "bytes */10", "bytes 0-1/*", "bytes -1-2/10",
                          "bytes +1-2/10", "bytes 1 -2/10", "bytes 0-1/18446744073709551616", "bytes 0-1/10/11",
                          "bytes 0/1-2", "items 0-1/10", "Bytes 0-1/10"}) {
    INFO(bad);
    CHECK_FALSE(http::parse_content_range(bad).has_value());
  }
}

TEST_CASE("upload session Range: bytes held, never wrapping around", "[http][range]") {
  CHECK(http::parse_upload_range("bytes=0-0") == 1u);
  CHECK(http::parse_upload_range("bytes=0-262143") == 262144u);
  CHECK(http::parse_upload_range("bytes=0-18446744073709551614") == std::numeric_limits<uint64_t>::max());
  // N + 1 would wrap to 0 ("the server holds nothing") and restart the upload.
  CHECK_FALSE(http::parse_upload_range("bytes=0-18446744073709551615").has_value());
  for (const char* bad : {"", "bytes=1-5", "bytes=0-", "bytes=0--1", "bytes=0-+5", "bytes=0-5 ", "bytes 0-5"}) {
    INFO(bad);
    CHECK_FALSE(http::parse_upload_range(bad).has_value());
  }
}

}  // namespace cloudsync::test
