// The retry budget one operation's requests share (src/http/retry_budget.hpp).
#include "http/retry_budget.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {

TEST_CASE("RetryBudget: a run of failures without progress stops retries across requests", "[http][retry]") {
  RetryBudget budget(100, 3);
  const int network = retry_kind(ErrorCode::Network);
  CHECK(budget.allow_retry(network));
  CHECK(budget.allow_retry(network));
  budget.progress();  // a success in between: the run starts again
  CHECK(budget.allow_retry(network));
  CHECK(budget.allow_retry(retry_kind_http(503)));  // another kind: a new run
  CHECK(budget.allow_retry(network));
  CHECK(budget.allow_retry(network));
  CHECK_FALSE(budget.allow_retry(network));  // third in a row
  CHECK(budget.spent());
  CHECK_FALSE(budget.allow_retry(retry_kind_http(503)));  // sticky until progress
  CHECK(budget.why().find("in a row") != std::string::npos);
  budget.progress();
  CHECK_FALSE(budget.spent());

  RetryBudget total(4, 100);
  for (int i = 0; i < 4; ++i) {
    CHECK(total.allow_retry(network));
    total.progress();
  }
  CHECK_FALSE(total.allow_retry(network));
  CHECK(total.spent());
}

TEST_CASE("the budget counts the failures that asked to slow down", "[http][retry]") {
  RetryBudget budget;
  CHECK(budget.throttled() == 0);
  budget.allow_retry(retry_kind_http(503));  // S3 SlowDown, Azure ServerBusy
  budget.allow_retry(retry_kind_http(429));
  budget.allow_retry(retry_kind(ErrorCode::Throttled));
  budget.allow_retry(retry_kind(ErrorCode::Network));  // not throttling
  budget.allow_retry(retry_kind_http(500));
  CHECK(budget.throttled() == 3);
}

TEST_CASE("a run of throttling may be ten times longer than other runs before retries stop", "[http][retry]") {
  RetryBudget budget(1000, 10);
  for (int i = 0; i < 99; ++i) CHECK(budget.allow_retry(retry_kind_http(503)));
  CHECK_FALSE(budget.allow_retry(retry_kind_http(503)));  // the 100th in a row
  CHECK(budget.spent());
  RetryBudget errors(1000, 10);
  for (int i = 0; i < 9; ++i) CHECK(errors.allow_retry(retry_kind_http(500)));
  CHECK_FALSE(errors.allow_retry(retry_kind_http(500)));  // a broken store still stops at 10
}

}  // namespace cloudsync::test
