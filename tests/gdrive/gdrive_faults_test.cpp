// Failures Drive and the network produce, injected by the fault proxy in
// front of the Drive stand-in, and the OAuth2 failures of a real token
// server: what is retried, what resumes, what stops at once and says why.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "cloudsync/workspace.hpp"
#include "core/hash.hpp"
#include "core/json.hpp"
#include "gdrive/drive_fixture.hpp"

namespace cloudsync::test {

namespace {

FaultProxy& drive_proxy() {
  static FaultProxy proxy(drive_server().port());
  return proxy;
}

// A proxy rule answering `status` with Google's JSON error document.
std::string error_rule(int status, const std::string& reason, const std::string& message, int count,
                       const std::string& match) {
  std::string body = R"({"error":{"code":)" + std::to_string(status) + R"(,"message":")" + message +
                     R"(","errors":[{"domain":"usageLimits","reason":")" + reason + R"(","message":")" + message +
                     R"("}]}})";
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  json_write_key(w, "status");
  w.Int(status);
  json_write_key(w, "count");
  w.Int(count);
  json_write_key(w, "match");
  json_write_string(w, match);
  json_write_key(w, "body");
  json_write_string(w, body);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

// Clears the proxy's rule when a test section ends, however it ends.
struct RuleGuard {
  ~RuleGuard() { drive_proxy().set_rule("{}"); }
};

GDriveOptions proxied(const std::string& folder) {
  GDriveOptions o = drive_options(folder, drive_proxy().url());
  o.upload_cutoff = 256 * 1024;
  return o;
}

constexpr const char* kChunkPut = "PUT /upload/drive/v3/files?uploadType=resumable&upload_id";

}  // namespace

TEST_CASE("a resumable upload survives a dropped chunk and resumes where the session stands",
          "[gdrive][faults][resumable]") {
  RuleGuard guard;
  std::string root = fresh_folder();
  auto b = open_drive(proxied(root));
  auto direct = open_drive(drive_options(root));
  std::string data = random_bytes(1024 * 1024 + 77, 5);

  SECTION("put(): the chunk's connection is dropped, then the status query's too") {
    drive_proxy().set_rule(R"({"kill":true,"count":2,"match":")" + std::string(kChunkPut) + R"("})");
    LogCapture logs(LogLevel::Info);
    auto r = b->write_all(P("up/put.bin"), data, {}, {});
    REQUIRE_OK(r);
    CHECK(drive_proxy().hits() == 2);
    CHECK(logs.joined().find("resuming at byte 0") != std::string::npos);  // asked the session, then went on
    std::string text = logs.joined();
    for (size_t at = text.find("upload_id="); at != std::string::npos; at = text.find("upload_id=", at + 1)) {
      CHECK(text.compare(at, 13, "upload_id=***") == 0);  // session URIs are credentials
    }
    CHECK(r->hashes.md5 == to_hex(md5_digest(data)));
    CHECK(read_object(*direct, "up/put.bin") == data);
  }
  SECTION("a multipart upload (the engine's path): parts in order, one connection dropped") {
    PutOptions opts;
    opts.size = data.size();
    auto upload = b->start_multipart(P("up/parts.bin"), opts, {});
    REQUIRE_OK(upload);
    const size_t part = 512 * 1024;
    std::vector<PartInfo> parts;
    for (uint32_t n = 1; n * part < data.size() + part; ++n) {
      if (n == 2) drive_proxy().set_rule(R"({"kill":true,"count":1,"match":")" + std::string(kChunkPut) + R"("})");
      MemorySource source(std::string_view(data).substr((n - 1) * part, part));
      auto info = (*upload)->upload_part(n, source, {});
      REQUIRE_OK(info);
      parts.push_back(*info);
    }
    CHECK(drive_proxy().hits() == 1);
    REQUIRE_CODE(direct->head(P("up/parts.bin"), {}), ErrorCode::NotFound);  // nothing visible yet
    auto done = (*upload)->complete(parts, {});
    REQUIRE_OK(done);
    CHECK(read_object(*direct, "up/parts.bin") == data);
  }
}

TEST_CASE("an expired upload session (404) starts over", "[gdrive][faults][resumable]") {
  RuleGuard guard;
  DriveAdmin admin;
  std::string root = fresh_folder();
  auto b = open_drive(proxied(root));
  auto direct = open_drive(drive_options(root));
  std::string data = random_bytes(900 * 1024, 6);

  SECTION("put() starts a new session from the beginning of its source") {
    drive_proxy().set_rule(error_rule(404, "notFound", "Upload session not found.", 1, kChunkPut));
    REQUIRE_OK(b->write_all(P("expired.bin"), data, {}, {}));
    CHECK(drive_proxy().hits() == 1);
    CHECK(read_object(*direct, "expired.bin") == data);
    CHECK(admin.children(root).size() == 1);  // one file, not one per session
  }
  SECTION("a multipart upload restarts while nothing reached the server, and says so when it cannot") {
    const size_t part = 256 * 1024;
    auto upload = b->start_multipart(P("parts.bin"), {}, {});
    REQUIRE_OK(upload);
    drive_proxy().set_rule(error_rule(404, "notFound", "Upload session not found.", 1, kChunkPut));
    for (uint32_t n = 1; n <= 2; ++n) {  // part 2 sends the first chunk: refused, a new session takes it
      MemorySource source(std::string_view(data).substr((n - 1) * part, part));
      REQUIRE_OK((*upload)->upload_part(n, source, {}));
    }
    CHECK(drive_proxy().hits() == 1);
    drive_proxy().set_rule(error_rule(404, "notFound", "Upload session not found.", 1, kChunkPut));
    MemorySource third(std::string_view(data).substr(2 * part));
    auto lost = (*upload)->upload_part(3, third, {});
    REQUIRE_CODE(lost, ErrorCode::Network);  // transient: the caller uploads the file again
    CHECK(lost.status().message().find("start over") != std::string::npos);
    REQUIRE_OK((*upload)->abort({}));
    REQUIRE_CODE(direct->head(P("parts.bin"), {}), ErrorCode::NotFound);
  }
}

TEST_CASE("rate limits are retried, quotas and refusals are not", "[gdrive][faults][errors]") {
  RuleGuard guard;
  std::string root = fresh_folder();
  auto b = open_drive(proxied(root));
  REQUIRE_OK(b->write_all(P("exists.txt"), "here", {}, {}));

  SECTION("403 userRateLimitExceeded, twice, then success") {
    drive_proxy().set_rule(error_rule(403, "userRateLimitExceeded",
                                      "User Rate Limit Exceeded. Rate of requests for user exceed configured project "
                                      "quota.",
                                      2, "GET /drive/v3/files?"));
    LogCapture logs(LogLevel::Warn);
    auto head = b->head(P("exists.txt"), {});
    REQUIRE_OK(head);
    CHECK(drive_proxy().hits() == 2);
    CHECK(logs.joined().find("retrying") != std::string::npos);
  }
  SECTION("429 with Retry-After, then success") {
    drive_proxy().set_rule(R"({"status":429,"count":1,"retry_after":"0","match":"GET /drive/v3/files?"})");
    REQUIRE_OK(b->head(P("exists.txt"), {}));
    CHECK(drive_proxy().hits() == 1);
  }
  SECTION("storageQuotaExceeded stops the upload at once") {
    drive_proxy().set_rule(error_rule(403, "storageQuotaExceeded", "The user's Drive storage quota has been exceeded.",
                                      5, "POST /upload/drive/v3/files"));
    auto r = b->write_all(P("new.txt"), "no room", {}, {});
    REQUIRE_CODE(r, ErrorCode::LimitExceeded);
    CHECK(drive_proxy().hits() == 1);
    CHECK(r.status().message().find("storage quota") != std::string::npos);
    CHECK(r.status().provider_code() == "storageQuotaExceeded");
    CHECK(r.status().http_status() == 403);
  }
  SECTION("the daily upload cap stops the upload at once") {
    drive_proxy().set_rule(
        error_rule(403, "userRateLimitExceeded", "User rate limit exceeded.", 5, "PATCH /upload/drive/v3/files"));
    auto r = b->write_all(P("exists.txt"), "more", {}, {});
    REQUIRE_CODE(r, ErrorCode::LimitExceeded);
    CHECK(drive_proxy().hits() == 1);
    CHECK(r.status().message().find("daily upload limit") != std::string::npos);
  }
  SECTION("insufficientPermissions is reported, not retried") {
    drive_proxy().set_rule(error_rule(403, "insufficientPermissions",
                                      "Insufficient Permission: Request had insufficient authentication scopes.", 5,
                                      "PATCH /upload/drive/v3/files"));
    auto r = b->write_all(P("exists.txt"), "more", {}, {});
    REQUIRE_CODE(r, ErrorCode::PermissionDenied);
    CHECK(drive_proxy().hits() == 1);
  }
  SECTION("a document over the export limit, with its export link failing too") {
    DriveAdmin admin;
    admin.create_document("Huge", root, "application/vnd.google-apps.document", "text");
    // "export?" names files.export (/files/ID/export?mimeType=) and the export link (/feeds/download/export?id=).
    drive_proxy().set_rule(
        error_rule(403, "exportSizeLimitExceeded", "This file is too large to be exported.", 2, "export?"));
    StringSink sink;
    auto r = b->get(P("Huge.docx"), {}, sink, {});
    REQUIRE_CODE(r, ErrorCode::LimitExceeded);
    CHECK(drive_proxy().hits() == 2);  // files.export, then the export link: no retries
    CHECK(r.status().message().find("export link failed too") != std::string::npos);
    CHECK(r.status().message().find("10 MB") != std::string::npos);
    CHECK(sink.out.empty());
  }
}

TEST_CASE("an interrupted download resumes with a range pinned to the version", "[gdrive][faults][download]") {
  RuleGuard guard;
  std::string root = fresh_folder();
  std::string data = random_bytes(300 * 1024, 8);
  REQUIRE_OK(open_drive(drive_options(root))->write_all(P("data/big.bin"), data, {}, {}));
  TempDir dir;
  WorkspaceOptions wo;
  wo.credentials = [](const Integration&) { return BackendOptions{{"access_token", "valid-token"}}; };
  auto ws = Workspace::open(dir / "project", wo);
  REQUIRE_OK(ws);
  IntegrationSpec spec;
  spec.name = "Drive via proxy";
  spec.url = "gdrive://" + root;
  spec.options = {{"endpoint", drive_proxy().url()}, {"pacer_min_sleep_ms", "0"}};
  auto integ = (*ws)->add_integration(spec);
  REQUIRE_OK(integ);
  drive_proxy().set_rule(R"({"truncate":20000,"count":1,"match":"alt=media"})");
  auto r = (*ws)->import_files(spec.name, ImportRequest{{"data/"}, false});
  REQUIRE_OK(r);
  CHECK(r->report.count(OutcomeKind::Done) == 1);
  CHECK(drive_proxy().hits() == 1);
  CHECK(read_file(dir / "project" / integ->folder / "data/big.bin") == data);
}

TEST_CASE("a ranged download refuses bytes from another range than it asked for", "[gdrive][faults][download]") {
  RuleGuard guard;
  std::string root = fresh_folder();
  std::string data = random_bytes(1000, 9);
  REQUIRE_OK(open_drive(drive_options(root))->write_all(P("r/k.bin"), data, {}, {}));
  auto b = open_drive(proxied(root));
  GetOptions options;
  options.range = ByteRange{100, 50};
  StringSink sink;

  SECTION("the range asked for passes") {
    REQUIRE_OK(b->get(P("r/k.bin"), options, sink, {}));
    CHECK(sink.out == data.substr(100, 50));
  }
  SECTION("a 206 whose Content-Range is another range is refused") {
    drive_proxy().set_rule(R"({"status":206,"count":1,"match":"alt=media","body":")" + std::string(50, 'x') +
                           R"(","headers":{"Content-Range":"bytes 0-49/1000"}})");
    REQUIRE_CODE(b->get(P("r/k.bin"), options, sink, {}), ErrorCode::Integrity);
    CHECK(drive_proxy().hits() == 1);
  }
  SECTION("a 206 with the right bounds but another total is refused") {
    drive_proxy().set_rule(R"({"status":206,"count":1,"match":"alt=media","body":")" + std::string(50, 'x') +
                           R"(","headers":{"Content-Range":"bytes 100-149/2000"}})");
    options.range = ByteRange{100, std::nullopt};  // to the end: bytes 100-999 are asked for
    REQUIRE_CODE(b->get(P("r/k.bin"), options, sink, {}), ErrorCode::Integrity);
  }
  SECTION("a 200 with the whole file, answered to a range request, is refused") {
    drive_proxy().set_rule(R"({"status":200,"count":1,"match":"alt=media","body":")" + std::string(1000, 'x') +
                           R"("})");
    REQUIRE_CODE(b->get(P("r/k.bin"), options, sink, {}), ErrorCode::Integrity);
  }
}

TEST_CASE("an expired access token is refreshed once, a revoked grant asks to re-authorise", "[gdrive][faults][auth]") {
  DriveAdmin admin;
  std::string root = fresh_folder();
  GDriveOptions o = drive_options(root);
  o.access_token.clear();
  o.client_id = kClientId;
  o.client_secret = kClientSecret;
  o.refresh_token = kRefreshToken;
  o.token_uri = token_uri();

  SECTION("401 -> one refresh -> the same call succeeds, and no secret reaches the log") {
    LogCapture logs(LogLevel::Trace);
    auto b = open_drive(o);
    const int64_t before = token_requests("refresh_token");
    REQUIRE_OK(b->write_all(P("t.txt"), "token one", {}, {}));
    CHECK(token_requests("refresh_token") == before + 1);
    admin.expire_tokens();  // the hour is over
    auto head = b->head(P("t.txt"), {});
    REQUIRE_OK(head);
    CHECK(token_requests("refresh_token") == before + 2);
    REQUIRE_OK(b->write_all(P("t.txt"), "token two", {}, {}));
    CHECK(token_requests("refresh_token") == before + 2);  // the new token is kept
    std::string text = logs.joined();
    CHECK(text.find("rejected the access token") != std::string::npos);
    CHECK(text.find(kClientSecret) == std::string::npos);
    CHECK(text.find(kRefreshToken) == std::string::npos);
    CHECK(text.find("valid-token-") == std::string::npos);
  }
  SECTION("invalid_grant: Unauthenticated, re-authorise, no retry loop") {
    o.refresh_token = "revoked-refresh-token";
    auto b = open_drive(o);
    const int64_t before = token_requests("refresh_token");
    auto r = b->head(P("t.txt"), {});
    REQUIRE_CODE(r, ErrorCode::Unauthenticated);
    CHECK(r.status().message().find("Re-authorise") != std::string::npos);
    CHECK(r.status().provider_code() == "invalid_grant");
    CHECK(token_requests("refresh_token") == before + 1);
    auto again = b->list_all({}, {});
    REQUIRE_CODE(again, ErrorCode::Unauthenticated);
  }
}

}  // namespace cloudsync::test
