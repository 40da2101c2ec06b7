#include "cloudsync/log.hpp"
#include "core/ascii.hpp"
#include "core/error.hpp"
#include "core/error_table.hpp"
#include "core/file_io.hpp"
#include "core/glob.hpp"
#include "core/log.hpp"
#include "core/parallel.hpp"
#include "core/redact.hpp"
#include "core/time.hpp"
#include "core/url.hpp"
#include "core/utf8.hpp"
#include "http/http_date.hpp"
#include "support/test_util.hpp"

#include <array>
#include <atomic>
#include <ctime>
#include <chrono>
#include <thread>
#include <set>

namespace cloudsync::test {

TEST_CASE("error codes have unique names, C codes and exit statuses", "[core]") {
  std::set<std::string_view> names;
  std::set<int> c_codes, exits;
  int expected = 0;
  for (const auto& info : all_error_codes()) {
    CHECK(static_cast<int>(info.code) == expected++);  // table in enum order
    names.insert(info.name);
    c_codes.insert(info.c_code);
    exits.insert(info.exit_status);
  }
  CHECK(names.size() == all_error_codes().size());
  CHECK(c_codes.size() == all_error_codes().size());
  CHECK(exits.size() == all_error_codes().size());
  CHECK(error_code_name(ErrorCode::NotFound) == "not_found");
  CHECK(error_code_is_transient(ErrorCode::Throttled));
  CHECK_FALSE(error_code_is_transient(ErrorCode::PermissionDenied));
}

TEST_CASE("Status and Result", "[core]") {
  Status ok;
  CHECK(ok.ok());
  CHECK(ok.to_string() == "ok");
  Status err(ErrorCode::NotFound, "no such thing");
  CHECK_FALSE(err.ok());
  CHECK(err.code() == ErrorCode::NotFound);
  Status detailed = err.with_provider_details(404, "NoSuchKey", "REQ123").with_context("import a.csv");
  CHECK(detailed.to_string() == "not_found: import a.csv: no such thing (HTTP 404, NoSuchKey, request id REQ123)");

  Result<int> good(5);
  REQUIRE(good.ok());
  CHECK(*good == 5);
  Result<int> bad(Status(ErrorCode::Timeout, "slow"));
  CHECK(bad.status().code() == ErrorCode::Timeout);
  CHECK(bad.value_or(7) == 7);
  // An OK status cannot masquerade as a value.
  Result<int> broken{Status::OK()};
  CHECK(broken.status().code() == ErrorCode::Internal);
}

TEST_CASE("errno maps to error codes", "[core]") {
  CHECK(error_code_from_errno(ENOENT) == ErrorCode::NotFound);
  CHECK(error_code_from_errno(EACCES) == ErrorCode::PermissionDenied);
  CHECK(error_code_from_errno(ENOSPC) == ErrorCode::LimitExceeded);
  CHECK(errno_error(ENOENT, "open", "/x/y").message().find("/x/y") != std::string::npos);
}

TEST_CASE("redaction removes credentials from text", "[core][secrets]") {
  CHECK(redact("https://h/b/k?X-Amz-Signature=abcdef0123&X-Amz-Credential=AKIA%2F2024&x=1") ==
        "https://h/b/k?X-Amz-Signature=***&X-Amz-Credential=***&x=1");
  CHECK(redact("https://acct.blob.core.windows.net/c/b?sv=2022-11-02&sig=Zm9vYmFy%3D&se=2024") ==
        "https://acct.blob.core.windows.net/c/b?sv=2022-11-02&sig=***&se=2024");
  CHECK(redact("Authorization: Bearer ya29.secret-token") == "Authorization: Bearer ***");
  CHECK(redact("Authorization: SharedKey acct:c2lnbmF0dXJl") == "Authorization: SharedKey ***");
  CHECK(redact(R"({"access_token": "tok123456", "expires_in": 3599})") ==
        R"({"access_token": "***", "expires_in": 3599})");
  CHECK(redact("grant_type=refresh_token&refresh_token=1//0gabc&client_secret=shh12345") ==
        "grant_type=refresh_token&refresh_token=***&client_secret=***");
  // Ordinary words are left alone.
  CHECK(redact("the signatures did not match; nextPageToken=abc") == "the signatures did not match; nextPageToken=abc");
  register_secret("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  CHECK(redact("secret is wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY!") == "secret is ***!");
  // Status messages are scrubbed when built.
  Status s(ErrorCode::Unauthenticated, "bad key wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY in request");
  CHECK(s.message().find("EXAMPLEKEY") == std::string::npos);
}

TEST_CASE("log handler receives scrubbed messages at enabled levels", "[core][secrets]") {
  std::vector<std::string> lines;
  set_log_handler(LogLevel::Info, [&](LogLevel, std::string_view m) { lines.emplace_back(m); });
  log(LogLevel::Debug, "hidden {}", 1);
  log(LogLevel::Info, "GET https://x/?sig={}", "c2VjcmV0");
  set_log_handler(LogLevel::Info, nullptr);
  log(LogLevel::Error, "after removal");
  REQUIRE(lines.size() == 1);
  CHECK(lines[0] == "GET https://x/?sig=***");
}

TEST_CASE("glob matching stays fast and shallow on hostile patterns", "[core][glob]") {
  // A backtracking matcher takes exponential time on the first and one stack
  // frame per star on the second; selectors come from users.
  std::string many_stars;
  for (int i = 0; i < 30; ++i) many_stars += "*a";
  CHECK_FALSE(glob_match(many_stars + "*b", std::string(200, 'a')));
  CHECK(glob_match(many_stars, std::string(200, 'a')));
  CHECK(glob_match(std::string(300'000, '*') + "x", "x"));
  CHECK_FALSE(glob_match(std::string(300'000, '?'), "short"));
}

TEST_CASE("glob patterns", "[core]") {
  CHECK(glob_match("*.csv", "a.csv"));
  CHECK_FALSE(glob_match("*.csv", "dir/a.csv"));
  CHECK(glob_match("**/*.csv", "dir/a.csv"));
  CHECK(glob_match("**/*.csv", "a.csv"));
  CHECK(glob_match("data/**", "data/x/y.txt"));
  CHECK(glob_match("data/202?/*.json", "data/2024/x.json"));
  CHECK_FALSE(glob_match("data/202?/*.json", "data/2024/sub/x.json"));
  CHECK(glob_match("[ab]*.txt", "b1.txt"));
  CHECK_FALSE(glob_match("[!ab]*.txt", "b1.txt"));
  CHECK(glob_match("literal\\*.txt", "literal*.txt"));
  CHECK_FALSE(glob_match("literal\\*.txt", "literalX.txt"));
  CHECK(glob_match("**/x", "x"));
  CHECK(glob_match("a/**/x", "a/b/c/x"));
  CHECK_FALSE(glob_match("a/**/x", "a/bx"));
  CHECK(glob_match("[\\]]x", "]x"));
  CHECK(glob_match("[unterminated", "[unterminated"));
  CHECK(glob_literal_prefix("data/2024/*.csv") == "data/2024/");
  CHECK(glob_literal_prefix("*.csv").empty());
  CHECK(glob_literal_prefix("da*ta/x").empty());
}

TEST_CASE("glob patterns work on code points in NFC, and a long match can be cancelled", "[core][glob]") {
  // '?' is one character, whatever its UTF-8 length.
  CHECK(glob_match("r?sum?.pdf", "r\xC3\xA9sum\xC3\xA9.pdf"));
  CHECK(glob_match("?", "\xF0\x9F\x98\x80"));  // one emoji, four bytes
  CHECK_FALSE(glob_match("??", "\xF0\x9F\x98\x80"));
  // Classes and ranges of non-ASCII characters.
  CHECK(glob_match("[\xC3\xA0-\xC3\xBF]x", "\xC3\xA9x"));
  CHECK_FALSE(glob_match("[!\xC3\xA9]x", "\xC3\xA9x"));
  // Composed in the pattern, decomposed in the key (as macOS writes names), and back.
  CHECK(glob_match("caf\xC3\xA9/*.txt", "cafe\xCC\x81/menu.txt"));
  CHECK(glob_match("cafe\xCC\x81", "caf\xC3\xA9"));
  CHECK(glob_match("caf?", "cafe\xCC\x81"));  // one character in NFC
  // Malformed UTF-8 still matches itself exactly, byte for byte.
  CHECK(glob_match("a\xFF*",
                   "a\xFF"
                   "b"));
  CHECK_FALSE(glob_match("a\xFE*",
                         "a\xFF"
                         "b"));
  CHECK(glob_match("a?b",
                   "a\xFF"
                   "b"));
  // The literal prefix stops before non-ASCII text, which a store may spell decomposed.
  CHECK(glob_literal_prefix("data/caf\xC3\xA9/*.txt") == "data/");

  // The newcomer's pattern from the ecosystem review answers at once.
  CHECK_FALSE(glob_match("*a*a*a*a*a*a*b", std::string(120, 'a')));
  // A match of a huge pattern against a long key stops when cancelled.
  CancelToken cancel;
  cancel.cancel();
  const GlobPattern huge(std::string(100'000, '*') + "b");
  Result<bool> cancelled = huge.match(std::string(1000, 'a'), &cancel);
  REQUIRE_FALSE(cancelled.ok());
  CHECK(cancelled.status().code() == ErrorCode::Cancelled);
  Result<bool> uncancelled = huge.match(std::string(1000, 'a'), nullptr);
  REQUIRE(uncancelled.ok());
  CHECK_FALSE(*uncancelled);
  // A compiled pattern is reused across keys.
  const GlobPattern csv("**/*.csv");
  CHECK(csv.match("a/b.csv"));
  CHECK_FALSE(csv.match("a/b.txt"));
}

TEST_CASE("RFC 3339 times agree with timegm, out-of-range fields carried over alike", "[core]") {
  // Every year a TimePoint holds, every month, days and hours past their ends (Feb 30, 24:60:60, 99:99:99).
  int checked = 0;
  for (int year = 1678; year <= 2261; year += 1) {
    for (int month = 1; month <= 12; ++month) {
      for (auto [day, hour, minute, second] :
           {std::array{1, 0, 0, 0}, std::array{28, 23, 59, 59}, std::array{29, 12, 30, 1}, std::array{30, 24, 60, 60},
            std::array{31, 99, 99, 99}}) {
        std::tm tm{};
        tm.tm_year = year - 1900;
        tm.tm_mon = month - 1;
        tm.tm_mday = day;
        tm.tm_hour = hour;
        tm.tm_min = minute;
        tm.tm_sec = second;
        const int64_t expected = static_cast<int64_t>(timegm(&tm));
        const std::string text =
            fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", year, month, day, hour, minute, second);
        auto parsed = parse_rfc3339(text);
        if (!parsed.ok()) {
          CHECK((year <= 1678 || year >= 2261));  // only the range's own ends may be refused
          continue;
        }
        if (to_unix_nanos(*parsed) != expected * 1'000'000'000) FAIL(text << " parsed as " << to_unix_nanos(*parsed));
        ++checked;
      }
    }
  }
  CHECK(checked > 34000);
}

TEST_CASE("time formats round-trip", "[core]") {
  TimePoint t = from_unix_nanos(1'704'067'200'123'456'789);  // 2024-01-01T00:00:00.123456789Z
  CHECK(format_rfc3339(t) == "2024-01-01T00:00:00.123456789Z");
  CHECK(format_rfc3339(t, 3) == "2024-01-01T00:00:00.123Z");
  auto back = parse_rfc3339("2024-01-01T00:00:00.123456789Z");
  REQUIRE_OK(back);
  CHECK(*back == t);
  auto offset = parse_rfc3339("2024-01-01T01:30:00+01:30");
  REQUIRE_OK(offset);
  CHECK(to_unix_nanos(*offset) == 1'704'067'200'000'000'000);
  CHECK(format_http_date(t) == "Mon, 01 Jan 2024 00:00:00 GMT");
  auto http = parse_http_date("Mon, 01 Jan 2024 00:00:00 GMT");
  REQUIRE_OK(http);
  CHECK(to_unix_nanos(*http) == 1'704'067'200'000'000'000);
  CHECK(format_iso8601_basic(t) == "20240101T000000Z");
  REQUIRE_CODE(parse_rfc3339("2024-01-01 garbage"), ErrorCode::InvalidArgument);
  // Beyond int64 nanoseconds (found by fuzz/fuzz_s3_xml and fuzz_azure_xml:
  // a signed overflow before): refused, not wrapped.
  REQUIRE_CODE(parse_rfc3339("9587-01-01T00:00:00.000Z"), ErrorCode::InvalidArgument);
  REQUIRE_CODE(parse_rfc3339("1000-01-01T00:00:00Z"), ErrorCode::InvalidArgument);
  REQUIRE_CODE(parse_http_date("Mon, 01 Jan 9999 00:00:00 GMT"), ErrorCode::InvalidArgument);
  // RFC 9110 §5.6.7: recipients accept the two obsolete forms too (Retry-After
  // and Last-Modified from older servers and proxies).
  for (const char* obsolete : {"Monday, 01-Jan-24 00:00:00 GMT", "Mon Jan  1 00:00:00 2024"}) {
    auto parsed = parse_http_date(obsolete);
    REQUIRE_OK(parsed);
    CHECK(to_unix_nanos(*parsed) == 1'704'067'200'000'000'000);
  }
  for (const char* bad : {"", "120", "2024-01-01", "Mon, 01 Foo 2024 00:00:00 GMT", "not a date at all: 12"}) {
    INFO(bad);
    REQUIRE_CODE(parse_http_date(bad), ErrorCode::InvalidArgument);
  }
  CHECK(format_http_date(from_unix_nanos(-1)) == "Wed, 31 Dec 1969 23:59:59 GMT");
  REQUIRE_OK(parse_rfc3339("2261-12-31T23:59:59.999999999Z"));
  REQUIRE_OK(parse_rfc3339("1700-01-01T00:00:00Z"));
  REQUIRE_CODE(parse_rfc3339("2024-01-01T00:00:00"), ErrorCode::InvalidArgument);
}

TEST_CASE("percent encoding and storage URLs", "[core]") {
  CHECK(percent_encode("a b/c+d~") == "a%20b%2Fc%2Bd~");
  CHECK(percent_encode("a b/c", "/") == "a%20b/c");
  CHECK(*percent_decode("a%20b%2Bc") == "a b+c");
  CHECK(*percent_decode("a+b", true) == "a b");
  REQUIRE_CODE(percent_decode("bad%2"), ErrorCode::InvalidArgument);
  REQUIRE_CODE(percent_decode("bad%zz"), ErrorCode::InvalidArgument);

  auto s3 = parse_storage_url("s3://bucket/some/prefix/");
  REQUIRE_OK(s3);
  CHECK(s3->scheme == "s3");
  CHECK(s3->root == "bucket");
  CHECK(s3->path == "some/prefix");
  auto file = parse_storage_url("file:///tmp/my%20dir");
  REQUIRE_OK(file);
  CHECK(file->scheme == "file");
  CHECK(file->path == "/tmp/my dir");
  auto plain = parse_storage_url("./relative/dir");
  REQUIRE_OK(plain);
  CHECK(plain->scheme == "file");
  CHECK(plain->path == "./relative/dir");
  REQUIRE_CODE(parse_storage_url("file://relative"), ErrorCode::InvalidArgument);
  REQUIRE_CODE(parse_storage_url("s3:///nobucket"), ErrorCode::InvalidArgument);
}

TEST_CASE("ASCII helpers: case, white space and numbers, the locale never consulted", "[core]") {
  CHECK(ascii_lower("Content-MD5 \xC3\x84") == "content-md5 \xC3\x84");  // UTF-8 bytes pass through
  CHECK(iequals("X-Amz-Date", "x-amz-date"));
  CHECK_FALSE(iequals("x-amz-date", "x-amz-dat"));
  CHECK_FALSE(iequals("\xC3\x84", "\xC3\xA4"));  // not Unicode case folding
  CHECK(istarts_with("AWS:KMS", "aws:"));
  CHECK_FALSE(istarts_with("aw", "aws"));
  // Both whitespace sets the code had agree now: \v and \f count too.
  CHECK(trim(" \t\v\fvalue \r\n") == "value");
  CHECK(trim(" \t ").empty());
  CHECK(trim("a b") == "a b");
  CHECK(parse_u64("18446744073709551615") == UINT64_MAX);
  CHECK_FALSE(parse_u64("18446744073709551616"));
  CHECK_FALSE(parse_u64(""));
  CHECK_FALSE(parse_u64("+1"));
  CHECK_FALSE(parse_u64("-1"));
  CHECK_FALSE(parse_u64(" 1"));
  CHECK_FALSE(parse_u64("1 "));
  CHECK_FALSE(parse_u64("0x10"));
  CHECK(parse_u64("007") == 7u);
}

TEST_CASE("parallel_for_until_error keeps the first failure, stops the rest and tells the waiters",
          "[core][parallel]") {
  // Four workers take jobs 0-3 (a worker takes its next job only when its
  // current one returns). Jobs 0-2 run until `stop` is cancelled and then
  // fail as cancelled; job 3 fails for real. Its failure is the one returned,
  // and no job starts after it.
  CancelToken stop;
  std::atomic<int> started{0};
  std::atomic<int> woken{0};
  Status s = parallel_for_until_error(
      1000, 4, stop,
      [&](size_t i) -> Status {
        ++started;
        if (i == 3) return Status(ErrorCode::Network, "part 4 failed");
        for (int waited = 0; !stop.is_cancelled() && waited < 10'000; ++waited) {
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        return Status(ErrorCode::Cancelled, "stopped");
      },
      "upload cancelled", [&] { ++woken; });
  CHECK(s.code() == ErrorCode::Network);
  CHECK(s.message() == "part 4 failed");
  CHECK(stop.is_cancelled());
  CHECK(woken == 1);
  CHECK(started == 4);

  // Cancelled from outside: Cancelled, with the caller's words.
  CancelToken operation;
  CancelToken stop2(&operation);
  Status cancelled = parallel_for_until_error(
      100, 2, stop2,
      [&](size_t i) -> Status {
        if (i == 10) operation.cancel();
        return Status::OK();
      },
      "upload cancelled");
  CHECK(cancelled.code() == ErrorCode::Cancelled);
  CHECK(cancelled.message() == "upload cancelled");

  CancelToken stop3;
  std::atomic<int> ran{0};
  CHECK(parallel_for_until_error(
            50, 3, stop3, [&](size_t) { return ++ran, Status::OK(); }, "x")
            .ok());
  CHECK(ran == 50);
}

TEST_CASE("a temporary's name keeps at most 200 bytes of the name, never half a character", "[core]") {
  std::string ascii(300, 'a');
  std::string name = partial_file_name(ascii);
  CHECK(is_partial_file_name(name));
  CHECK(name.starts_with("." + std::string(200, 'a') + ".cloudsync-"));
  CHECK(name.size() < 255);
  // 'a' then 150 two-byte characters: byte 200 is the second half of one.
  std::string accented = "a";
  for (int i = 0; i < 150; ++i) accented += "\xc3\xa9";
  name = partial_file_name(accented);
  CHECK(is_valid_utf8(name));
  CHECK(name.starts_with("." + accented.substr(0, 199) + ".cloudsync-"));
  CHECK(partial_file_name("x.csv").starts_with(".x.csv.cloudsync-"));
}

}  // namespace cloudsync::test
