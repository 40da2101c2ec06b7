#include "cloudsync/path.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {

TEST_CASE("Path accepts ordinary keys", "[core][path]") {
  for (const char* ok : {"a", "a/b/c.txt", "with space/x", "ü/ñ.txt", "a..b/c", ".hidden/x", "...", "a+b%20c"}) {
    INFO(ok);
    REQUIRE_OK(Path::parse(ok));
  }
  REQUIRE_OK(Path::parse(""));
  CHECK(Path::parse("")->is_root());
}

TEST_CASE("Path refuses hostile keys", "[core][path][security]") {
  for (std::string bad :
       {std::string("../x"), std::string("a/../../x"), std::string(".."), std::string("a/.."), std::string("./x"),
        std::string("a/./b"), std::string("/abs"), std::string("a//b"), std::string("a/"), std::string("a\0b", 3),
        std::string("a\nb"), std::string("tab\there"), std::string("del\x7f"), std::string("bad\xff utf8"),
        std::string("\xc0\xaf"), std::string("\xed\xa0\x80surrogate")}) {
    INFO("key: " << bad);
    REQUIRE_CODE(Path::parse(bad), ErrorCode::InvalidArgument);
  }
}

TEST_CASE("Path operations", "[core][path]") {
  Path p = *Path::parse("data/2024/a.csv");
  CHECK(p.name() == "a.csv");
  CHECK(p.parent().str() == "data/2024");
  CHECK(p.parent().parent().parent().is_root());
  CHECK(p.segments().size() == 3);
  Path data = *Path::parse("data");
  CHECK(p.is_within(data));
  CHECK(p.is_within(Path()));
  CHECK_FALSE(Path::parse("data2/x")->is_within(data));
  CHECK_FALSE(Path::parse("dat")->is_within(data));
  CHECK(data.is_within(data));
  CHECK(p.relative_to(data).str() == "2024/a.csv");
  CHECK(data.join(*Path::parse("x/y")).str() == "data/x/y");
  REQUIRE_CODE(data.join("../escape"), ErrorCode::InvalidArgument);
  CHECK(Path().join(data) == data);
}

}  // namespace cloudsync::test
