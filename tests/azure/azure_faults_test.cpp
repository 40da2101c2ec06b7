// Retries and resumption through the fault-injecting proxy
// (tests/peers/start-faultproxy.sh + faults.py) in front of Azurite: 503
// ServerBusy with Retry-After, 500 OperationTimedOut / InternalError, a
// dropped connection, a body cut short. Each ends with complete, verified
// files and nothing partial.
#include <chrono>

#include <fmt/format.h>

#include "azure/azurite.hpp"
#include "cloudsync/workspace.hpp"
#include "core/hash.hpp"
#include "core/time.hpp"

namespace cloudsync::test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// Azurite with the proxy in front, one container, and backends through it.
struct Faulty {
  Azurite& az = azurite();
  FaultProxy proxy{az.port()};
  /// The Azurite account endpoint through the proxy.
  std::string endpoint() const { return proxy.url() + "/" + std::string(auth::kAzuriteAccount); }
  std::string container = az.new_container();
  std::shared_ptr<RecordingTransport> recorder = std::make_shared<RecordingTransport>();

  std::shared_ptr<StorageBackend> backend(AzureBackendOptions extra = {}) {
    AzureBackendOptions o = az.key_options(container, endpoint());
    o.block_size = extra.block_size;
    o.upload_cutoff = extra.upload_cutoff;
    azure::AzureEnvironment env;
    env.transport = recorder;
    auto b = azure::make_azure_backend(o, env);
    REQUIRE_OK(b);
    return *b;
  }
  // The container straight from Azurite, for checking.
  std::shared_ptr<StorageBackend> direct() { return az.backend(container); }
};

std::string error_rule(int status, const std::string& code, const std::string& match, int count,
                       const std::string& retry_after = {}) {
  std::string rule = fmt::format(
      R"({{"status":{},"count":{},"match":"{}","headers":{{"x-ms-error-code":"{}"}},)"
      R"("body":"<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>{}</Code><Message>injected</Message></Error>")",
      status, count, match, code, code);
  if (!retry_after.empty()) rule += fmt::format(R"(,"retry_after":"{}")", retry_after);
  return rule + "}";
}

}  // namespace

// A List Blobs page whose NextMarker is `marker` (one blob, `name`).
std::string list_page_xml(const std::string& name, const std::string& marker) {
  return fmt::format(
      "<EnumerationResults><Blobs><Blob><Name>{}</Name><Properties><Content-Length>1</Content-Length>"
      "</Properties></Blob></Blobs><NextMarker>{}</NextMarker></EnumerationResults>",
      name, marker);
}

TEST_CASE("azure listings whose NextMarker goes round fail instead of running forever", "[azure][faults][list]") {
  Faulty f;
  auto b = f.backend();
  const std::string page_a = list_page_xml("a.txt", "MARKER-A");
  const std::string page_b = list_page_xml("b.txt", "MARKER-B");
  auto rule = [&](const std::vector<std::string>& bodies) {
    std::string list;
    for (const std::string& body : bodies) list += (list.empty() ? "\"" : ",\"") + body + "\"";
    return fmt::format(
        R"({{"status":200,"count":50,"match":"comp=list","headers":{{"Content-Type":"application/xml"}},"bodies":[{}]}})",
        list);
  };

  SECTION("the marker just sent comes back: each page on its own (as `ls` pages)") {
    f.proxy.set_rule(rule({page_a}));
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
    CHECK_THAT(failed.message(), Catch::Contains("Azure answered with the NextMarker it was sent"));
    CHECK(calls == 2);
    CHECK(f.proxy.hits() == 2);
  }
  SECTION("two markers alternate (A, B, A, ...)") {
    f.proxy.set_rule(rule({page_a, page_b}));
    auto listed = b->list_all({}, kCtx);
    REQUIRE_CODE(listed, ErrorCode::BadResponse);
    CHECK_THAT(listed.status().message(), Catch::Contains("repeated a page token"));
    CHECK(f.proxy.hits() == 3);
  }
  f.proxy.set_rule("{}");
}

TEST_CASE("azure retries 503 ServerBusy after the server's Retry-After", "[azure][faults]") {
  Faulty f;
  auto b = f.backend();
  LogCapture logs;
  f.proxy.set_rule(error_rule(503, "ServerBusy", "PUT", 2, "1"));
  auto start = std::chrono::steady_clock::now();
  auto put = b->write_all(P("busy.txt"), "eventually", {}, kCtx);
  auto elapsed = std::chrono::steady_clock::now() - start;
  REQUIRE_OK(put);
  CHECK(f.proxy.hits() == 2);
  CHECK(elapsed >= 2s);  // two waits of Retry-After: 1
  CHECK(logs.joined().find("as the server asked") != std::string::npos);
  CHECK(f.direct()->read_all(P("busy.txt"), kCtx).value_or("") == "eventually");
  CHECK(f.recorder->matching("PUT ").size() == 3);

  // A service that stays busy ends with Throttled and the details.
  azure::AzureEnvironment env;
  env.retry.max_attempts = 3;
  env.retry.initial_backoff = 10ms;
  auto impatient = azure::make_azure_backend(f.az.key_options(f.container, f.endpoint()), env);
  REQUIRE_OK(impatient);
  f.proxy.set_rule(error_rule(503, "ServerBusy", "PUT", 10));
  auto refused = (*impatient)->write_all(P("never.txt"), "x", {}, kCtx);
  REQUIRE_CODE(refused, ErrorCode::Throttled);
  CHECK(refused.status().provider_code() == "ServerBusy");
  CHECK(refused.status().message().find("3 attempts") != std::string::npos);
  f.proxy.set_rule("{}");
  REQUIRE_CODE(f.direct()->head(P("never.txt"), kCtx), ErrorCode::NotFound);
}

TEST_CASE("azure retries 500 OperationTimedOut and InternalError", "[azure][faults]") {
  Faulty f;
  auto b = f.backend();
  std::string data = random_bytes(300 * 1024, 8);
  REQUIRE_OK(b->write_all(P("t.bin"), data, {}, kCtx));

  f.proxy.set_rule(error_rule(500, "OperationTimedOut", "GET /devstoreaccount1/" + f.container + "/t.bin", 2));
  auto back = b->read_all(P("t.bin"), kCtx);
  REQUIRE_OK(back);
  CHECK(*back == data);
  CHECK(f.proxy.hits() == 2);

  f.proxy.set_rule(error_rule(500, "InternalError", "comp=list", 1));
  auto listed = b->list_all({}, kCtx);
  REQUIRE_OK(listed);
  CHECK(listed->size() == 1);
  CHECK(f.proxy.hits() == 1);

  f.proxy.set_rule(error_rule(500, "InternalError", "DELETE", 1));
  REQUIRE_OK(b->remove(P("t.bin"), kCtx));
  CHECK(f.proxy.hits() == 1);
  REQUIRE_CODE(f.direct()->head(P("t.bin"), kCtx), ErrorCode::NotFound);
}

TEST_CASE("azure retries a dropped connection on reads and block uploads", "[azure][faults]") {
  Faulty f;
  AzureBackendOptions small;
  small.block_size = 128 * 1024;
  small.upload_cutoff = 256 * 1024;
  auto b = f.backend(small);
  std::string data = random_bytes(700 * 1024, 9);

  // A block's connection is dropped before it reaches the service.
  f.proxy.set_rule(R"({"kill":true,"count":1,"match":"blockid="})");
  auto put = b->write_all(P("blocks.bin"), data, {}, kCtx);
  REQUIRE_OK(put);
  CHECK(f.proxy.hits() == 1);
  CHECK(f.direct()->read_all(P("blocks.bin"), kCtx).value_or("") == data);

  f.proxy.set_rule(R"({"kill":true,"count":2,"match":"GET"})");
  auto back = b->read_all(P("blocks.bin"), kCtx);
  REQUIRE_OK(back);
  CHECK(*back == data);
  CHECK(f.proxy.hits() == 2);
}

TEST_CASE("azure engine: faults during import and export end with complete, verified files",
          "[azure][faults][engine]") {
  Faulty f;
  std::string big = random_bytes(2 * 1024 * 1024 + 33, 10);
  auto direct = f.direct();
  PutOptions mtime;
  mtime.mtime = from_unix_nanos(1'690'000'000'000'000'001);
  REQUIRE_OK(direct->write_all(P("proj/big.bin"), big, mtime, kCtx));
  REQUIRE_OK(direct->write_all(P("proj/small.txt"), "small", {}, kCtx));

  TempDir dir;
  WorkspaceOptions o;
  o.backend_factory = [&](const Integration&, const BackendOptions&) -> Result<std::shared_ptr<StorageBackend>> {
    AzureBackendOptions small;
    small.block_size = 256 * 1024;
    small.upload_cutoff = 512 * 1024;
    return make_prefixed_backend(f.backend(small), P("proj"));
  };
  auto ws = Workspace::open(dir / "project", o);
  REQUIRE_OK(ws);
  IntegrationSpec spec;
  spec.name = "Faulty Azure";
  spec.url = "az://" + f.container + "/proj";
  spec.writeback = true;
  auto integ = (*ws)->add_integration(spec);
  REQUIRE_OK(integ);
  fs::path folder = dir / "project" / integ->folder;

  // Import: the big download is cut after 100 kB; it resumes with a range
  // pinned to the etag, and the file is whole and verified.
  f.proxy.set_rule(R"({"truncate":100000,"count":1,"match":"GET /devstoreaccount1/)" + f.container +
                   R"(/proj/big.bin"})");
  auto imported = (*ws)->import_files(spec.name, ImportRequest{{"big.bin", "small.txt"}, false});
  REQUIRE_OK(imported);
  INFO(operation_result_to_json(*imported));
  CHECK(imported->report.count(OutcomeKind::Done) == 2);
  CHECK(f.proxy.hits() == 1);
  CHECK(read_file(folder / "big.bin") == big);
  CHECK(list_tree(folder) == std::vector<std::string>{"big.bin", "small.txt"});  // no partial files
  auto resumed = f.recorder->matching("GET " + f.endpoint() + "/" + f.container + "/proj/big.bin");
  REQUIRE(resumed.size() == 2);
  CHECK_FALSE(resumed[0].headers.get("x-ms-range").has_value());
  CHECK(resumed[1].headers.get("x-ms-range") == "bytes=100000-");
  CHECK(resumed[1].headers.get("If-Match").has_value());

  // Export: the first block is refused with 503 ServerBusy, a later one loses
  // its connection, the commit times out once; the blob arrives whole.
  std::string upload = random_bytes(1536 * 1024 + 5, 11);
  write_file(folder / "out/upload.bin", upload);
  f.proxy.set_rule(error_rule(503, "ServerBusy", "blockid=", 1));
  auto exported = (*ws)->export_files(spec.name, {});
  REQUIRE_OK(exported);
  CHECK(exported->report.count(OutcomeKind::Done) == 1);
  CHECK(f.proxy.hits() == 1);
  write_file(folder / "out/upload.bin", upload + "more");
  f.proxy.set_rule(R"({"kill":true,"count":1,"match":"blockid="})");
  exported = (*ws)->export_files(spec.name, {});
  REQUIRE_OK(exported);
  CHECK(exported->report.count(OutcomeKind::Done) == 1);
  CHECK(f.proxy.hits() == 1);
  write_file(folder / "out/upload.bin", upload + "even more");
  f.proxy.set_rule(error_rule(500, "OperationTimedOut", "comp=blocklist", 1));
  exported = (*ws)->export_files(spec.name, {});
  REQUIRE_OK(exported);
  INFO(operation_result_to_json(*exported));
  CHECK(exported->report.count(OutcomeKind::Done) == 1);
  CHECK(f.proxy.hits() == 1);
  f.proxy.set_rule("{}");
  auto stored = direct->read_all(P("proj/out/upload.bin"), kCtx);
  REQUIRE_OK(stored);
  CHECK(*stored == upload + "even more");
  auto head = direct->head(P("proj/out/upload.bin"), kCtx);
  REQUIRE_OK(head);
  CHECK(head->hashes.md5 == to_hex(md5_digest(upload + "even more")));
}

}  // namespace cloudsync::test
