// A store's permission refusal names the action it refused
// (src/backends/refused_action.hpp); open_backend puts every store behind it.
#include "backends/refused_action.hpp"
#include "cloudsync/io.hpp"
#include "support/fault_backend.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {

TEST_CASE("refused actions: a PermissionDenied names list, read, write or delete; other errors stay unlabelled",
          "[backends][errors]") {
  auto opened = open_backend("mem://refused-action-test");
  REQUIRE(opened.ok());
  auto faults = std::make_shared<FaultBackend>(opened.value());
  auto backend = backends::label_refused_actions(faults);
  const OpContext ctx;
  const Status denied(ErrorCode::PermissionDenied, "denied by the store");

  faults->fail_list(denied);
  CHECK(backend->list_page(ListOptions{}, ctx).status().missing_action() == "list");

  faults->fail_head(ErrorCode::PermissionDenied);
  CHECK(backend->head(Path::parse("a").value(), ctx).status().missing_action() == "read");

  faults->inject_get({.key = "", .after_bytes = 0, .code = ErrorCode::PermissionDenied});
  StringSink sink;
  REQUIRE(backend->write_all(Path::parse("a").value(), "x", PutOptions{}, ctx).ok());
  CHECK(backend->get(Path::parse("a").value(), GetOptions{}, sink, ctx).status().missing_action() == "read");

  faults->fail_put("b", denied);
  MemorySource data("y");
  const Status put = backend->put(Path::parse("b").value(), data, PutOptions{}, ctx).status();
  CHECK(put.code() == ErrorCode::PermissionDenied);
  CHECK(put.missing_action() == "write");

  faults->fail_remove(denied);
  const Path doomed[] = {Path::parse("a").value()};
  auto removed = backend->remove_many(doomed, ctx);
  REQUIRE(removed.ok());
  REQUIRE(removed.value().size() == 1);
  CHECK(removed.value()[0].missing_action() == "delete");

  // Only refusals are labelled: a missing object is not a missing permission.
  faults->fail_head(ErrorCode::NotFound);
  CHECK(backend->head(Path::parse("a").value(), ctx).status().missing_action().empty());
  // The label survives context added on the way up.
  const Status wrapped = put.with_context("export b");
  CHECK(wrapped.missing_action() == "write");
}

}  // namespace cloudsync::test
