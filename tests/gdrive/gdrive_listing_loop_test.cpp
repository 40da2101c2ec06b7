// A Drive that hands out page tokens that go round (the one just sent, or
// one from pages before) must make a listing fail with a clear error, never
// keep it -- or a sync built on it -- busy forever.
#include <atomic>

#include "gdrive/drive_fixture.hpp"

namespace cloudsync::test {

namespace {

// Forwards to curl, counting files.list calls; past `limit` of them it fails
// every request, so that a listing that would never end ends the test anyway.
class GuardedTransport final : public http::Transport {
 public:
  explicit GuardedTransport(int limit) : inner_(http::make_curl_transport(fast_options())), limit_(limit) {}
  Result<http::Response> send(const http::Request& request, ByteSink* sink, const OpContext& ctx) override {
    if (request.url.find("/drive/v3/files?") != std::string::npos && ++listings_ > limit_) {
      return Status(ErrorCode::Unsupported, "test guard: too many files.list calls");
    }
    return inner_->send(request, sink, ctx);
  }
  int listings() const { return listings_.load(); }

 private:
  std::shared_ptr<http::Transport> inner_;
  int limit_;
  std::atomic<int> listings_{0};
};

}  // namespace

TEST_CASE("Drive page tokens that go round fail the listing instead of running forever", "[gdrive][listing][hostile]") {
  DriveAdmin admin;
  std::string root = fresh_folder();
  for (int i = 0; i < 3; ++i) admin.create_file("f" + std::to_string(i) + ".txt", root, "x");
  auto guard = std::make_shared<GuardedTransport>(50);
  auto b = open_drive_with(root, guard);

  SECTION("the token just sent comes back, on pages with nothing on them (one list_page call)") {
    admin.repeat_page_tokens(root, 1);
    ListOptions opts;
    opts.max_keys = 1000;  // pages of 1000 fit everything: the backend asks Drive again within one call
    auto page = b->list_page(opts, {});
    REQUIRE_CODE(page, ErrorCode::BadResponse);
    CHECK_THAT(page.status().message(), Catch::Contains("Google Drive repeated a nextPageToken"));
    CHECK(guard->listings() <= 3);
  }
  SECTION("two tokens alternate (A, B, A, ...) across list() pages") {
    admin.repeat_page_tokens(root, 2);
    ListOptions opts;
    opts.max_keys = 1;  // one entry per list_page call, one Drive page each
    auto listed = b->list_all(opts, {});
    REQUIRE_CODE(listed, ErrorCode::BadResponse);
    CHECK_THAT(listed.status().message(), Catch::Contains("repeated"));
    CHECK(guard->listings() <= 4);
  }
  SECTION("a lookup by name pages through files.list too") {
    admin.repeat_page_tokens(root, 2);
    // Writing looks for an existing file of that name first (for_each_file).
    auto written = b->write_all(P("f0.txt"), "y", {}, {});
    CHECK_FALSE(written.ok());
    CHECK_THAT(written.status().message(), Catch::Contains("repeated a nextPageToken"));
    CHECK(guard->listings() <= 4);
  }
}

TEST_CASE("a page limit stops a Drive listing that keeps saying there is more", "[gdrive][listing][hostile]") {
  DriveAdmin admin;
  std::string root = fresh_folder();
  for (int i = 0; i < 6; ++i) admin.create_file("f" + std::to_string(i) + ".txt", root, "x");
  auto b = open_drive(drive_options(root));
  ListOptions opts;
  opts.max_keys = 1;
  opts.max_pages = 3;
  auto listed = b->list_all(opts, {});
  REQUIRE_CODE(listed, ErrorCode::LimitExceeded);
  CHECK_THAT(listed.status().message(), Catch::Contains("after 3 pages"));
  opts.max_pages = 0;  // the default is generous
  auto all = b->list_all(opts, {});
  REQUIRE_OK(all);
  CHECK(all->size() == 6);
}

}  // namespace cloudsync::test
