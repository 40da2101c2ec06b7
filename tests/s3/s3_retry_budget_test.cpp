// One operation's retries are bounded as a whole: when the store resets every
// GET, the files after the first few fail fast instead of each costing
// (HTTP attempts x transfer resumes) requests. Requests are counted at the
// fault proxy (tests/peers/faults.py).
#include <fmt/format.h>

#include "s3/s3_fixture.hpp"

namespace cloudsync::test {

TEST_CASE("an import from a store that resets every GET fails within a bounded number of requests",
          "[s3][faults][retry]") {
  FaultProxy& proxy = fault_proxy();
  S3Project p(proxy.url());
  constexpr int kFiles = 18;
  std::vector<std::string> keys;
  for (int i = 0; i < kFiles; ++i) {
    keys.push_back(fmt::format("reset/f{:02}.txt", i));
    p.put_remote(keys.back(), fmt::format("content {}", i));
  }
  // Object GETs only (path style: GET /bucket/prefix/...): the listing and the
  // HEADs go through, every download's connection is dropped.
  proxy.set_rule(fmt::format(R"({{"kill":true,"count":1000000,"match":"GET /{}/prefix/reset/"}})", p.bucket));
  auto started = std::chrono::steady_clock::now();
  auto r = p.ws->import_files(p.name, ImportRequest{{"reset/"}, false});
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  REQUIRE_OK(r);
  INFO(operation_result_to_json(*r));
  INFO("requests: " << proxy.hits() << ", seconds: " << seconds);
  CHECK(r->report.count(OutcomeKind::Failed) == kFiles);
  CHECK(r->report.first_error().code() == ErrorCode::Network);
  // Without the operation's budget: 10 HTTP attempts x 6 transfer attempts
  // for each file, 1080 requests (and about three minutes of backoff).
  CHECK(proxy.hits() <= 40);
  CHECK(seconds < 60);
  CHECK(list_tree(p.folder).empty());  // no file, and no temporary left behind

  // The budget is the operation's: the next run starts afresh and succeeds.
  proxy.set_rule("{}");
  auto again = p.import({"reset/"});
  CHECK(again.report.count(OutcomeKind::Done) == kFiles);
  check_nothing_partial(p);
}

}  // namespace cloudsync::test
