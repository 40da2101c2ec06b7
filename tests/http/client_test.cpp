// The shared request pipeline (http::Client) against a scripted transport, in
// process: authorisation per attempt, one refresh on a 401, the clock learned
// from a server's refusal, bytes that reached the caller never sent twice, and
// the checks of a ranged GET (Content-Range, a 200 to a range, short bodies,
// resumption pinned to the ETag).
#include <deque>

#include "core/error.hpp"
#include "core/time.hpp"
#include "http/client.hpp"
#include "http/http_date.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {

using namespace std::chrono_literals;

namespace {

/// Runs a script per request and records what was sent.
class ScriptedTransport final : public http::Transport {
 public:
  using Script = std::function<Result<http::Response>(const http::Request&, ByteSink*)>;
  explicit ScriptedTransport(Script script) : script_(std::move(script)) {}
  Result<http::Response> send(const http::Request& request, ByteSink* sink, const OpContext& /*ctx*/) override {
    sent.push_back(request);
    return script_(request, sink);
  }
  std::vector<http::Request> sent;

 private:
  Script script_;
};

http::Response answer(int status, std::vector<std::pair<std::string, std::string>> headers = {},
                      std::string body = {}) {
  http::Response r;
  r.status = status;
  for (const auto& [name, value] : headers) r.headers.add(name, value);
  r.body = std::move(body);
  return r;
}

/// Delivers `body` to the sink (as the curl transport does for a 2xx) and answers.
Result<http::Response> deliver(ByteSink* sink, int status, std::string_view body,
                               std::vector<std::pair<std::string, std::string>> headers) {
  http::Response r = answer(status, std::move(headers));
  if (sink != nullptr) {
    CLOUDSYNC_RETURN_IF_ERROR(sink->write(body));
    r.sink_bytes = body.size();
  } else {
    r.body = std::string(body);
  }
  return r;
}

/// Stamps each attempt with its number and the clock's time, and can refresh once.
class CountingAuthorizer final : public http::Authorizer {
 public:
  explicit CountingAuthorizer(std::shared_ptr<const http::ServerClock> clock = nullptr) : clock_(std::move(clock)) {}
  Status authorize(http::Request& request, uint32_t attempt, const OpContext& /*ctx*/) override {
    attempts.push_back(attempt);
    request.headers.set("Authorization", "Token " + token);
    if (clock_) request.headers.set("X-Date", format_http_date(clock_->now()));
    return Status::OK();
  }
  Result<bool> on_unauthorized(const http::Request& rejected, const OpContext& /*ctx*/) override {
    rejected_with.emplace_back(rejected.headers.get("Authorization").value_or(""));
    if (!can_refresh) return false;
    token = "fresh";
    return true;
  }
  std::string token = "stale";
  bool can_refresh = true;
  std::vector<uint32_t> attempts;
  std::vector<std::string> rejected_with;

 private:
  std::shared_ptr<const http::ServerClock> clock_;
};

/// The plain reading: statuses alone; the server's Date on a 403 as its time.
class PlainReader final : public http::AnswerReader {
 public:
  std::optional<TimePoint> server_time(const http::Call& /*call*/, const http::Response& response) override {
    if (response.status != 403) return std::nullopt;
    std::optional<std::string_view> date = response.headers.get("Date");
    if (!date) return std::nullopt;
    Result<TimePoint> parsed = parse_http_date(*date);
    return parsed.ok() ? std::optional<TimePoint>(*parsed) : std::nullopt;
  }
  Status error(const http::Call& call, const http::Response& response, const http::SendInfo& info) override {
    errors_read++;
    last_attempts = info.attempts;
    return http::status_from_response(response, call.what, http::error_code_for_status(response.status), "", "", "");
  }
  int errors_read = 0;
  uint32_t last_attempts = 0;
};

http::RetryPolicy quick() {
  http::RetryPolicy policy;
  policy.max_attempts = 4;
  policy.initial_backoff = 1ms;
  policy.max_backoff = 2ms;
  return policy;
}

struct Fixture {
  explicit Fixture(ScriptedTransport::Script script, std::function<TimePoint()> local_clock = {})
      : transport(std::make_shared<ScriptedTransport>(std::move(script))),
        clock(std::make_shared<http::ServerClock>(std::move(local_clock))),
        authorizer(std::make_shared<CountingAuthorizer>(clock)),
        client(http::Client::Settings{transport, quick(), authorizer, clock, nullptr}) {}
  std::shared_ptr<ScriptedTransport> transport;
  std::shared_ptr<http::ServerClock> clock;
  std::shared_ptr<CountingAuthorizer> authorizer;
  http::Client client;
  PlainReader reader;
};

http::Call get_call(ByteSink* sink = nullptr) {
  http::Call call;
  call.url = "http://store.test/object";
  call.sink = sink;
  call.what = "GET object";
  return call;
}

}  // namespace

TEST_CASE("http::Client authorises every attempt afresh and reports attempts once", "[http][client]") {
  int n = 0;
  Fixture f([&](const http::Request&, ByteSink*) -> Result<http::Response> {
    return ++n < 3 ? answer(503) : answer(200, {}, "done");
  });
  http::SendInfo info;
  Result<http::Response> r = f.client.send(get_call(), f.reader, {}, &info);
  REQUIRE_OK(r);
  CHECK(r->body == "done");
  CHECK(info.attempts == 3);
  CHECK(f.authorizer->attempts == std::vector<uint32_t>{1, 2, 3});
  for (const auto& sent : f.transport->sent) CHECK(sent.headers.get("Authorization") == "Token stale");

  SECTION("a failed answer is read by the provider's reader, with the attempts made") {
    n = -100;
    Result<http::Response> failed = f.client.send(get_call(), f.reader, {}, &info);
    REQUIRE_CODE(failed, ErrorCode::Throttled);
    CHECK(f.reader.errors_read == 1);
    CHECK(f.reader.last_attempts == 4);
  }
}

TEST_CASE("http::Client never sends a request again once a byte reached the caller", "[http][client]") {
  StringSink sink;
  Fixture f([&](const http::Request&, ByteSink* to) -> Result<http::Response> {
    CLOUDSYNC_RETURN_IF_ERROR(to->write("part"));
    return Status(ErrorCode::Network, "connection reset (test)");
  });
  http::SendInfo info;
  Result<http::Response> r = f.client.send(get_call(&sink), f.reader, {}, &info);
  REQUIRE_CODE(r, ErrorCode::Network);
  CHECK(f.transport->sent.size() == 1);
  CHECK(info.sink_bytes == 4);
  CHECK(sink.out == "part");

  SECTION("without a byte delivered, the same failure is retried") {
    StringSink empty;
    int tries = 0;
    Fixture g([&](const http::Request&, ByteSink*) -> Result<http::Response> {
      return ++tries < 2 ? Result<http::Response>(Status(ErrorCode::Network, "reset")) : answer(200);
    });
    REQUIRE_OK(g.client.send(get_call(&empty), g.reader, {}, &info));
    CHECK(info.attempts == 2);
  }
}

TEST_CASE("http::Client: a write resent after a dropped connection is reported ambiguous", "[http][client]") {
  int n = 0;
  Fixture f([&](const http::Request&, ByteSink*) -> Result<http::Response> {
    return ++n == 1 ? Result<http::Response>(Status(ErrorCode::Network, "reset")) : answer(200);
  });
  MemorySource body("payload");
  http::Call put = get_call();
  put.method = "PUT";
  put.body = &body;
  put.body_size = 7;
  http::SendInfo info;
  REQUIRE_OK(f.client.send(put, f.reader, {}, &info));
  CHECK(info.ambiguous);
  CHECK(info.attempts == 2);
}

TEST_CASE("http::Client refreshes credentials once on a 401 where the scheme can", "[http][client]") {
  Fixture f([&](const http::Request& request, ByteSink*) -> Result<http::Response> {
    return request.headers.get("Authorization") == "Token fresh" ? answer(200) : answer(401);
  });
  REQUIRE_OK(f.client.send(get_call(), f.reader, {}));
  CHECK(f.authorizer->rejected_with == std::vector<std::string>{"Token stale"});
  CHECK(f.transport->sent.size() == 2);

  SECTION("a second 401 is the answer: no refresh loop") {
    Fixture g([&](const http::Request&, ByteSink*) -> Result<http::Response> { return answer(401); });
    REQUIRE_CODE(g.client.send(get_call(), g.reader, {}), ErrorCode::Unauthenticated);
    CHECK(g.authorizer->rejected_with.size() == 1);
    CHECK(g.transport->sent.size() == 2);
  }
  SECTION("a scheme that cannot refresh (a signature) sends once") {
    Fixture g([&](const http::Request&, ByteSink*) -> Result<http::Response> { return answer(401); });
    g.authorizer->can_refresh = false;
    REQUIRE_CODE(g.client.send(get_call(), g.reader, {}), ErrorCode::Unauthenticated);
    CHECK(g.transport->sent.size() == 1);
  }
  SECTION("a call marked not to carry credentials is sent bare") {
    http::Call bare = get_call();
    bare.authorize = false;
    Fixture g([&](const http::Request&, ByteSink*) -> Result<http::Response> { return answer(200); });
    REQUIRE_OK(g.client.send(bare, g.reader, {}));
    CHECK_FALSE(g.transport->sent.at(0).headers.get("Authorization").has_value());
  }
}

TEST_CASE("http::Client learns the server's clock from a refusal and signs again, once", "[http][client][skew]") {
  const TimePoint server_now = now_utc();
  // This machine is an hour late; the server refuses dates more than 15 minutes off.
  Fixture f(
      [&](const http::Request& request, ByteSink*) -> Result<http::Response> {
        Result<TimePoint> date = parse_http_date(request.headers.get("X-Date").value_or(""));
        if (!date.ok() || std::chrono::abs(*date - server_now) > 15min) {
          return answer(403, {{"Date", format_http_date(server_now)}});
        }
        return answer(200);
      },
      [] { return now_utc() - 1h; });
  REQUIRE_OK(f.client.send(get_call(), f.reader, {}));
  CHECK(f.transport->sent.size() == 2);
  CHECK(std::chrono::abs(f.clock->offset() - 1h) < 1min);
  // Every later request is dated right the first time.
  REQUIRE_OK(f.client.send(get_call(), f.reader, {}));
  CHECK(f.transport->sent.size() == 3);

  SECTION("a refusal whose Date agrees with our clock is not blamed on it") {
    Fixture g([&](const http::Request&, ByteSink*) -> Result<http::Response> {
      return answer(403, {{"Date", format_http_date(now_utc())}});
    });
    REQUIRE_CODE(g.client.send(get_call(), g.reader, {}), ErrorCode::PermissionDenied);
    CHECK(g.transport->sent.size() == 1);
    CHECK(std::chrono::abs(g.clock->offset()) < 1min);
  }
}

TEST_CASE("http::Client::ranged_get checks the range it receives", "[http][client][range]") {
  const std::string object = "0123456789";
  StringSink sink;
  http::RangeRequest range;
  range.offset = 2;
  range.length = 5;

  SECTION("a 206 with the range asked for") {
    Fixture f([&](const http::Request& request, ByteSink* to) {
      CHECK(request.headers.get("Range") == "bytes=2-6");
      return deliver(to, 206, "23456", {{"Content-Range", "bytes 2-6/10"}, {"Content-Length", "5"}});
    });
    Result<http::RangedAnswer> r = f.client.ranged_get(get_call(&sink), range, f.reader, {});
    REQUIRE_OK(r);
    CHECK(r->partial);
    CHECK(r->total == 10u);
    CHECK(r->delivered == 5);
    CHECK(sink.out == "23456");
  }
  SECTION("another range than the one asked for is refused") {
    for (std::string wrong : {"bytes 0-4/10", "bytes 2-5/10", "bytes 2-6/*", "", "bytes 3-7/10"}) {
      Fixture f([&](const http::Request&, ByteSink* to) {
        return deliver(to, 206, "23456", {{"Content-Range", wrong}});
      });
      StringSink into;
      REQUIRE_CODE(f.client.ranged_get(get_call(&into), range, f.reader, {}), ErrorCode::Integrity);
    }
  }
  SECTION("a range running past the end ends at the end") {
    range.length = 100;
    Fixture f([&](const http::Request&, ByteSink* to) {
      return deliver(to, 206, "23456789", {{"Content-Range", "bytes 2-9/10"}});
    });
    Result<http::RangedAnswer> r = f.client.ranged_get(get_call(&sink), range, f.reader, {});
    REQUIRE_OK(r);
    CHECK(r->delivered == 8);
  }
  SECTION("a 200 to a range request is refused unless it is the range asked for") {
    Fixture f([&](const http::Request&, ByteSink* to) { return deliver(to, 200, object, {{"Content-Length", "10"}}); });
    REQUIRE_CODE(f.client.ranged_get(get_call(&sink), range, f.reader, {}), ErrorCode::Integrity);
    StringSink whole;
    http::RangeRequest from_start;
    from_start.length = 10;
    Result<http::RangedAnswer> r = f.client.ranged_get(get_call(&whole), from_start, f.reader, {});
    REQUIRE_OK(r);
    CHECK_FALSE(r->partial);
    CHECK(r->total == 10u);
    CHECK(whole.out == object);
  }
  SECTION("the whole object is asked for without a Range header") {
    Fixture f([&](const http::Request& request, ByteSink* to) {
      CHECK_FALSE(request.headers.get("Range").has_value());
      return deliver(to, 200, object, {{"Content-Length", "10"}});
    });
    REQUIRE_OK(f.client.ranged_get(get_call(&sink), http::RangeRequest{}, f.reader, {}));
  }
  SECTION("a body shorter than its Content-Length is a Network error") {
    Fixture f([&](const http::Request&, ByteSink* to) {
      return deliver(to, 200, "01234", {{"Content-Length", "10"}});
    });
    REQUIRE_CODE(f.client.ranged_get(get_call(&sink), http::RangeRequest{}, f.reader, {}), ErrorCode::Network);
  }
  SECTION("Azurite's empty range at the end reads nothing") {
    range.offset = 10;
    range.length.reset();
    Fixture f([&](const http::Request&, ByteSink* to) {
      return deliver(to, 206, "", {{"Content-Range", "bytes 10-9/10"}});
    });
    Result<http::RangedAnswer> r = f.client.ranged_get(get_call(&sink), range, f.reader, {});
    REQUIRE_OK(r);
    CHECK(r->delivered == 0);
    CHECK(r->total == 10u);
  }
  SECTION("a custom range header (Azure's x-ms-range)") {
    range.header = "x-ms-range";
    Fixture f([&](const http::Request& request, ByteSink* to) {
      CHECK(request.headers.get("x-ms-range") == "bytes=2-6");
      CHECK_FALSE(request.headers.get("Range").has_value());
      return deliver(to, 206, "23456", {{"Content-Range", "bytes 2-6/10"}});
    });
    REQUIRE_OK(f.client.ranged_get(get_call(&sink), range, f.reader, {}));
  }
}

TEST_CASE("http::Client::ranged_get resumes a cut body from the same version", "[http][client][range]") {
  const std::string object = "0123456789";
  StringSink sink;
  int n = 0;
  Fixture f([&](const http::Request& request, ByteSink* to) -> Result<http::Response> {
    if (++n == 1) {
      CHECK(request.headers.get("Range") == "bytes=0-9");
      CLOUDSYNC_RETURN_IF_ERROR(to->write("0123"));
      return Status(ErrorCode::Network, "connection reset (test)");
    }
    // The rest, asked for from where the body broke off and pinned to the version.
    CHECK(request.headers.get("Range") == "bytes=4-9");
    CHECK(request.headers.get("If-Match") == "\"v1\"");
    return deliver(to, 206, "456789", {{"Content-Range", "bytes 4-9/10"}, {"ETag", "\"v1\""}});
  });
  http::RangeRequest range;
  range.length = 10;
  range.if_match = "\"v1\"";
  Result<http::RangedAnswer> r = f.client.ranged_get(get_call(&sink), range, f.reader, {});
  REQUIRE_OK(r);
  CHECK(sink.out == object);
  CHECK(r->delivered == 10);
  CHECK(r->total == 10u);
  CHECK(n == 2);

  SECTION("without a version to pin to, the cut is reported") {
    StringSink other;
    int m = 0;
    Fixture g([&](const http::Request&, ByteSink* to) -> Result<http::Response> {
      ++m;
      CLOUDSYNC_RETURN_IF_ERROR(to->write("0123"));
      return Status(ErrorCode::Network, "connection reset (test)");
    });
    range.if_match.clear();
    REQUIRE_CODE(g.client.ranged_get(get_call(&other), range, g.reader, {}), ErrorCode::Network);
    CHECK(m == 1);
  }
}

}  // namespace cloudsync::test
