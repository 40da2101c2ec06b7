// JSON answers nested deep enough to overflow a recursive parser, from Drive
// or from the OAuth token endpoint, must make the backend fail with a clear
// error, never crash the process that embeds it.
#include "gdrive/drive_fixture.hpp"

namespace cloudsync::test {

TEST_CASE("deeply nested JSON from Drive or the token endpoint is an error, not a crash", "[gdrive][hostile][json]") {
  DriveAdmin admin;
  std::string root = fresh_folder();
  admin.create_file("a.txt", root, "a");

  SECTION("a files.list answer 100,000 arrays deep") {
    auto b = open_drive(drive_options(root));
    REQUIRE_OK(b->head(P("a.txt"), {}));  // the root is known: the next files.list is the listing's
    admin.nested_answers(100'000, 1);
    auto listed = b->list_all({}, {});
    REQUIRE_FALSE(listed.ok());
    CHECK_THAT(listed.status().message(), Catch::Contains("nested deeper than"));
    REQUIRE_OK(b->list_all({}, {}));  // the next answer is sane again
  }
  SECTION("a Drive error document 100,000 arrays deep") {
    auto b = open_drive(drive_options(root));
    REQUIRE_OK(b->head(P("a.txt"), {}));
    admin.nested_answers(100'000, 1, 400);
    auto listed = b->list_all({}, {});
    REQUIRE_CODE(listed, ErrorCode::InvalidArgument);  // what a 400 means, the body unreadable
  }
  SECTION("token endpoint answers 100,000 arrays deep, on success and on error") {
    for (const char* refresh : {"nested-answer-refresh-token", "nested-error-refresh-token"}) {
      INFO(refresh);
      GDriveOptions o = drive_options(root);
      o.access_token.clear();
      o.client_id = kClientId;
      o.client_secret = kClientSecret;
      o.refresh_token = refresh;
      o.token_uri = token_uri();
      auto head = open_drive(o)->head(P("a.txt"), {});
      REQUIRE_FALSE(head.ok());
      if (std::string_view(refresh) == "nested-answer-refresh-token") {
        CHECK_THAT(head.status().message(), Catch::Contains("nested deeper than"));
      } else {
        CHECK(head.status().code() == ErrorCode::InvalidArgument);  // what a 400 means, the body unreadable
      }
      CHECK(head.status().message().find(refresh) == std::string::npos);  // no secret in the message
    }
  }
}

}  // namespace cloudsync::test
