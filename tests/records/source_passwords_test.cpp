// PostgreSQL passwords out of a conninfo and back: key=value (quoted or
// not) and postgresql:// URIs; a password in a URI's query is refused rather
// than stored.
#include <catch2/catch.hpp>

#include "records/source_passwords.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {

TEST_CASE("a conninfo's password is split off and put back", "[records][secrets]") {
  auto kv = split_conninfo_password("host=db port=5432 password='a b\\'c\\\\d' user=u");
  REQUIRE_OK(kv);
  CHECK(kv->conninfo == "host='db' port='5432' user='u'");
  REQUIRE(kv->password.has_value());
  CHECK(*kv->password == "a b'c\\d");
  CHECK(join_conninfo_password(kv->conninfo, *kv->password) ==
        "host='db' port='5432' user='u' password='a b\\'c\\\\d'");
  auto again = split_conninfo_password(join_conninfo_password(kv->conninfo, *kv->password));
  REQUIRE_OK(again);
  CHECK(again->password == kv->password);

  auto plain = split_conninfo_password("host=db password=p4ss");
  REQUIRE_OK(plain);
  CHECK(plain->conninfo == "host='db'");
  CHECK(plain->password == "p4ss");

  auto none = split_conninfo_password("dbname=shop");
  REQUIRE_OK(none);
  CHECK_FALSE(none->password.has_value());

  auto uri = split_conninfo_password("postgresql://me:p%40ss@db.example:5432/shop?sslmode=require");
  REQUIRE_OK(uri);
  CHECK(uri->conninfo == "postgresql://me@db.example:5432/shop?sslmode=require");
  CHECK(uri->password == "p%40ss");
  CHECK(join_conninfo_password(uri->conninfo, *uri->password) ==
        "postgresql://me:p%40ss@db.example:5432/shop?sslmode=require");
  auto no_password = split_conninfo_password("postgres://me@db/shop");
  REQUIRE_OK(no_password);
  CHECK_FALSE(no_password->password.has_value());

  REQUIRE_CODE(split_conninfo_password("postgresql://db/shop?password=x"), ErrorCode::InvalidArgument);
  REQUIRE_CODE(split_conninfo_password("host='db"), ErrorCode::InvalidArgument);
  REQUIRE_CODE(split_conninfo_password("host"), ErrorCode::InvalidArgument);
}

}  // namespace cloudsync::test
