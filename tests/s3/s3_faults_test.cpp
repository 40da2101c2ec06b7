// Retries through the fault proxy (tests/peers/faults.py) in front of moto:
// 503 with Retry-After, dropped connections before and after the server
// acted, truncated bodies, region redirects and 200 answers carrying an
// <Error>. Every scenario ends with complete, verified files and nothing
// partial (no temporaries in the project, no unfinished uploads).
#include <fmt/format.h>

#include <optional>

#include "core/hash.hpp"
#include "core/time.hpp"
#include "s3/s3_fixture.hpp"

namespace cloudsync::test {

namespace fs = std::filesystem;

namespace {

bool contains_line(const std::vector<std::string>& lines, std::string_view text) {
  return std::any_of(lines.begin(), lines.end(),
                     [&](const std::string& l) { return l.find(text) != std::string::npos; });
}

// A ListObjectsV2 page that says there is more after `token` (one key, `key`).
std::string list_page_xml(const std::string& key, const std::string& token) {
  return fmt::format(
      "<ListBucketResult><EncodingType>url</EncodingType><IsTruncated>true</IsTruncated>"
      "<Contents><Key>{}</Key><Size>1</Size></Contents><NextContinuationToken>{}</NextContinuationToken>"
      "</ListBucketResult>",
      key, token);
}

std::string list_rule(const std::vector<std::string>& bodies) {
  std::string list;
  for (const std::string& body : bodies) list += (list.empty() ? "\"" : ",\"") + body + "\"";
  return fmt::format(
      R"({{"status":200,"count":50,"match":"list-type=2","headers":{{"Content-Type":"application/xml"}},"bodies":[{}]}})",
      list);
}

}  // namespace

TEST_CASE("S3 transfers survive faults and end complete and verified", "[s3][faults]") {
  FaultProxy& proxy = fault_proxy();
  S3Project p(proxy.url());
  const std::string prefix = "/" + p.bucket + "/prefix/";
  const std::string big = random_bytes(600 * 1024 + 11, 21);  // 10 parts of 64 KiB

  SECTION("503 with Retry-After on uploads and downloads") {
    write_file(p.folder / "up/a.txt", "payload a");
    proxy.set_rule(fmt::format(R"({{"status":503,"count":2,"retry_after":"1","match":"PUT {}up/a.txt"}})", prefix));
    auto started = std::chrono::steady_clock::now();
    auto exported = p.export_all();
    CHECK(done_count(exported) == 1);
    CHECK(proxy.hits() == 2);
    CHECK(std::chrono::steady_clock::now() - started >= std::chrono::seconds(2));  // the server's pace was kept
    CHECK(p.remote_text("up/a.txt") == "payload a");

    fs::remove(p.folder / "up/a.txt");
    proxy.set_rule(fmt::format(R"({{"status":503,"count":2,"retry_after":"1","match":"GET {}up/a.txt"}})", prefix));
    auto restored = p.ws->restore(p.name, {});
    REQUIRE_OK(restored);
    CHECK(done_count(restored->front()) == 1);
    CHECK(proxy.hits() == 2);
    CHECK(read_file(p.folder / "up/a.txt") == "payload a");
  }
  SECTION("a connection dropped during an upload part") {
    write_file(p.folder / "big.bin", big);
    proxy.set_rule(R"({"kill":true,"count":2,"match":"partNumber=3&"})");
    auto exported = p.export_all();
    INFO(operation_result_to_json(exported));
    CHECK(done_count(exported) == 1);
    CHECK(proxy.hits() == 2);
    auto head = p.remote->head(P("big.bin"), kCtx);
    REQUIRE_OK(head);
    CHECK(head->etag.ends_with("-10"));
    // A multipart ETag is no MD5: the CRC32C recorded in metadata vouches.
    CHECK(head->hashes.crc32c == hashes_of(big).crc32c);
    CHECK(p.remote_text("big.bin") == big);
  }
  SECTION("answers lost after the server acted: a create-only PUT and a completion") {
    write_file(p.folder / "lost/small.txt", "small");
    write_file(p.folder / "lost/big.bin", big);
    // The first PUT of small.txt is stored, its answer dropped; the retry meets
    // its own object (412 to If-None-Match) and recognises it by its CRC32C.
    proxy.set_rule(fmt::format(R"({{"kill_after":true,"count":1,"match":"PUT {}lost/small.txt"}})", prefix));
    std::optional<LogCapture> logs(std::in_place, LogLevel::Debug);
    Result<OperationResult> first = p.ws->export_files(p.name, ExportRequest{false, {"lost/small.txt"}});
    CHECK(contains_line(logs->messages(), "an earlier attempt had stored it"));
    REQUIRE_OK(first);
    INFO(operation_result_to_json(*first));
    CHECK(done_count(*first) == 1);
    CHECK(proxy.hits() == 1);
    // The completion goes through, its answer is lost, and it is sent again:
    // moto (like S3) answers a repeated completion with 200; stores that
    // answer NoSuchUpload or 412 instead are recognised by the object's CRC32C.
    proxy.set_rule(fmt::format(R"({{"kill_after":true,"count":1,"match":"POST {}lost/big.bin?uploadId="}})", prefix));
    logs.emplace(LogLevel::Debug);  // only the second export's lines
    Result<OperationResult> second = p.ws->export_files(p.name, ExportRequest{false, {"lost/big.bin"}});
    CHECK(contains_line(logs->messages(),
                        "CompleteMultipartUpload s3://" + p.bucket + "/prefix/lost/big.bin (10 parts): attempt 1"));
    REQUIRE_OK(second);
    INFO(operation_result_to_json(*second));
    CHECK(done_count(*second) == 1);
    CHECK(proxy.hits() == 1);
    CHECK(p.remote_text("lost/small.txt") == "small");
    CHECK(p.remote_text("lost/big.bin") == big);
  }
  SECTION("truncated downloads resume with a range pinned to the etag") {
    p.put_remote("down/big.bin", big);
    proxy.set_rule(fmt::format(R"({{"truncate":50000,"count":3,"match":"GET {}down/big.bin"}})", prefix));
    LogCapture logs(LogLevel::Debug);
    OperationResult imported = p.import({"down/big.bin"});
    CHECK(contains_line(logs.messages(), "at byte 50000"));
    CHECK(contains_line(logs.messages(), "at byte 100000"));
    CHECK(done_count(imported) == 1);
    CHECK(proxy.hits() == 3);
    CHECK(read_file(p.folder / "down/big.bin") == big);
  }
  SECTION("a fault that outlasts the retries fails cleanly, and the next run succeeds") {
    p.put_remote("down/big.bin", big);
    proxy.set_rule(fmt::format(R"({{"truncate":1000,"count":100,"match":"GET {}down/big.bin"}})", prefix));
    auto r = p.ws->import_files(p.name, {{"down/big.bin"}});
    REQUIRE_OK(r);
    CHECK(r->report.count(OutcomeKind::Failed) == 1);
    CHECK(r->report.first_error().code() == ErrorCode::Network);
    CHECK_FALSE(fs::exists(p.folder / "down/big.bin"));
    proxy.set_rule("{}");
    CHECK(done_count(p.import({"down/big.bin"})) == 1);
    CHECK(read_file(p.folder / "down/big.bin") == big);
  }
  check_nothing_partial(p);
}

TEST_CASE("S3 answers that need interpreting: region redirects and 200 with an error", "[s3][faults]") {
  FaultProxy& proxy = fault_proxy();
  std::string bucket = create_bucket("redir");
  auto b = bucket_backend(moto_options(bucket, proxy.url()));
  REQUIRE_OK(b->write_all(P("k.txt"), "content", {}, kCtx));
  const std::string redirect =
      R"({"status":301,"count":COUNT,"match":"list-type","headers":{"x-amz-bucket-region":"eu-west-1"},)"
      R"("body":"<Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be )"
      R"(addressed using the specified endpoint.</Message></Error>"})";
  auto with_count = [](std::string rule, int n) { return rule.replace(rule.find("COUNT"), 5, std::to_string(n)); };

  SECTION("a 301 without Location: the client moves to the bucket's region") {
    proxy.set_rule(with_count(redirect, 1));
    auto listed = b->list_all({}, kCtx);
    REQUIRE_OK(listed);
    CHECK(listed->size() == 1);
    CHECK(proxy.hits() == 1);
    CHECK(b->client().region() == "eu-west-1");
    REQUIRE_OK(b->write_all(P("after.txt"), "signed for eu-west-1", {}, kCtx));
  }
  SECTION("AuthorizationHeaderMalformed names the region in its body") {
    proxy.set_rule(R"({"status":400,"count":1,"match":"list-type","body":"<Error><Code>AuthorizationHeaderMalformed)"
                   R"(</Code><Message>the region 'us-east-1' is wrong; expecting 'ap-southeast-2'</Message><Region>)"
                   R"(ap-southeast-2</Region></Error>"})");
    REQUIRE_OK(b->list_all({}, kCtx));
    CHECK(b->client().region() == "ap-southeast-2");
  }
  SECTION("without a retry left, the error names the right region") {
    auto once = bucket_backend(moto_options(bucket, proxy.url()), [](s3::S3Config& c) { c.retry.max_attempts = 1; });
    proxy.set_rule(with_count(redirect, 1));
    auto r = once->list_page({}, kCtx);
    REQUIRE_CODE(r, ErrorCode::InvalidArgument);
    CHECK(r.status().http_status() == 301);
    CHECK(r.status().message().find("the bucket is in region 'eu-west-1', not 'us-east-1': set region=eu-west-1") !=
          std::string::npos);
  }
  SECTION("CompleteMultipartUpload: a 200 with InternalError is retried, AccessDenied is not") {
    std::string data = random_bytes(kTestMinPart + 5, 4);
    auto upload_parts = [&](const char* key) {
      auto upload = b->start_multipart(P(key), {}, kCtx);
      REQUIRE_OK(upload);
      std::vector<PartInfo> parts;
      for (uint32_t n = 1; n <= 2; ++n) {
        MemorySource src(std::string_view(data).substr((n - 1) * kTestMinPart, kTestMinPart));
        auto part = (*upload)->upload_part(n, src, kCtx);
        REQUIRE_OK(part);
        parts.push_back(*part);
      }
      return std::make_pair(std::move(*upload), parts);
    };
    auto [retried, parts] = upload_parts("mp-retried.bin");
    proxy.set_rule(R"({"status":200,"count":1,"match":"uploadId=","body":"<Error><Code>InternalError</Code>)"
                   R"(<Message>We encountered an internal error. Please try again.</Message></Error>"})");
    auto ok = retried->complete(parts, kCtx);
    REQUIRE_OK(ok);
    CHECK(proxy.hits() == 1);
    StringSink sink;
    REQUIRE_OK(b->get(P("mp-retried.bin"), {}, sink, kCtx));
    CHECK(sink.out == data);

    auto [refused, parts2] = upload_parts("mp-refused.bin");
    proxy.set_rule(R"({"status":200,"count":5,"match":"POST","body":"<Error><Code>AccessDenied</Code>)"
                   R"(<Message>Access Denied</Message></Error>"})");
    auto denied = refused->complete(parts2, kCtx);
    REQUIRE_CODE(denied, ErrorCode::PermissionDenied);
    CHECK(proxy.hits() == 1);
    proxy.set_rule("{}");
    REQUIRE_OK(refused->abort(kCtx));
    CHECK(pending_uploads(*b) == 0);
  }
  SECTION("DeleteObjects: a 200 with SlowDown is retried") {
    proxy.set_rule(R"({"status":200,"count":1,"match":"delete","body":"<Error><Code>SlowDown</Code>)"
                   R"(<Message>Please reduce your request rate.</Message></Error>"})");
    std::vector<Path> paths{P("k.txt"), P("never-there.txt")};
    auto removed = b->remove_many(paths, kCtx);
    REQUIRE_OK(removed);
    for (const Status& s : *removed) REQUIRE_OK(s);
    CHECK(proxy.hits() == 1);
    CHECK(all_keys(*b).empty());
  }
}

TEST_CASE("S3 listings whose continuation token goes round fail instead of running forever", "[s3][faults][list]") {
  FaultProxy& proxy = fault_proxy();
  std::string bucket = create_bucket("loop");
  auto b = bucket_backend(moto_options(bucket, proxy.url()));
  const std::string page_a = list_page_xml("a.txt", "TOKEN-A");
  const std::string page_b = list_page_xml("b.txt", "TOKEN-B");

  SECTION("the token just sent comes back: each page on its own (as `ls -R` pages)") {
    proxy.set_rule(list_rule({page_a}));
    ListOptions opts;
    Status failed;
    int calls = 0;
    for (; calls < 10 && failed.ok(); ++calls) {
      auto page = b->list_page(opts, kCtx);
      if (!page.ok()) {
        failed = page.status();
      } else {
        opts.page_token = page->next_page_token;
      }
    }
    REQUIRE(failed.code() == ErrorCode::BadResponse);
    CHECK_THAT(failed.message(), Catch::Contains("S3 answered with the continuation token it was sent"));
    CHECK(calls == 2);
    CHECK(proxy.hits() == 2);
  }
  SECTION("two tokens alternate (A, B, A, ...)") {
    proxy.set_rule(list_rule({page_a, page_b}));
    auto listed = b->list_all({}, kCtx);
    REQUIRE_CODE(listed, ErrorCode::BadResponse);
    CHECK_THAT(listed.status().message(), Catch::Contains("repeated a page token"));
    CHECK(proxy.hits() == 3);
  }
  proxy.set_rule("{}");
}

}  // namespace cloudsync::test
