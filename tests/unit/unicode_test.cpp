#include "core/utf8.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {

TEST_CASE("NFC composes what macOS decomposes", "[core][unicode]") {
  CHECK(to_nfc("e\xcc\x81") == "\xc3\xa9");  // e + U+0301 -> é
  CHECK(to_nfc("\xc3\xa9") == "\xc3\xa9");   // already NFC
  CHECK(to_nfc("caf\x65\xcc\x81.txt") == "caf\xc3\xa9.txt");
  CHECK(to_nfc("A\xcc\x8a") == "\xc3\x85");     // A + ring -> Å
  CHECK(to_nfc("\xe2\x84\xab") == "\xc3\x85");  // U+212B ANGSTROM SIGN -> Å (singleton)
  // Canonical reordering: q + dot below (220) + dot above (230) in either order.
  CHECK(to_nfc("q\xcc\x87\xcc\xa3") == to_nfc("q\xcc\xa3\xcc\x87"));
  // ệ from e + circumflex + dot below in the "wrong" order.
  CHECK(to_nfc("e\xcc\x82\xcc\xa3") == "\xe1\xbb\x87");
  // Hangul: conjoining jamo compose algorithmically (한).
  CHECK(to_nfc("\xe1\x84\x92\xe1\x85\xa1\xe1\x86\xab") == "\xed\x95\x9c");
  // Composition exclusions stay decomposed (U+0958 DEVANAGARI QA).
  CHECK(to_nfc("\xe0\xa5\x98") == "\xe0\xa4\x95\xe0\xa4\xbc");
  CHECK(to_nfc("plain ascii") == "plain ascii");
  CHECK(to_nfc("bad\xff") == "bad\xff");
}

TEST_CASE("UTF-8 validation and case folding", "[core][unicode]") {
  CHECK(is_valid_utf8("ü日本"));
  CHECK_FALSE(is_valid_utf8("\xc0\x80"));
  CHECK_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));
  CHECK(fold_case("ReadMe.TXT") == "readme.txt");
  CHECK(fold_case("\xc3\x9c\x62\x65r") == "\xc3\xbc\x62\x65r");  // Über -> über
}

TEST_CASE("case folding is Unicode's full folding, not lower-casing of a few scripts", "[core][unicode]") {
  // ß and ẞ fold to "ss" (full folding), so these names are one name.
  CHECK(fold_case("Stra\xc3\x9f"
                  "e") == "strasse");
  CHECK(fold_case("STRASSE") == fold_case("stra\xc3\x9f"
                                          "e"));
  CHECK(fold_case("\xe1\xba\x9e") == "ss");  // U+1E9E LATIN CAPITAL LETTER SHARP S
  // Scripts outside Latin: Greek final sigma, Cyrillic, Armenian, Cherokee.
  CHECK(fold_case("\xce\xa3\xce\x99\xce\xa3") == fold_case("\xcf\x83\xce\xb9\xcf\x82"));  // ΣΙΣ ~ σις
  CHECK(fold_case("\xd0\x9c\xd0\x9e\xd0\xa1\xd0\x9a\xd0\x92\xd0\x90") ==
        "\xd0\xbc\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0");  // МОСКВА -> москва
  CHECK(fold_case("\xd4\xb1") == "\xd5\xa1");                 // Ա -> ա
  CHECK(fold_case("\xe1\x8f\xb8") == "\xe1\x8f\xb0");         // U+13F8 -> U+13F0 (Cherokee folds to upper)
  // Folding composes: a decomposed É and a composed é fold alike.
  CHECK(fold_case("E\xcc\x81t\xc3\xa9") == "\xc3\xa9t\xc3\xa9");
  // Invalid UTF-8 keeps its bytes; its ASCII letters still fold.
  CHECK(fold_case("AB\xff") == "ab\xff");
}

}  // namespace cloudsync::test
