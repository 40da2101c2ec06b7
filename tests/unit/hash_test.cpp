#include "core/hash.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {

TEST_CASE("hashes match published values", "[core][hash]") {
  Hasher h(kAllHashKinds);
  h.update("123456789");
  HashSet s = h.finish();
  CHECK(s.md5 == "25f9e794323b453885f5181f1b624d0b");
  CHECK(s.sha256 == "15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225");
  CHECK(s.crc32c == "e3069283");  // the CRC-32C check value
  // Streaming in pieces gives the same digests; the hasher resets after finish.
  Hasher h2(kAllHashKinds);
  for (char c : std::string("123456789")) h2.update(std::string_view(&c, 1));
  CHECK(h2.finish() == s);
  h2.update("");
  CHECK(h2.finish().md5 == "d41d8cd98f00b204e9800998ecf8427e");
}

TEST_CASE("CRC32C is the same with and without the fast path", "[core][hash]") {
  std::string data = random_bytes(100003, 9);
  uint32_t whole = crc32c_extend(0, data);
  uint32_t pieces = 0;
  for (size_t i = 0; i < data.size(); i += 7777) pieces = crc32c_extend(pieces, std::string_view(data).substr(i, 7777));
  CHECK(whole == pieces);
}

TEST_CASE("CRC32C of pieces combines into the one-pass CRC of the whole", "[core][hash]") {
  std::string data = random_bytes(300007, 11);
  std::string_view all(data);
  const uint32_t whole = crc32c_extend(0, data);
  // Uneven pieces, an empty one, and one piece that is the whole.
  for (size_t cut : {size_t{0}, size_t{1}, size_t{4096}, size_t{150000}, data.size() - 1, data.size()}) {
    uint32_t a = crc32c_extend(0, all.substr(0, cut));
    uint32_t b = crc32c_extend(0, all.substr(cut));
    CHECK(crc32c_combine(a, b, data.size() - cut) == whole);
  }
  // Many pieces folded left to right, as a parallel download does.
  uint32_t folded = 0;
  for (size_t i = 0; i < data.size(); i += 65536) {
    std::string_view piece = all.substr(i, 65536);
    folded = crc32c_combine(folded, crc32c_extend(0, piece), piece.size());
  }
  CHECK(folded == whole);
  // The published check value, from "1234" and "56789".
  CHECK(crc32c_combine(crc32c_extend(0, "1234"), crc32c_extend(0, "56789"), 5) == 0xe3069283u);
}

TEST_CASE("HashSet comparison uses only shared kinds", "[core][hash]") {
  HashSet a, b;
  a.md5 = "aa";
  b.sha256 = "bb";
  CHECK_FALSE(a.matches(b).has_value());
  b.md5 = "aa";
  CHECK(a.matches(b) == std::optional<bool>(true));
  b.md5 = "ab";
  CHECK(a.matches(b) == std::optional<bool>(false));
}

TEST_CASE("encodings", "[core][hash]") {
  CHECK(to_hex(std::string("\x01\xab", 2)) == "01ab");
  CHECK(*from_hex("01AB") == std::string("\x01\xab", 2));
  REQUIRE_CODE(from_hex("0g"), ErrorCode::InvalidArgument);
  CHECK(base64_encode("any carnal pleas") == "YW55IGNhcm5hbCBwbGVhcw==");
  CHECK(base64_encode("any carnal pleasu") == "YW55IGNhcm5hbCBwbGVhc3U=");
  CHECK(*base64_decode("YW55IGNhcm5hbCBwbGVhc3U=") == "any carnal pleasu");
  CHECK(base64url_encode("\xfb\xff") == "-_8");
  CHECK(to_hex(hmac_sha256("key", "The quick brown fox jumps over the lazy dog")) ==
        "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
  CHECK(random_hex(8).size() == 16);
  CHECK(random_hex(8) != random_hex(8));
}

}  // namespace cloudsync::test
