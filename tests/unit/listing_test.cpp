// StorageBackend::list() against a store whose page tokens never run out:
// tokens that come back (right away or after other pages) fail the listing,
// and a page limit ends one that keeps saying "more".
#include <fmt/format.h>

#include "cloudsync/backends/memory.hpp"
#include "support/fault_backend.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {

namespace {

// Pages of one entry each; the token after the n-th page (1-based) is
// tokens[(n - 1) % tokens.size()]. Past 100 calls it fails, so that a
// listing that would never end ends the test anyway.
class LoopingBackend final : public FaultBackend {
 public:
  explicit LoopingBackend(std::vector<std::string> tokens)
      : FaultBackend(std::make_shared<MemoryBackend>("loop")), tokens_(std::move(tokens)) {}

  Result<ListPage> list_page(const ListOptions&, const OpContext&) override {
    if (++calls > 100) return Status(ErrorCode::Unsupported, "test guard: too many pages");
    ListPage page;
    ObjectMeta m;
    m.key = fmt::format("k{}", calls);
    page.objects.push_back(m);
    page.next_page_token = tokens_[static_cast<size_t>(calls - 1) % tokens_.size()];
    return page;
  }
  int calls = 0;

 private:
  std::vector<std::string> tokens_;
};

}  // namespace

TEST_CASE("list() fails on a page token it has already sent", "[list][hostile]") {
  SECTION("the token just sent") {
    LoopingBackend b({"A"});
    auto listed = b.list_all({}, kCtx);
    REQUIRE_CODE(listed, ErrorCode::BadResponse);
    CHECK_THAT(listed.status().message(), Catch::Contains("repeated a page token") && Catch::Contains("mem://loop"));
    CHECK(b.calls == 2);
  }
  SECTION("a token from pages before (A, B, C, A)") {
    LoopingBackend b({"A", "B", "C"});
    auto listed = b.list_all({}, kCtx);
    REQUIRE_CODE(listed, ErrorCode::BadResponse);
    CHECK_THAT(listed.status().message(), Catch::Contains("after page 4"));
    CHECK(b.calls == 4);
  }
  SECTION("the token the caller started from") {
    LoopingBackend b({"B", "START"});
    ListOptions opts;
    opts.page_token = "START";
    REQUIRE_CODE(b.list_all(opts, kCtx), ErrorCode::BadResponse);
    CHECK(b.calls == 2);
  }
}

TEST_CASE("list() gives up after max_pages pages", "[list][hostile]") {
  std::vector<std::string> fresh;
  for (int i = 0; i < 100; ++i) fresh.push_back(fmt::format("T{}", i));
  LoopingBackend b(fresh);
  ListOptions opts;
  opts.max_pages = 7;
  size_t seen = 0;
  Status s = b.list(
      opts,
      [&](const ObjectMeta&) {
        ++seen;
        return Status::OK();
      },
      kCtx);
  REQUIRE(s.code() == ErrorCode::LimitExceeded);
  CHECK_THAT(s.message(), Catch::Contains("after 7 pages"));
  CHECK(b.calls == 7);
  CHECK(seen == 7);

  // The default is generous: a listing of 50 real pages completes.
  auto memory = std::make_shared<MemoryBackend>("many");
  for (int i = 0; i < 50; ++i) memory->insert_raw(fmt::format("k{:02}", i), "x");
  ListOptions small;
  small.max_keys = 1;
  auto all = memory->list_all(small, kCtx);
  REQUIRE_OK(all);
  CHECK(all->size() == 50);
}

}  // namespace cloudsync::test
