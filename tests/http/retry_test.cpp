// The retry loop: backoff bounds and the loop's rules in virtual time, then
// against the test server in real time.
#include <random>
#include <set>
#include <thread>

#include "http/http_fixture.hpp"
#include "http/internal.hpp"

namespace cloudsync::http {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using test::CountingSource;
using test::OneShotSource;

namespace {

/// Virtual time: sleeping advances the clock instantly.
struct FakeTime {
  detail::Clock::time_point now{};
  std::vector<milliseconds> sleeps;
  std::mt19937_64 rng{42};

  detail::RetryEnvironment env() {
    detail::RetryEnvironment e;
    e.now = [this] { return now; };
    e.sleep = [this](milliseconds d) {
      sleeps.push_back(d);
      now += d;
    };
    e.random = [this] { return rng(); };
    return e;
  }
  milliseconds elapsed() const { return std::chrono::duration_cast<milliseconds>(now - detail::Clock::time_point{}); }
};

Response answer(int status, std::string retry_after_value = {}) {
  Response r;
  r.status = status;
  if (!retry_after_value.empty()) r.headers.set("Retry-After", retry_after_value);
  return r;
}

Outcome classify(const Result<Response>& r) { return classify_default(r, true); }

/// Runs the loop in virtual time with `script(attempt)` as the server.
struct Run {
  FakeTime time;
  std::vector<milliseconds> attempt_times;  ///< virtual time of each attempt
  Result<Response> result = Status(ErrorCode::Internal, "not run");

  Run& go(const RetryPolicy& policy, const std::function<Result<Response>(uint32_t)>& script,
          ByteSource* body = nullptr, const OpContext& ctx = {}) {
    detail::RetryEnvironment env = time.env();
    result = detail::send_with_retry(
        policy, ctx,
        [&](uint32_t n) {
          attempt_times.push_back(time.elapsed());
          return script(n);
        },
        classify, body, "GET https://example.invalid/k", env);
    return *this;
  }
  size_t attempts() const { return attempt_times.size(); }
};

}  // namespace

TEST_CASE("backoff: decorrelated jitter stays within its bounds") {
  std::mt19937_64 rng(7);
  detail::Backoff backoff(100ms, 15'000ms, [&] { return rng(); });
  milliseconds previous = backoff.next();
  CHECK(previous == 100ms);  // the first wait is always the initial backoff
  std::set<int64_t> distinct;
  bool reached_cap = false;
  for (int i = 0; i < 2000; ++i) {
    milliseconds wait = backoff.next();
    INFO("draw " << i << ": previous " << previous.count() << " ms, now " << wait.count() << " ms");
    REQUIRE(wait >= 100ms);
    REQUIRE(wait <= std::min(15'000ms, previous * 3));
    distinct.insert(wait.count());
    reached_cap = reached_cap || wait == 15'000ms;
    previous = wait;
  }
  CHECK(distinct.size() > 100);  // really random, not a fixed schedule
  CHECK(reached_cap);

  SECTION("the extremes of the random source give the extremes of the range") {
    detail::Backoff low(100ms, 15'000ms, [] { return uint64_t{0}; });
    for (int i = 0; i < 5; ++i) CHECK(low.next() == 100ms);
    // uint64 max % span == span - 1 only for some spans; walk the upper bound with a
    // source that always lands on the top of the range.
    milliseconds prev{0};
    std::vector<milliseconds> seen;
    detail::Backoff high(100ms, 15'000ms, [&] {
      uint64_t span = static_cast<uint64_t>(prev.count() * 3 - 100) + 1;
      return span - 1;
    });
    for (int i = 0; i < 7; ++i) {
      prev = high.next();
      seen.push_back(prev);
    }
    CHECK(seen == std::vector<milliseconds>{100ms, 300ms, 900ms, 2700ms, 8100ms, 15'000ms, 15'000ms});
  }
}

TEST_CASE("retry loop: transient answers are retried until success") {
  RetryPolicy policy;
  Run run;
  run.go(policy, [](uint32_t n) -> Result<Response> { return n < 3 ? answer(503) : answer(200); });
  REQUIRE_OK(run.result);
  CHECK(run.result->status == 200);
  REQUIRE(run.attempts() == 3);
  CHECK(run.attempt_times[1] - run.attempt_times[0] == policy.initial_backoff);
  milliseconds second = run.attempt_times[2] - run.attempt_times[1];
  CHECK(second >= policy.initial_backoff);
  CHECK(second <= 3 * policy.initial_backoff);
  // Sleeps are short slices, so a cancellation is noticed promptly.
  for (milliseconds slice : run.time.sleeps) CHECK(slice <= detail::kSleepSlice + 1ms);
}

TEST_CASE("retry loop: Retry-After wins, even beyond max_backoff") {
  RetryPolicy policy;
  policy.max_backoff = 1s;
  Run run;
  run.go(policy, [](uint32_t n) -> Result<Response> { return n == 1 ? answer(503, "5") : answer(200); });
  REQUIRE_OK(run.result);
  REQUIRE(run.attempts() == 2);
  CHECK(run.attempt_times[1] >= 5s);
  CHECK(run.attempt_times[1] < 5s + detail::kSleepSlice * 2);
}

TEST_CASE("retry loop: a Retry-After beyond the total cap ends the retries at once") {
  RetryPolicy policy;
  policy.max_total = 3s;
  Run run;
  run.go(policy, [](uint32_t) -> Result<Response> { return answer(429, "10"); });
  REQUIRE_OK(run.result);
  CHECK(run.result->status == 429);
  CHECK(run.attempts() == 1);
  CHECK(run.time.elapsed() == 0ms);
}

TEST_CASE("retry loop: the total time cap is respected") {
  RetryPolicy policy;
  policy.max_attempts = 1000;
  policy.initial_backoff = 100ms;
  policy.max_backoff = 1s;
  policy.max_total = 5s;
  Run run;
  run.go(policy, [](uint32_t) -> Result<Response> { return answer(500); });
  REQUIRE_OK(run.result);
  CHECK(run.result->status == 500);
  CHECK(run.time.elapsed() <= policy.max_total);
  CHECK(run.attempts() > 4);
  CHECK(run.attempts() < 1000);
}

TEST_CASE("retry loop: exhaustion after max_attempts returns the last answer") {
  RetryPolicy policy;
  policy.max_attempts = 4;
  Run run;
  run.go(policy, [](uint32_t n) -> Result<Response> {
    Response r = answer(503);
    r.body = "attempt " + std::to_string(n);
    return r;
  });
  REQUIRE_OK(run.result);
  CHECK(run.attempts() == 4);
  CHECK(run.result->status == 503);
  CHECK(run.result->body == "attempt 4");

  SECTION("a transport error says how many attempts were made") {
    Run errors;
    errors.go(policy, [](uint32_t) -> Result<Response> { return Status(ErrorCode::Network, "GET u: reset"); });
    REQUIRE_CODE(errors.result, ErrorCode::Network);
    CHECK(errors.attempts() == 4);
    CHECK(errors.result.status().message().find("4 attempts") != std::string::npos);
  }
}

TEST_CASE("retry loop: failures that are not transient are not retried") {
  Run run;
  run.go(RetryPolicy{}, [](uint32_t) -> Result<Response> { return answer(404); });
  CHECK(run.attempts() == 1);
  CHECK(run.result->status == 404);
  Run denied;
  denied.go(RetryPolicy{}, [](uint32_t) -> Result<Response> { return Status(ErrorCode::PermissionDenied, "no"); });
  CHECK(denied.attempts() == 1);
  REQUIRE_CODE(denied.result, ErrorCode::PermissionDenied);
}

TEST_CASE("retry loop: bodies are rewound before each retry, and never resent when they cannot be") {
  RetryPolicy policy;
  policy.max_attempts = 3;
  SECTION("rewindable") {
    CountingSource body("payload");
    Run run;
    run.go(
        policy, [](uint32_t) -> Result<Response> { return answer(503); }, &body);
    CHECK(run.attempts() == 3);
    CHECK(body.rewinds == 2);
  }
  SECTION("one-shot") {
    OneShotSource body("payload");
    Run run;
    run.go(
        policy, [](uint32_t) -> Result<Response> { return answer(503); }, &body);
    CHECK(run.attempts() == 1);
    CHECK(body.rewind_calls == 1);
    REQUIRE_OK(run.result);
    CHECK(run.result->status == 503);  // the real answer, not the rewind error
  }
}

TEST_CASE("retry loop: cancellation stops it promptly") {
  SECTION("before the first attempt") {
    CancelToken token;
    token.cancel();
    OpContext ctx{&token};
    Run run;
    run.go(
        RetryPolicy{}, [](uint32_t) -> Result<Response> { return answer(200); }, nullptr, ctx);
    CHECK(run.attempts() == 0);
    REQUIRE_CODE(run.result, ErrorCode::Cancelled);
  }
  SECTION("while waiting, in real time") {
    RetryPolicy policy;
    policy.initial_backoff = 10s;
    CancelToken token;
    OpContext ctx{&token};
    int attempts = 0;
    std::thread canceller([&] {
      std::this_thread::sleep_for(150ms);
      token.cancel();
    });
    auto start = std::chrono::steady_clock::now();
    Result<Response> result = send_with_retry(
        policy, ctx,
        [&](uint32_t) -> Result<Response> {
          ++attempts;
          return answer(503);
        },
        classify);
    auto elapsed = std::chrono::steady_clock::now() - start;
    canceller.join();
    REQUIRE_CODE(result, ErrorCode::Cancelled);
    CHECK(attempts == 1);
    CHECK(elapsed < 1s);
  }
}

TEST_CASE("retry loop: one redacted log line per retry") {
  test::LogCapture capture(LogLevel::Info);
  RetryPolicy policy;
  policy.max_attempts = 3;
  FakeTime time;
  Result<Response> result = detail::send_with_retry(
      policy, {}, [](uint32_t) -> Result<Response> { return answer(503); }, classify, nullptr,
      "GET https://acct.blob.core.windows.net/c/b?sv=1&sig=TOPSECRETSIGNATURE", time.env());
  auto lines = capture.lines();
  int retry_lines = 0;
  for (const auto& [level, line] : lines) {
    INFO(line);
    CHECK(line.find("TOPSECRETSIGNATURE") == std::string::npos);
    if (line.find("retrying in") != std::string::npos) {
      ++retry_lines;
      CHECK(level == LogLevel::Warn);
      CHECK(line.find("HTTP 503") != std::string::npos);
    }
  }
  CHECK(retry_lines == 2);
  CHECK(capture.joined().find("giving up after 3 attempt(s)") != std::string::npos);
}

// --- against the test server --------------------------------------------------

TEST_CASE("retry against the server: 503 with Retry-After, then success") {
  test::PeerServer& server = test::http_server();
  auto transport = make_curl_transport(test::fast_options());
  std::string url = server.url() + "/flaky/retry-after-" + random_hex(4) + "?fail=1&status=503&retry_after=1";
  uint32_t attempts = 0;
  auto start = std::chrono::steady_clock::now();
  Result<Response> result = send_with_retry(
      RetryPolicy{}, {},
      [&](uint32_t n) {
        attempts = n;
        return test::http_get(*transport, url);
      },
      classify);
  auto elapsed = std::chrono::steady_clock::now() - start;
  REQUIRE_OK(result);
  CHECK(result->status == 200);
  CHECK(result->body == "attempt 2");
  CHECK(attempts == 2);
  CHECK(elapsed >= 1s);  // the server's Retry-After, not our 100 ms backoff
}

TEST_CASE("retry against the server: exhaustion after max_attempts") {
  test::PeerServer& server = test::http_server();
  auto transport = make_curl_transport(test::fast_options());
  std::string name = "exhaust-" + random_hex(4);
  RetryPolicy policy;
  policy.max_attempts = 3;
  policy.initial_backoff = 10ms;
  Result<Response> result = send_with_retry(
      policy, {}, [&](uint32_t) { return test::http_get(*transport, server.url() + "/flaky/" + name + "?fail=100"); },
      classify);
  REQUIRE_OK(result);
  CHECK(result->status == 503);
  CHECK(result->headers.get("X-Attempt") == std::optional<std::string_view>("3"));
  Result<Response> count = test::http_get(*transport, server.url() + "/count/" + name);
  REQUIRE_OK(count);
  CHECK(count->body == "{\"count\": 3}");
}

TEST_CASE("retry against the server: a one-shot upload is sent once") {
  test::PeerServer& server = test::http_server();
  auto transport = make_curl_transport(test::fast_options());
  std::string name = "oneshot-" + random_hex(4);
  OneShotSource body(test::random_bytes(10'000));
  uint32_t attempts = 0;
  Result<Response> result = send_with_retry(
      RetryPolicy{}, {},
      [&](uint32_t n) {
        attempts = n;
        Request request;
        request.method = "PUT";
        request.url = server.url() + "/flaky/" + name + "?fail=5";
        request.body = &body;
        return transport->send(request, nullptr, {});
      },
      classify, &body);
  REQUIRE_OK(result);
  CHECK(result->status == 503);
  CHECK(attempts == 1);
}

}  // namespace cloudsync::http
