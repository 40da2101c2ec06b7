// The Drive backend's pieces on their own: error mapping, the pacer, names
// and queries, export formats, listing tokens, the multipart body, and the
// gdrive:// URL options. No server.
#include "backends/gdrive/gdrive_file.hpp"
#include "backends/gdrive/gdrive_export_formats.hpp"
#include "backends/gdrive/gdrive_errors.hpp"
#include "backends/gdrive/gdrive_list_cursor.hpp"
#include "backends/gdrive/gdrive_multipart_body.hpp"
#include "backends/gdrive/gdrive_names.hpp"
#include "backends/gdrive/gdrive_pacer.hpp"
#include "cloudsync/backends/gdrive.hpp"
#include "core/redact.hpp"
#include "support/google_standin.hpp"
#include "support/http_support.hpp"
#include "support/test_util.hpp"

namespace cloudsync::gdrive {

using namespace std::chrono_literals;

namespace {

http::Response answer(int status, const std::string& reason, const std::string& message = "some message") {
  http::Response r;
  r.status = status;
  r.body = R"({"error":{"code":)" + std::to_string(status) + R"(,"message":")" + message +
           R"(","errors":[{"domain":"usageLimits","reason":")" + reason + R"(","message":")" + message + R"("}]}})";
  return r;
}

http::Outcome classify(const http::Response& r, CallKind kind = CallKind::Metadata, DriveErrorPolicy policy = {}) {
  return classify_drive_answer(Result<http::Response>(r), true, kind, policy);
}

Status status_of(const http::Response& r, CallKind kind = CallKind::Metadata, DriveErrorPolicy policy = {}) {
  return drive_error_status(r, "files.get x", kind, policy);
}

}  // namespace

TEST_CASE("Drive errors: reasons, not only statuses, decide", "[gdrive][errors]") {
  SECTION("rate limits are retried and reported as Throttled") {
    for (const char* reason : {"userRateLimitExceeded", "rateLimitExceeded"}) {
      http::Response r = answer(403, reason,
                                "User Rate Limit Exceeded. Rate of requests for user exceed configured "
                                "project quota.");
      CHECK(classify(r) == http::Outcome::Retry);
      CHECK(classify(r, CallKind::Upload) == http::Outcome::Retry);
      Status s = status_of(r);
      CHECK(s.code() == ErrorCode::Throttled);
      CHECK(s.provider_code() == reason);
      CHECK(s.http_status() == 403);
    }
    CHECK(classify(answer(429, "rateLimitExceeded")) == http::Outcome::Retry);
    CHECK(classify(answer(503, "backendError")) == http::Outcome::Retry);
  }
  SECTION("quotas stop the job with a clear message") {
    for (const char* reason : {"storageQuotaExceeded", "quotaExceeded", "dailyLimitExceeded", "downloadQuotaExceeded",
                               "teamDriveFileLimitExceeded"}) {
      http::Response r = answer(403, reason);
      CHECK(classify(r) == http::Outcome::Fail);
      Status s = status_of(r);
      CHECK(s.code() == ErrorCode::LimitExceeded);
      CHECK(s.provider_code() == reason);
    }
    Status quota = status_of(answer(403, "storageQuotaExceeded", "The user's Drive storage quota has been exceeded."));
    CHECK(quota.message().find("service account") != std::string::npos);
    CHECK(quota.message().find("HTTP 403") != std::string::npos);
  }
  SECTION("the daily upload cap is told apart from the per-minute limit on uploads") {
    http::Response cap = answer(403, "userRateLimitExceeded", "User rate limit exceeded.");
    CHECK(classify(cap, CallKind::Upload) == http::Outcome::Fail);
    Status s = status_of(cap, CallKind::Upload);
    CHECK(s.code() == ErrorCode::LimitExceeded);
    CHECK(s.message().find("daily upload limit") != std::string::npos);
    // The same words on a listing are an ordinary rate limit, and the check can be turned off.
    CHECK(classify(cap, CallKind::Metadata) == http::Outcome::Retry);
    CHECK(classify(cap, CallKind::Upload, DriveErrorPolicy{false}) == http::Outcome::Retry);
  }
  SECTION("flagged files, permissions and exports are clear, non-retried errors") {
    Status abusive = status_of(answer(403, "cannotDownloadAbusiveFile"), CallKind::Download);
    CHECK(abusive.code() == ErrorCode::PermissionDenied);
    CHECK(abusive.message().find("acknowledge_abuse") != std::string::npos);
    CHECK(classify(answer(403, "cannotDownloadAbusiveFile")) == http::Outcome::Fail);
    CHECK(status_of(answer(403, "insufficientPermissions")).code() == ErrorCode::PermissionDenied);
    CHECK(classify(answer(403, "insufficientPermissions")) == http::Outcome::Fail);
    Status exported = status_of(answer(403, "exportSizeLimitExceeded"), CallKind::Export);
    CHECK(exported.code() == ErrorCode::LimitExceeded);
    CHECK(exported.provider_code() == "exportSizeLimitExceeded");
    CHECK(exported.message().find("10 MB") != std::string::npos);
  }
  SECTION("a create is not repeated after a 5xx that may have made the file") {
    auto once = [](int status) {
      return classify_drive_answer(Result<http::Response>(answer(status, "backendError")), false, CallKind::Upload, {});
    };
    CHECK(once(500) == http::Outcome::Fail);
    CHECK(once(502) == http::Outcome::Fail);
    CHECK(once(503) == http::Outcome::Retry);
    CHECK(once(429) == http::Outcome::Retry);
    CHECK(classify_drive_answer(Result<http::Response>(Status(ErrorCode::Network, "reset")), false, CallKind::Upload,
                                {}) == http::Outcome::Fail);
    CHECK(classify_drive_answer(Result<http::Response>(Status(ErrorCode::Network, "reset")), true, CallKind::Upload,
                                {}) == http::Outcome::Retry);
  }
  SECTION("a 404 from an upload session means the session is gone") {
    Status s = status_of(answer(404, "notFound"), CallKind::UploadChunk);
    CHECK(s.code() == ErrorCode::Network);
    CHECK(s.message().find("start over") != std::string::npos);
    CHECK(status_of(answer(404, "notFound"), CallKind::Upload).code() == ErrorCode::NotFound);
  }
  SECTION("statuses without a Drive document fall back to the HTTP meaning") {
    http::Response html;
    html.status = 403;
    html.body = "<html>Forbidden</html>";
    CHECK(classify(html) == http::Outcome::Fail);
    CHECK(status_of(html).code() == ErrorCode::PermissionDenied);
    CHECK(status_of(answer(404, "notFound")).code() == ErrorCode::NotFound);
    http::Response unauthorised = answer(401, "authError");
    CHECK(status_of(unauthorised).code() == ErrorCode::Unauthenticated);
    CHECK(status_of(unauthorised).message().find("re-authorise") != std::string::npos);
  }
}

TEST_CASE("resumable session URIs are credentials and never printed", "[gdrive][secrets]") {
  std::string text = redact(
      "PUT https://www.googleapis.com/upload/drive/v3/files?uploadType=resumable&upload_id=ADPycdvXyZ123 failed");
  CHECK(text == "PUT https://www.googleapis.com/upload/drive/v3/files?uploadType=resumable&upload_id=*** failed");
}

TEST_CASE("the pacer: a token bucket with bursts, emptied by a rate limit", "[gdrive][pacer]") {
  auto now = std::make_shared<Pacer::Clock::time_point>(Pacer::Clock::now());
  std::chrono::milliseconds slept{0};
  Pacer pacer(
      100ms, 3, [now] { return *now; },
      [&](std::chrono::milliseconds d) {
        slept += d;
        *now += d;
      });
  OpContext ctx;
  for (int i = 0; i < 3; ++i) REQUIRE_OK(pacer.acquire(ctx));
  CHECK(slept == 0ms);  // the burst
  REQUIRE_OK(pacer.acquire(ctx));
  CHECK(slept >= 100ms);
  CHECK(slept <= 110ms);
  *now += 1000ms;  // the bucket refills, up to the burst
  slept = 0ms;
  for (int i = 0; i < 3; ++i) REQUIRE_OK(pacer.acquire(ctx));
  CHECK(slept == 0ms);
  *now += 1000ms;
  pacer.on_throttled();  // no burst right after a rate limit
  slept = 0ms;
  REQUIRE_OK(pacer.acquire(ctx));
  CHECK(slept >= 100ms);

  SECTION("a cancelled wait returns Cancelled") {
    CancelToken token;
    token.cancel();
    REQUIRE_CODE(pacer.acquire(OpContext{&token}), ErrorCode::Cancelled);
  }
  SECTION("no interval, no waiting") {
    Pacer off(
        0ms, 1, [now] { return *now; }, [&](std::chrono::milliseconds d) { slept += d; });
    slept = 0ms;
    for (int i = 0; i < 50; ++i) REQUIRE_OK(off.acquire(ctx));
    CHECK(slept == 0ms);
  }
}

TEST_CASE("names, queries and export extensions", "[gdrive][names]") {
  auto formats = ExportFormats::parse("docx,xlsx,pptx,pdf");
  REQUIRE_OK(formats);

  SECTION("query literals escape backslash and quote") {
    CHECK(query_literal("quinn's paper\\essay") == R"('quinn\'s paper\\essay')");
    CHECK(query_literal("plain") == "'plain'");
    CHECK(parents_clause({"a"}) == "'a' in parents");
    CHECK(parents_clause({"a", "b"}) == "('a' in parents or 'b' in parents)");
  }
  SECTION("key segments: '/' shown as U+FF0F, documents with their export extension") {
    DriveFile file;
    file.name = "a/b.txt";
    file.mime_type = "text/plain";
    CHECK(key_segment(file, *formats) ==
          "a\xEF\xBC\x8F"
          "b.txt");
    DriveFile doc;
    doc.name = "Budget";
    doc.mime_type = "application/vnd.google-apps.spreadsheet";
    CHECK(key_segment(doc, *formats) == "Budget.xlsx");
    DriveFile form;
    form.name = "Survey";
    form.mime_type = "application/vnd.google-apps.form";
    CHECK_FALSE(key_segment(form, *formats).has_value());
  }
  SECTION("candidate names for a lookup") {
    auto names = candidate_names("Budget.xlsx", *formats);
    CHECK(std::find(names.begin(), names.end(), "Budget.xlsx") != names.end());
    CHECK(std::find(names.begin(), names.end(), "Budget") != names.end());
    auto slashed = candidate_names(
        "a\xEF\xBC\x8F"
        "b.txt",
        *formats);
    CHECK(std::find(slashed.begin(), slashed.end(), "a/b.txt") != slashed.end());
  }
  SECTION("export preferences pick the first format a kind supports") {
    auto csv = ExportFormats::parse("csv,pdf");
    REQUIRE_OK(csv);
    CHECK(csv->for_type("application/vnd.google-apps.spreadsheet")->extension == "csv");
    CHECK(csv->for_type("application/vnd.google-apps.spreadsheet")->mime_type == "text/csv");
    CHECK(csv->for_type("application/vnd.google-apps.document")->extension == "pdf");
    CHECK(formats->for_type("application/vnd.google-apps.drawing")->extension == "pdf");
    CHECK(formats->for_type("application/vnd.google-apps.presentation")->extension == "pptx");
    CHECK_FALSE(formats->for_type("application/vnd.google-apps.form").has_value());
    auto none = ExportFormats::parse("none");
    REQUIRE_OK(none);
    CHECK_FALSE(none->for_type("application/vnd.google-apps.document").has_value());
    REQUIRE_CODE(ExportFormats::parse("docx,doc"), ErrorCode::InvalidArgument);
  }
}

TEST_CASE("Drive files: int64 fields are strings", "[gdrive][json]") {
  auto f = parse_drive_file(
      R"({"id":"abc","name":"n","mimeType":"text/plain","size":"12345678901","version":"7","md5Checksum":"ABCDEF",)"
      R"("modifiedTime":"2024-01-31T12:00:00.123Z","headRevisionId":"rev","trashed":false,)"
      R"("exportLinks":{"text/csv":"https://docs.google.com/x"},"appProperties":{"K":"v"}})",
      "test");
  REQUIRE_OK(f);
  CHECK(f->size == 12345678901ull);
  CHECK(f->version == "7");
  CHECK(f->md5 == "abcdef");
  CHECK(f->head_revision_id == "rev");
  CHECK(f->export_links.at("text/csv") == "https://docs.google.com/x");
  REQUIRE(f->modified_time.has_value());
  REQUIRE_CODE(parse_drive_file(R"({"id":"x","size":"12a"})", "test"), ErrorCode::BadResponse);
  REQUIRE_CODE(parse_drive_file(R"({"name":"no id"})", "test"), ErrorCode::BadResponse);
}

TEST_CASE("listing tokens round-trip and refuse strangers", "[gdrive][listing]") {
  ListingCursor c;
  c.folders.push_back({"id1", "a/", {"root", "id1"}});
  c.folders.push_back({"id2", "a/b c/", {}});
  c.drive_token = "drive-token";
  c.page_size = 7;
  c.skip = 3;
  auto back = ListingCursor::decode(c.encode());
  REQUIRE_OK(back);
  REQUIRE(back->folders.size() == 2);
  CHECK(back->folders[0].chain == std::vector<std::string>{"root", "id1"});
  CHECK(back->folders[1].key_prefix == "a/b c/");
  CHECK(back->drive_token == "drive-token");
  CHECK(back->page_size == 7);
  CHECK(back->skip == 3);
  REQUIRE_CODE(ListingCursor::decode("not a token"), ErrorCode::InvalidArgument);
  REQUIRE_CODE(ListingCursor::decode("eyJ2IjoyfQ=="), ErrorCode::InvalidArgument);  // {"v":2}
}

TEST_CASE("the multipart/related body streams metadata and media", "[gdrive][upload]") {
  std::string media = "binary\r\n--not-the-boundary\0data";
  MemorySource source(media);
  MultipartRelatedBody body(R"({"name":"x"})", "application/octet-stream", source, media.size());
  std::string boundary = body.content_type().substr(body.content_type().find("boundary=") + 9);
  std::string out;
  for (int round = 0; round < 2; ++round) {  // the second round after a rewind (a retry)
    out.clear();
    REQUIRE_OK(body.rewind());
    char buf[7];
    for (;;) {
      auto n = body.read(std::span<char>(buf, sizeof buf));
      REQUIRE_OK(n);
      if (*n == 0) break;
      out.append(buf, *n);
    }
    CHECK(out.size() == *body.size());
  }
  CHECK(out == "--" + boundary + "\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{\"name\":\"x\"}\r\n--" +
                   boundary + "\r\nContent-Type: application/octet-stream\r\n\r\n" + media + "\r\n--" + boundary +
                   "--\r\n");
  SECTION("a source shorter or longer than announced is an Integrity error") {
    MemorySource short_source("abc");
    MultipartRelatedBody too_short("{}", "text/plain", short_source, 5);
    std::string sink(64, '\0');
    Status s;
    for (int i = 0; i < 5 && s.ok(); ++i) s = too_short.read(std::span<char>(sink.data(), sink.size())).status();
    CHECK(s.code() == ErrorCode::Integrity);
    MemorySource long_source("abcdef");
    MultipartRelatedBody too_long("{}", "text/plain", long_source, 3);
    Status l;
    for (int i = 0; i < 5 && l.ok(); ++i) l = too_long.read(std::span<char>(sink.data(), sink.size())).status();
    CHECK(l.code() == ErrorCode::Integrity);
  }
}

TEST_CASE("make_gdrive_backend scopes to its options' prefix, as a gdrive:// URL's path does", "[gdrive][registry]") {
  test::ScopedEnv no_adc("GOOGLE_APPLICATION_CREDENTIALS", nullptr);
  GDriveOptions o;
  o.folder_id = "1AbCdEfGh";
  o.access_token = "ya29.a-token-for-tests";
  auto whole = make_gdrive_backend(o);
  REQUIRE_OK(whole);
  CHECK((*whole)->describe() == "gdrive://1AbCdEfGh");
  o.prefix = "sub/dir";
  auto scoped = make_gdrive_backend(o);
  REQUIRE_OK(scoped);
  CHECK((*scoped)->describe() == "gdrive://1AbCdEfGh/sub/dir");
  auto via_url = open_backend("gdrive://1AbCdEfGh/sub/dir", {{"access_token", o.access_token}});
  REQUIRE_OK(via_url);
  CHECK((*via_url)->describe() == (*scoped)->describe());
  o.prefix = "a//b";
  REQUIRE_CODE(make_gdrive_backend(o), ErrorCode::InvalidArgument);
}

TEST_CASE("gdrive:// URLs and their options", "[gdrive][registry]") {
  test::ScopedEnv no_adc("GOOGLE_APPLICATION_CREDENTIALS", nullptr);
  BackendOptions token{{"access_token", "ya29.a-token-for-tests"}};
  SECTION("a folder ID and a path inside it") {
    auto b = open_backend("gdrive://1AbCdEfGh/sub/dir", token);
    REQUIRE_OK(b);
    CHECK((*b)->scheme() == "gdrive");
    CHECK((*b)->describe() == "gdrive://1AbCdEfGh/sub/dir");
    const Capabilities& caps = (*b)->capabilities();
    CHECK(caps.duplicate_names);
    CHECK(caps.hierarchical);
    CHECK(caps.mtime_precision == std::chrono::milliseconds(1));
    CHECK(caps.hashes == hash_kinds(HashKind::Md5));
    CHECK_FALSE(caps.conditional_create);
    CHECK_FALSE(caps.conditional_update);
    CHECK(caps.multipart.supported);
    CHECK_FALSE(caps.multipart.parallel);
    CHECK(caps.multipart.part_size_multiple == 256 * 1024);
  }
  SECTION("every documented option is taken") {
    BackendOptions all = token;
    all.insert({{"endpoint", "http://127.0.0.1:1"},
                {"export_formats", "csv,pdf"},
                {"use_trash", "false"},
                {"follow_shortcuts", "yes"},
                {"acknowledge_abuse", "0"},
                {"stop_on_upload_limit", "true"},
                {"upload_cutoff", "1048576"},
                {"chunk_size", "524288"},
                {"page_size", "100"},
                {"pacer_min_sleep_ms", "10"},
                {"pacer_burst", "5"},
                {"max_attempts", "3"},
                {"token_uri", "http://127.0.0.1:1/token"},
                {"ca_bundle", ""},
                {"proxy", ""},
                {"verify_tls", "false"},
                {"use_environment", "true"},
                {"metadata_server", "false"},
                {"metadata_timeout_ms", "500"}});
    REQUIRE_OK(open_backend("gdrive://folder", all));
  }
  SECTION("mistakes are InvalidArgument") {
    BackendOptions typo = token;
    typo["use_trashh"] = "true";
    REQUIRE_CODE(open_backend("gdrive://folder", typo), ErrorCode::InvalidArgument);
    BackendOptions chunk = token;
    chunk["chunk_size"] = "100000";  // not a multiple of 256 KiB
    REQUIRE_CODE(open_backend("gdrive://folder", chunk), ErrorCode::InvalidArgument);
    BackendOptions format = token;
    format["export_formats"] = "doc";
    REQUIRE_CODE(open_backend("gdrive://folder", format), ErrorCode::InvalidArgument);
    BackendOptions two = token;
    two["refresh_token"] = "1//another-kind-of-credential";
    REQUIRE_CODE(open_backend("gdrive://folder", two), ErrorCode::InvalidArgument);
    BackendOptions file_too = token;
    file_too["credentials_file"] = "/nonexistent/adc.json";
    REQUIRE_CODE(open_backend("gdrive://folder", file_too), ErrorCode::InvalidArgument);
    BackendOptions boolean = token;
    boolean["use_trash"] = "sometimes";
    REQUIRE_CODE(open_backend("gdrive://folder", boolean), ErrorCode::InvalidArgument);
  }
  SECTION("no credentials is Unauthenticated, and says what to give") {
    test::AdcEnvironment env;  // nothing in HOME, no metadata server
    auto none = open_backend("gdrive://folder", {});
    REQUIRE_CODE(none, ErrorCode::Unauthenticated);
    CHECK(none.status().message().find("refresh_token") != std::string::npos);
  }
  SECTION("secrets given as options never appear in messages") {
    BackendOptions bad = {{"client_id", "cid"},
                          {"client_secret", "GOCSPX-very-secret-value"},
                          {"refresh_token", "1//refresh-secret-value"},
                          {"token_uri", "ftp://nowhere"}};
    auto r = open_backend("gdrive://folder", bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().to_string().find("very-secret") == std::string::npos);
    CHECK(r.status().to_string().find("refresh-secret") == std::string::npos);
  }
}

}  // namespace cloudsync::gdrive
