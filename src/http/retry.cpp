// The one retry loop every provider uses: decorrelated-jitter backoff, the
// server's Retry-After, a cap on attempts and on total time, prompt
// cancellation, and no retry of a body that cannot be sent again.
#include <algorithm>
#include <cctype>
#include <limits>
#include <mutex>
#include <random>
#include <thread>

#include "core/error.hpp"
#include "core/log.hpp"
#include "core/time.hpp"
#include "http/http_date.hpp"
#include "http/internal.hpp"
#include "http/retry_budget.hpp"

namespace cloudsync::http {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

namespace detail {

RetryEnvironment system_retry_environment() {
  RetryEnvironment env;
  env.now = [] { return Clock::now(); };
  env.sleep = [](milliseconds d) { std::this_thread::sleep_for(d); };
  env.random = [] {
    // One generator per thread: no lock, and seeds that differ between threads
    // so parallel workers do not retry in lock step.
    thread_local std::mt19937_64 rng{std::random_device{}()};
    return rng();
  };
  return env;
}

Backoff::Backoff(milliseconds initial, milliseconds max, std::function<uint64_t()> random)
    : initial_(std::max(initial, milliseconds(0))), max_(std::max(max, initial_)), random_(std::move(random)) {}

milliseconds Backoff::next() {
  if (previous_.count() == 0) {
    previous_ = std::min(initial_, max_);
    return previous_;
  }
  // Uniform in [initial, 3 * previous]; the span is at most ~3 * max_backoff,
  // so the modulo bias of a 64-bit draw is negligible.
  int64_t low = initial_.count();
  int64_t high = std::max(low, std::min<int64_t>(previous_.count(), std::numeric_limits<int64_t>::max() / 4) * 3);
  uint64_t span = static_cast<uint64_t>(high - low) + 1;
  int64_t pick = low + static_cast<int64_t>(random_() % span);
  previous_ = std::min(milliseconds(pick), max_);
  return previous_;
}

namespace {

std::string describe_outcome(const Result<Response>& result) {
  if (!result.ok()) return result.status().to_string();
  return fmt::format("HTTP {}", result->status);
}

std::string label(std::string_view what) { return what.empty() ? std::string("request") : std::string(what); }

}  // namespace

Result<Response> send_with_retry(const RetryPolicy& policy, const OpContext& ctx,
                                 const std::function<Result<Response>(uint32_t attempt)>& attempt,
                                 const std::function<Outcome(const Result<Response>&)>& classify, ByteSource* body,
                                 std::string_view what, const RetryEnvironment& env) {
  const uint32_t max_attempts = std::max<uint32_t>(policy.max_attempts, 1);
  const Clock::time_point start = env.now();
  const Clock::time_point deadline = start + policy.max_total;
  Backoff backoff(policy.initial_backoff, policy.max_backoff, env.random);

  for (uint32_t n = 1;; ++n) {
    if (ctx.cancelled()) return make_error(ErrorCode::Cancelled, "{} cancelled", label(what));
    Result<Response> result = attempt(n);
    Outcome outcome = classify(result);
    if (outcome == Outcome::Success) retry_progress(ctx);
    if (outcome != Outcome::Retry) return result;

    auto give_up = [&](std::string_view why) -> Result<Response> {
      auto elapsed = duration_cast<milliseconds>(env.now() - start);
      log(LogLevel::Warn, "{}: giving up after {} attempt(s) in {} ms ({}): {}", label(what), n, elapsed.count(), why,
          describe_outcome(result));
      if (result.ok() || n == 1) return result;
      return result.status().with_context(fmt::format("{} attempts in {} ms, last", n, elapsed.count()));
    };

    // Every transient failure is counted against the operation's budget, the
    // last attempt's too: it is what tells the next file not to insist.
    int kind = result.ok() ? retry_kind_http(result->status) : retry_kind(result.status().code());
    if (!retry_allowed(ctx, kind)) return give_up(ctx.retry_budget->why());
    if (n >= max_attempts) return give_up("attempt limit reached");
    if (ctx.cancelled()) return make_error(ErrorCode::Cancelled, "{} cancelled", label(what));

    // The server's Retry-After wins over our own schedule, even beyond
    // max_backoff: coming back earlier would only be refused again.
    milliseconds wait = backoff.next();
    std::optional<milliseconds> server_wait = result.ok() ? retry_after(*result) : std::nullopt;
    if (server_wait) wait = *server_wait;
    if (env.now() + wait > deadline) return give_up("the next attempt would pass the total time limit");

    if (body != nullptr) {
      Status rewound = body->rewind();
      if (!rewound.ok()) {
        log(LogLevel::Info, "{}: not retrying, the request body cannot be sent again ({}): {}", label(what),
            rewound.to_string(), describe_outcome(result));
        return result;
      }
    }

    log(LogLevel::Warn, "{}: attempt {} of {} failed ({}); retrying in {} ms{}", label(what), n, max_attempts,
        describe_outcome(result), wait.count(), server_wait ? " as the server asked" : "");

    const Clock::time_point wake = env.now() + wait;
    for (Clock::time_point now = env.now(); now < wake; now = env.now()) {
      if (ctx.cancelled()) {
        return make_error(ErrorCode::Cancelled, "{} cancelled while waiting to retry", label(what));
      }
      env.sleep(std::min(kSleepSlice, duration_cast<milliseconds>(wake - now) + milliseconds(1)));
    }
  }
}

}  // namespace detail

Result<Response> send_with_retry(const RetryPolicy& policy, const OpContext& ctx,
                                 const std::function<Result<Response>(uint32_t attempt)>& attempt,
                                 const std::function<Outcome(const Result<Response>&)>& classify, ByteSource* body,
                                 std::string_view what) {
  static const detail::RetryEnvironment env = detail::system_retry_environment();
  return detail::send_with_retry(policy, ctx, attempt, classify, body, what, env);
}

Outcome classify_default(const Result<Response>& result, bool idempotent) {
  if (!result.ok()) {
    switch (result.status().code()) {
      case ErrorCode::Throttled: return Outcome::Retry;  // refused before anything happened
      case ErrorCode::Network:
      case ErrorCode::Timeout:
        // The request may have reached the server; only a request that can be
        // applied twice without harm is sent again.
        return idempotent ? Outcome::Retry : Outcome::Fail;
      default: return Outcome::Fail;
    }
  }
  int status = result->status;
  if (status >= 200 && status <= 299) return Outcome::Success;
  switch (status) {
    case 408:
    case 429:
    case 500:
    case 502:
    case 503:
    case 504: return Outcome::Retry;
    default: return Outcome::Fail;
  }
}

std::optional<milliseconds> retry_after(const Response& response) {
  std::optional<std::string_view> header = response.headers.get("Retry-After");
  if (!header) return std::nullopt;
  std::string_view v = *header;
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  if (v.empty()) return std::nullopt;
  if (std::all_of(v.begin(), v.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    // delta-seconds; anything longer than a day is as good as "not today".
    constexpr int64_t kMaxSeconds = 86'400;
    int64_t seconds = 0;
    for (char c : v) {
      seconds = std::min<int64_t>(seconds * 10 + (c - '0'), kMaxSeconds);
    }
    return milliseconds(seconds * 1000);
  }
  Result<TimePoint> when = parse_http_date(v);
  if (!when.ok()) return std::nullopt;
  auto delta = duration_cast<milliseconds>(*when - now_utc());
  return std::max(delta, milliseconds(0));
}

}  // namespace cloudsync::http
