// The token cache's rules with a scripted token source and a hand-moved clock:
// early refresh, single-flight fetches, one refresh per rejected token,
// shared failures, cancellation; and the static provider.
#include <condition_variable>
#include <deque>
#include <thread>

#include "auth/google/google_auth_fixture.hpp"
#include "auth/oauth/token_cache.hpp"
#include "core/error.hpp"

namespace cloudsync::auth {

using namespace std::chrono_literals;

namespace {

/// A token source whose fetches can be held at a gate and scripted to fail.
struct ScriptedAuthority {
  std::mutex mutex;
  std::condition_variable changed;
  int fetches = 0;  ///< fetch() calls so far
  int waiting = 0;  ///< fetch() calls held at the gate right now
  bool gate_open = true;
  std::deque<Status> failures;  ///< the next fetches fail with these, in order
  std::chrono::seconds lifetime = 3600s;
  std::string fixed_value;  ///< non-empty: every token has this value

  void close_gate() {
    std::lock_guard lock(mutex);
    gate_open = false;
  }
  void open_gate() {
    std::lock_guard lock(mutex);
    gate_open = true;
    changed.notify_all();
  }
  /// Waits until `n` fetches are held at the gate; false after 10 s without.
  /// (No REQUIRE here: openers call it on their own threads.)
  bool await_waiting(int n) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, 10s, [&] { return waiting >= n; });
  }
  int fetch_count() {
    std::lock_guard lock(mutex);
    return fetches;
  }
};

class ScriptedSource final : public TokenSource {
 public:
  explicit ScriptedSource(std::shared_ptr<ScriptedAuthority> authority) : authority_(std::move(authority)) {}

  Result<AccessToken> fetch(const OpContext& ctx, TimePoint now) override {
    std::unique_lock lock(authority_->mutex);
    const int n = ++authority_->fetches;
    ++authority_->waiting;
    authority_->changed.notify_all();
    // Bounded, so that a cache that wrongly fetches on a thread the test
    // expects to be answered at once fails the test instead of hanging it.
    const bool released =
        authority_->changed.wait_for(lock, 10s, [&] { return authority_->gate_open || ctx.cancelled(); });
    --authority_->waiting;
    if (!released) return make_error(ErrorCode::Internal, "fetch {} was held at the gate for 10 s", n);
    if (ctx.cancelled()) return make_error(ErrorCode::Cancelled, "fetch cancelled");
    if (!authority_->failures.empty()) {
      Status failure = authority_->failures.front();
      authority_->failures.pop_front();
      return failure;
    }
    AccessToken token;
    token.value = authority_->fixed_value.empty() ? "tok-" + std::to_string(n) : authority_->fixed_value;
    token.expires_at = now + authority_->lifetime;
    return token;
  }
  std::string describe() const override { return "scripted authority"; }

 private:
  std::shared_ptr<ScriptedAuthority> authority_;
};

struct Fixture {
  std::shared_ptr<ScriptedAuthority> authority = std::make_shared<ScriptedAuthority>();
  test::ManualClock clock;
  std::unique_ptr<CachingTokenProvider> provider;

  explicit Fixture(std::chrono::seconds refresh_early = 300s) {
    TokenCacheOptions options;
    options.refresh_early = refresh_early;
    options.clock = clock.function();
    provider = std::make_unique<CachingTokenProvider>(std::make_unique<ScriptedSource>(authority), options);
  }

  std::string token() {
    Result<AccessToken> t = provider->token({});
    REQUIRE_OK(t);
    return t->value;
  }
};

/// Runs `fn` on `n` threads released together; returns their results.
std::vector<Result<AccessToken>> on_threads(int n, const std::function<Result<AccessToken>()>& fn) {
  std::vector<std::optional<Result<AccessToken>>> results(static_cast<size_t>(n));
  test::run_together(n, [&](int i) { results[static_cast<size_t>(i)] = fn(); });
  std::vector<Result<AccessToken>> out;
  for (auto& r : results) out.push_back(std::move(*r));
  return out;
}

/// Closes the gate; a thread opens it once the first fetch is held there and
/// the other callers had time to pile up behind it.
std::jthread hold_first_fetch(ScriptedAuthority& authority) {
  authority.close_gate();
  return std::jthread([&authority] {
    (void)authority.await_waiting(1);  // the test's CHECKs tell when it never came
    std::this_thread::sleep_for(300ms);
    authority.open_gate();
  });
}

Status invalid_grant() {
  return Status(ErrorCode::Unauthenticated, "invalid_grant: Token has been expired or revoked.")
      .with_provider_details(400, "invalid_grant", "");
}

}  // namespace

TEST_CASE("token cache: reuse until 5 minutes before expiry, then refresh") {
  Fixture f;
  CHECK(f.token() == "tok-1");
  CHECK(f.token() == "tok-1");
  f.clock.advance(3600s - 301s);
  CHECK(f.token() == "tok-1");
  CHECK(f.authority->fetch_count() == 1);
  f.clock.advance(2s);  // 299 s left: inside the refresh window
  CHECK(f.token() == "tok-2");
  CHECK(f.authority->fetch_count() == 2);
  f.clock.advance(3600s - 301s);
  CHECK(f.token() == "tok-2");
  f.clock.advance(10'000s);  // long expired
  CHECK(f.token() == "tok-3");
  CHECK(f.authority->fetch_count() == 3);
}

TEST_CASE("token cache: the refresh margin is configurable and capped at half a short lifetime") {
  SECTION("a 60 s margin") {
    Fixture f(60s);
    CHECK(f.token() == "tok-1");
    f.clock.advance(3600s - 61s);
    CHECK(f.token() == "tok-1");
    f.clock.advance(2s);
    CHECK(f.token() == "tok-2");
  }
  SECTION("a token living 100 s is used for 50 s, not refetched on every call") {
    Fixture f;
    f.authority->lifetime = 100s;
    CHECK(f.token() == "tok-1");
    f.clock.advance(49s);
    CHECK(f.token() == "tok-1");
    f.clock.advance(2s);
    CHECK(f.token() == "tok-2");
    CHECK(f.authority->fetch_count() == 2);
  }
}

TEST_CASE("token cache: concurrent callers wait for one fetch") {
  Fixture f;
  std::jthread opener = hold_first_fetch(*f.authority);
  auto results = on_threads(8, [&] { return f.provider->token({}); });
  opener.join();
  for (auto& r : results) {
    REQUIRE_OK(r);
    CHECK(r->value == "tok-1");
  }
  CHECK(f.authority->fetch_count() == 1);
}

TEST_CASE("token cache: while one thread refreshes early, the others keep the current token") {
  Fixture f;
  CHECK(f.token() == "tok-1");
  f.clock.advance(3600s - 100s);  // due for refresh, still valid
  f.authority->close_gate();
  std::optional<Result<AccessToken>> refreshed;
  std::jthread refresher([&] { refreshed = f.provider->token({}); });
  CHECK(f.authority->await_waiting(1));
  CHECK(f.token() == "tok-1");  // answered at once, not blocked behind the fetch
  f.authority->open_gate();
  refresher.join();
  REQUIRE_OK(*refreshed);
  CHECK((*refreshed)->value == "tok-2");
  CHECK(f.token() == "tok-2");
}

TEST_CASE("token cache: a failed early refresh keeps the current token and backs off") {
  Fixture f;
  CHECK(f.token() == "tok-1");
  f.clock.advance(3600s - 100s);
  f.authority->failures = {Status(ErrorCode::Network, "connection reset")};
  test::LogCapture log(LogLevel::Warn);
  CHECK(f.token() == "tok-1");
  CHECK(f.authority->fetch_count() == 2);
  CHECK(log.joined().find("could not refresh") != std::string::npos);
  CHECK(f.token() == "tok-1");  // not asked again on every call
  CHECK(f.authority->fetch_count() == 2);
  f.clock.advance(31s);
  CHECK(f.token() == "tok-3");
  CHECK(f.authority->fetch_count() == 3);
}

TEST_CASE("token cache: a failed fetch is shared by the callers that waited for it") {
  Fixture f;
  f.authority->failures = {invalid_grant()};
  std::jthread opener = hold_first_fetch(*f.authority);
  auto results = on_threads(6, [&] { return f.provider->token({}); });
  opener.join();
  for (auto& r : results) {
    REQUIRE_CODE(r, ErrorCode::Unauthenticated);
    CHECK(r.status().provider_code() == "invalid_grant");
  }
  CHECK(f.authority->fetch_count() == 1);
  // A later call tries again.
  CHECK(f.token() == "tok-2");
}

TEST_CASE("token cache: a rejected token is refreshed once, however many threads report it") {
  Fixture f;
  CHECK(f.token() == "tok-1");
  std::jthread opener = hold_first_fetch(*f.authority);
  auto results = on_threads(8, [&] { return f.provider->refresh({}, "tok-1"); });
  opener.join();
  for (auto& r : results) {
    REQUIRE_OK(r);
    CHECK(r->value == "tok-2");
  }
  CHECK(f.authority->fetch_count() == 2);

  // A late report of the old token gets the current one without a fetch.
  Result<AccessToken> late = f.provider->refresh({}, "tok-1");
  REQUIRE_OK(late);
  CHECK(late->value == "tok-2");
  CHECK(f.authority->fetch_count() == 2);
  // Rejecting the current token refreshes again.
  Result<AccessToken> next = f.provider->refresh({}, "tok-2");
  REQUIRE_OK(next);
  CHECK(next->value == "tok-3");
  CHECK(f.authority->fetch_count() == 3);
}

TEST_CASE("token cache: a rejected token is not handed out while its replacement is fetched") {
  Fixture f;
  CHECK(f.token() == "tok-1");
  f.authority->close_gate();
  std::optional<Result<AccessToken>> reporter;
  std::jthread t([&] { reporter = f.provider->refresh({}, "tok-1"); });
  CHECK(f.authority->await_waiting(1));
  std::optional<Result<AccessToken>> other;
  std::jthread u([&] { other = f.provider->token({}); });  // must wait, not get tok-1
  std::this_thread::sleep_for(100ms);
  f.authority->open_gate();
  t.join();
  u.join();
  REQUIRE_OK(*reporter);
  REQUIRE_OK(*other);
  CHECK((*reporter)->value == "tok-2");
  CHECK((*other)->value == "tok-2");
  CHECK(f.authority->fetch_count() == 2);
}

TEST_CASE("token cache: an authority that issues the rejected token again is not asked twice") {
  Fixture f;
  f.authority->fixed_value = "same-token";
  CHECK(f.token() == "same-token");
  Result<AccessToken> first = f.provider->refresh({}, "same-token");
  REQUIRE_OK(first);
  CHECK(f.authority->fetch_count() == 2);
  Result<AccessToken> second = f.provider->refresh({}, "same-token");
  REQUIRE_OK(second);
  CHECK(second->value == "same-token");
  CHECK(f.authority->fetch_count() == 2);
}

TEST_CASE("token cache: failing the forced refresh reports the error") {
  Fixture f;
  CHECK(f.token() == "tok-1");
  f.authority->failures = {invalid_grant()};
  Result<AccessToken> r = f.provider->refresh({}, "tok-1");
  REQUIRE_CODE(r, ErrorCode::Unauthenticated);
  CHECK(r.status().provider_code() == "invalid_grant");
  // The rejected token is gone: the next caller fetches instead of reusing it.
  CHECK(f.token() == "tok-3");
}

TEST_CASE("token cache: cancellation") {
  Fixture f;
  f.authority->close_gate();
  std::optional<Result<AccessToken>> fetcher_result;
  CancelToken fetcher_cancel;
  std::jthread fetcher([&] {
    OpContext ctx{&fetcher_cancel};
    fetcher_result = f.provider->token(ctx);
  });
  CHECK(f.authority->await_waiting(1));

  SECTION("a waiting caller returns Cancelled promptly") {
    CancelToken cancel;
    std::optional<Result<AccessToken>> waiter_result;
    std::jthread waiter([&] {
      OpContext ctx{&cancel};
      waiter_result = f.provider->token(ctx);
    });
    std::this_thread::sleep_for(100ms);
    const auto start = std::chrono::steady_clock::now();
    cancel.cancel();
    waiter.join();
    CHECK(std::chrono::steady_clock::now() - start < 1s);
    REQUIRE_CODE(*waiter_result, ErrorCode::Cancelled);
    f.authority->open_gate();
    fetcher.join();
    REQUIRE_OK(*fetcher_result);
  }
  SECTION("the fetcher's cancellation does not fail the callers waiting for it") {
    std::optional<Result<AccessToken>> waiter_result;
    std::jthread waiter([&] { waiter_result = f.provider->token({}); });
    std::this_thread::sleep_for(100ms);
    fetcher_cancel.cancel();
    {
      std::lock_guard lock(f.authority->mutex);
      f.authority->changed.notify_all();
    }
    fetcher.join();
    REQUIRE_CODE(*fetcher_result, ErrorCode::Cancelled);
    CHECK(f.authority->await_waiting(1));  // the waiter fetches for itself
    f.authority->open_gate();
    waiter.join();
    REQUIRE_OK(*waiter_result);
    CHECK((*waiter_result)->value == "tok-2");
  }
}

TEST_CASE("static token provider") {
  StaticTokenProvider provider(AccessToken{"host-managed-token-1", TimePoint::max(), ""});
  Result<AccessToken> t = provider.token({});
  REQUIRE_OK(t);
  CHECK(t->value == "host-managed-token-1");
  Result<AccessToken> rejected = provider.refresh({}, "host-managed-token-1");
  REQUIRE_CODE(rejected, ErrorCode::Unauthenticated);
  CHECK(rejected.status().message().find("host-managed-token-1") == std::string::npos);

  provider.set(AccessToken{"host-managed-token-2", TimePoint::max(), ""});
  Result<AccessToken> replaced = provider.refresh({}, "host-managed-token-1");
  REQUIRE_OK(replaced);
  CHECK(replaced->value == "host-managed-token-2");

  StaticTokenProvider empty(AccessToken{});
  REQUIRE_CODE(empty.token({}), ErrorCode::Unauthenticated);
}

}  // namespace cloudsync::auth
