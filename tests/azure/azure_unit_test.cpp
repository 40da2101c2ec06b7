// The Azure backend's pieces that need no server: error mapping, the List
// Blobs document, metadata and mtimes, block ids and sizes, az:// options.
#include "azure/azurite.hpp"
#include "backends/azure/azure_client.hpp"
#include "backends/azure/azure_errors.hpp"
#include "backends/azure/azure_meta.hpp"
#include "backends/azure/azure_writes.hpp"
#include "backends/azure/azure_xml.hpp"
#include "core/hash.hpp"
#include "core/time.hpp"
#include "http/http_date.hpp"

namespace cloudsync::test {

namespace {

http::Response answer(int status, std::string code, std::string body = {}) {
  http::Response r;
  r.status = status;
  if (!code.empty()) r.headers.set("x-ms-error-code", code);
  r.headers.set("x-ms-request-id", "req-123");
  r.body = std::move(body);
  return r;
}

}  // namespace

TEST_CASE("azure error codes map to the shared ErrorCodes with details attached", "[azure][unit]") {
  struct Case {
    int status;
    const char* code;
    ErrorCode expected;
  };
  for (const Case& c :
       {Case{404, "BlobNotFound", ErrorCode::NotFound}, Case{404, "ContainerNotFound", ErrorCode::NotFound},
        Case{403, "AuthenticationFailed", ErrorCode::Unauthenticated},
        Case{403, "AuthorizationPermissionMismatch", ErrorCode::PermissionDenied},
        Case{403, "AuthorizationFailure", ErrorCode::PermissionDenied},
        Case{412, "ConditionNotMet", ErrorCode::PreconditionFailed},
        Case{409, "BlobAlreadyExists", ErrorCode::AlreadyExists}, Case{503, "ServerBusy", ErrorCode::Throttled},
        Case{500, "OperationTimedOut", ErrorCode::Timeout}, Case{500, "InternalError", ErrorCode::Network},
        Case{400, "Md5Mismatch", ErrorCode::Integrity}, Case{409, "SnapshotsPresent", ErrorCode::Conflict},
        Case{400, "InvalidBlockList", ErrorCode::Conflict}, Case{418, "SomethingNew", ErrorCode::Internal},
        Case{429, "", ErrorCode::Throttled}}) {
    INFO(c.status << " " << c.code);
    Status s = azure::azure_error(answer(c.status, c.code), "HEAD az://c/k");
    CHECK(s.code() == c.expected);
    CHECK(s.http_status() == c.status);
    CHECK(s.provider_code() == c.code);
    CHECK(s.request_id() == "req-123");
    CHECK(s.message().find("HEAD az://c/k") != std::string::npos);
  }
  CHECK(azure::is_transient_azure_code("ServerBusy"));
  CHECK(azure::is_transient_azure_code("OperationTimedOut"));
  CHECK(azure::is_transient_azure_code("InternalError"));
  CHECK_FALSE(azure::is_transient_azure_code("BlobNotFound"));
}

TEST_CASE("azure errors: the XML body, create-only writes and signatures kept out", "[azure][unit]") {
  // The code may come only in the body; the request id only in the message.
  http::Response r;
  r.status = 403;
  r.body =
      "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>AuthenticationFailed</Code><Message>Server failed to "
      "authenticate the request.\nRequestId:abc-1\nTime:2024-01-01T00:00:00Z</Message><AuthenticationErrorDetail>The "
      "MAC signature found in the HTTP request 'c2VjcmV0c2lnbmF0dXJl' is not the same as any computed signature. "
      "Server used following string to sign: 'GET\n\n'.</AuthenticationErrorDetail></Error>";
  Status s = azure::azure_error(r, "GET az://c/k");
  CHECK(s.code() == ErrorCode::Unauthenticated);
  CHECK(s.provider_code() == "AuthenticationFailed");
  CHECK(s.request_id() == "abc-1");
  CHECK(s.message().find("Server failed to authenticate the request") != std::string::npos);
  CHECK(s.message().find("The MAC signature found in the HTTP request") != std::string::npos);
  CHECK(s.message().find("c2VjcmV0c2lnbmF0dXJl") == std::string::npos);

  // If-None-Match: * is answered 409 by Put Blob and 412 by Put Block List.
  CHECK(azure::azure_error(answer(409, "BlobAlreadyExists"), "PUT", true).code() == ErrorCode::AlreadyExists);
  CHECK(azure::azure_error(answer(412, "ConditionNotMet"), "PUT", true).code() == ErrorCode::AlreadyExists);
  CHECK(azure::azure_error(answer(412, "ConditionNotMet"), "PUT", false).code() == ErrorCode::PreconditionFailed);
  // Azurite's word for a Content-MD5 mismatch.
  http::Response md5 = answer(400, "InvalidOperation",
                              "<Error><Code>InvalidOperation</Code><Message>Provided contentMD5 doesn't match."
                              "</Message></Error>");
  CHECK(azure::azure_error(md5, "PUT").code() == ErrorCode::Integrity);
  CHECK(azure::azure_error(answer(400, "InvalidOperation"), "PUT").code() == ErrorCode::InvalidArgument);
  // Azurite's word for a request it cannot authenticate, and the service's
  // for one it authenticated and does not allow.
  http::Response azurite_auth =
      answer(403, "AuthorizationFailure",
             "<Error><Code>AuthorizationFailure</Code><Message>Server failed to authenticate the request. Make sure "
             "the value of the Authorization header is formed correctly including the signature.\nRequestId:r\n"
             "</Message></Error>");
  CHECK(azure::azure_error(azurite_auth, "GET").code() == ErrorCode::Unauthenticated);
  CHECK(azure::azure_error(azurite_auth, "GET").provider_code() == "AuthorizationFailure");
  http::Response service_authz =
      answer(403, "AuthorizationFailure",
             "<Error><Code>AuthorizationFailure</Code><Message>This request is not authorized to perform this "
             "operation.\nRequestId:r\n</Message></Error>");
  CHECK(azure::azure_error(service_authz, "GET").code() == ErrorCode::PermissionDenied);
  // A proxy's HTML page: the status decides, the body is excerpted.
  http::Response html = answer(502, "", "<html><body>Bad gateway</body></html>");
  Status proxy = azure::azure_error(html, "GET az://c/k");
  CHECK(proxy.code() == ErrorCode::Network);
  CHECK(proxy.message().find("Bad gateway") != std::string::npos);
}

TEST_CASE("azure List Blobs documents: names, prefixes, markers, metadata", "[azure][unit]") {
  std::string xml =
      "<?xml version=\"1.0\" encoding=\"utf-8\"?><EnumerationResults ServiceEndpoint=\"x\" ContainerName=\"c\">"
      "<Prefix>p/</Prefix><MaxResults>5</MaxResults><Blobs>"
      "<Blob><Name>p/a &amp; b.txt</Name><Properties><Last-Modified>Mon, 01 Jan 2024 00:00:00 GMT</Last-Modified>"
      "<Etag>0x8DB1</Etag><Content-Length>5</Content-Length><Content-Type>text/plain</Content-Type>"
      "<Content-MD5>XUFAKrxLKna5cZ2REBfFkg==</Content-MD5></Properties>"
      "<Metadata><Mtime>2024-01-31T12:00:00.123456789Z</Mtime></Metadata></Blob>"
      "<Blob><Name Encoded=\"true\">p/ctl%01name</Name><Properties><Content-Length>1</Content-Length>"
      "<Etag>0x8DB2</Etag></Properties></Blob>"
      "<Blob><Name>p/folder</Name><Properties><Content-Length>0</Content-Length><Etag>0x1</Etag></Properties>"
      "<Metadata><hdi_isfolder>true</hdi_isfolder></Metadata></Blob>"
      "<Blob><Name>p/marker/</Name><Properties><Content-Length>0</Content-Length><Etag>0x2</Etag></Properties></Blob>"
      "<Blob><Name>p/  </Name><Properties><Content-Length>2</Content-Length><Etag>0x3</Etag></Properties></Blob>"
      "<BlobPrefix><Name>p/sub/</Name></BlobPrefix>"
      "</Blobs><NextMarker>2!token</NextMarker></EnumerationResults>";
  auto page = azure::parse_list_blobs(xml);
  REQUIRE_OK(page);
  REQUIRE(page->objects.size() == 5);
  const ObjectMeta& a = page->objects[0];
  CHECK(a.key == "p/a & b.txt");
  CHECK(a.kind == ObjectKind::File);
  CHECK(a.size == 5);
  CHECK(a.etag == "\"0x8DB1\"");  // quoted, as HEAD reports it
  CHECK(a.hashes.md5 == "5d41402abc4b2a76b9719d911017c592");
  CHECK(a.content_type == "text/plain");
  REQUIRE(a.mtime.has_value());
  CHECK(to_unix_nanos(*a.mtime) == 1'706'702'400'123'456'789);
  CHECK(a.metadata.count("mtime") == 1);  // keys lower-cased
  REQUIRE(a.last_modified.has_value());
  CHECK(page->objects[1].key == "p/ctl\x01name");
  CHECK(page->objects[2].kind == ObjectKind::DirectoryMarker);
  CHECK(page->objects[3].kind == ObjectKind::DirectoryMarker);
  CHECK(page->objects[4].key == "p/  ");
  CHECK(page->common_prefixes == std::vector<std::string>{"p/sub/"});
  CHECK(page->next_page_token == "2!token");

  CHECK_FALSE(azure::parse_list_blobs("<nope/>").ok());
  CHECK_FALSE(azure::parse_list_blobs("<EnumerationResults><Blobs><Blob><Name>x</Name></Blob></Blobs>"
                                      "</EnumerationResults>")
                  .ok());
}

TEST_CASE("azure List Blobs: a non-empty blob whose name ends in '/' is a file, as on S3", "[azure][unit]") {
  // Only an empty "dir/" is a folder placeholder; with content it is data,
  // which the planner reports as skipped (not a usable path) instead of
  // dropping it silently as a marker.
  std::string xml =
      "<EnumerationResults><Blobs>"
      "<Blob><Name>p/empty/</Name><Properties><Content-Length>0</Content-Length></Properties></Blob>"
      "<Blob><Name>p/data/</Name><Properties><Content-Length>4</Content-Length></Properties></Blob>"
      "<Blob><Name>p/flagged</Name><Properties><Content-Length>3</Content-Length></Properties>"
      "<Metadata><hdi_isfolder>true</hdi_isfolder></Metadata></Blob>"
      "</Blobs><NextMarker/></EnumerationResults>";
  auto page = azure::parse_list_blobs(xml);
  REQUIRE_OK(page);
  REQUIRE(page->objects.size() == 3);
  CHECK(page->objects[0].kind == ObjectKind::DirectoryMarker);
  CHECK(page->objects[1].key == "p/data/");
  CHECK(page->objects[1].kind == ObjectKind::File);
  CHECK(page->objects[1].size == 4);
  CHECK(page->objects[2].kind == ObjectKind::File);  // hdi_isfolder with content: data too
}

TEST_CASE("azure XML answers nested absurdly deep are refused, not walked", "[azure][unit][hostile]") {
  std::string deep;
  for (int i = 0; i < 100'000; ++i) deep += "<x>";
  for (int i = 0; i < 100'000; ++i) deep += "</x>";
  auto page = azure::parse_list_blobs("<EnumerationResults><Blobs>" + deep + "</Blobs></EnumerationResults>");
  REQUIRE_CODE(page, ErrorCode::BadResponse);
  CHECK_THAT(page.status().message(), Catch::Contains("nested deeper than"));
  // An error document that deep: the status decides, the body is ignored.
  auto error = azure::parse_azure_error(answer(500, "", "<Error><Code>" + deep + "</Code></Error>"));
  CHECK(error.message.empty());
  CHECK(error.request_id == "req-123");
}

TEST_CASE("azure metadata: rclone's mtime format, etags, MD5s and write headers", "[azure][unit]") {
  TimePoint t = from_unix_nanos(1'700'000'000'000'000'001);
  CHECK(azure::format_mtime(t) == "2023-11-14T22:13:20.000000001Z");
  CHECK(azure::parse_mtime("2023-11-14T22:13:20.000000001Z") == t);
  CHECK(azure::parse_mtime("2023-11-14T23:13:20.000000001+01:00") == t);  // rclone reads any RFC 3339
  CHECK_FALSE(azure::parse_mtime("yesterday").has_value());
  CHECK(azure::quoted_etag("0x1") == "\"0x1\"");
  CHECK(azure::quoted_etag("\"0x1\"") == "\"0x1\"");
  CHECK(azure::md5_base64_from_hex("5d41402abc4b2a76b9719d911017c592") == "XUFAKrxLKna5cZ2REBfFkg==");
  CHECK(azure::md5_base64_from_hex("not hex").empty());
  CHECK(azure::md5_hex_from_base64("AAAA").empty());  // not 16 bytes

  http::Headers h;
  PutOptions o;
  o.mtime = t;
  o.metadata = {{"Owner_1", "team"}, {"mtime", "ignored: the file's mtime wins"}};
  o.mode = PutMode::Update;
  o.if_match = "0x8DB";
  REQUIRE_OK(azure::add_write_headers(h, o));
  CHECK(h.get("x-ms-meta-mtime") == "2023-11-14T22:13:20.000000001Z");
  CHECK(h.get("x-ms-meta-Owner_1") == "team");
  CHECK(h.get("If-Match") == "\"0x8DB\"");
  CHECK(h.get("x-ms-blob-content-type") == "application/octet-stream");
  CHECK_FALSE(h.get("If-None-Match").has_value());

  http::Headers create;
  o.mode = PutMode::Create;
  o.metadata.clear();
  REQUIRE_OK(azure::add_write_headers(create, o));
  CHECK(create.get("If-None-Match") == "*");
  for (auto [name, value] : {std::pair<std::string, std::string>{"1digit", "v"},
                             {"has-dash", "v"},
                             {"ok", "caf\xc3\xa9"},
                             {"ok", "line\nbreak"}}) {
    http::Headers bad;
    o.metadata = {{name, value}};
    REQUIRE_CODE(azure::add_write_headers(bad, o), ErrorCode::InvalidArgument);
  }
}

TEST_CASE("azure block ids are unique per upload and of one length and block sizes grow", "[azure][unit]") {
  std::string a1 = azure::block_id("0123456789abcdef", 1);
  std::string a50000 = azure::block_id("0123456789abcdef", 50000);
  std::string b1 = azure::block_id("fedcba9876543210", 1);
  CHECK(a1.size() == a50000.size());
  CHECK(a1 != b1);
  CHECK(a1 != a50000);
  auto raw = base64_decode(a1);
  REQUIRE_OK(raw);
  CHECK(raw->size() <= 64);  // the service's limit before encoding
  CHECK(*raw == "0123456789abcdef-00001");

  constexpr uint64_t MiB = 1 << 20;
  CHECK(azure::stream_block_size(8 * MiB, 100 * MiB, 0) == 8 * MiB);
  // 1 TiB in at most 50,000 blocks needs ~21 MiB blocks.
  uint64_t big = azure::stream_block_size(8 * MiB, 1ull << 40, 0);
  CHECK(big * azure::kMaxBlocks >= (1ull << 40));
  CHECK(big < 22 * MiB);
  // Unknown size: doubling every 10,000 blocks, up to 16x.
  CHECK(azure::stream_block_size(8 * MiB, std::nullopt, 9'999) == 8 * MiB);
  CHECK(azure::stream_block_size(8 * MiB, std::nullopt, 10'000) == 16 * MiB);
  CHECK(azure::stream_block_size(8 * MiB, std::nullopt, 49'999) == 128 * MiB);
  CHECK(azure::stream_block_size(1000 * MiB, std::nullopt, 49'999) == azure::kMaxBlockSize);
}

TEST_CASE("make_azure_backend scopes to its options' prefix, as an az:// URL's path does", "[azure][unit]") {
  AzureBackendOptions o;
  o.container = "my-container";
  o.account = "devstoreaccount1";
  o.account_key = std::string(auth::kAzuriteAccountKey);
  o.endpoint = "http://127.0.0.1:1/devstoreaccount1";
  auto whole = make_azure_backend(o);
  REQUIRE_OK(whole);
  o.prefix = "some/prefix";
  auto scoped = make_azure_backend(o);
  REQUIRE_OK(scoped);
  CHECK((*scoped)->describe() == (*whole)->describe() + "/some/prefix");
  CHECK((*scoped)->capabilities().max_key_bytes ==
        (*whole)->capabilities().max_key_bytes - std::string("some/prefix/").size());
  auto via_url = open_backend("az://my-container/some/prefix",
                              {{"account", o.account}, {"account_key", o.account_key}, {"endpoint", o.endpoint}});
  REQUIRE_OK(via_url);
  CHECK((*via_url)->describe() == (*scoped)->describe());
  o.prefix = "../elsewhere";
  REQUIRE_CODE(make_azure_backend(o), ErrorCode::InvalidArgument);
}

TEST_CASE("az:// URLs: options, capabilities and clear errors without secrets", "[azure][unit]") {
  const std::string key(auth::kAzuriteAccountKey);
  BackendOptions base{
      {"account", "devstoreaccount1"}, {"account_key", key}, {"endpoint", "http://127.0.0.1:1/devstoreaccount1"}};

  auto b = open_backend("az://my-container/some/prefix", base);
  REQUIRE_OK(b);
  CHECK((*b)->scheme() == "az");
  CHECK((*b)->describe() == "az://my-container/some/prefix");
  const Capabilities& caps = (*b)->capabilities();
  CHECK(caps.mtime_precision == std::chrono::nanoseconds(1));
  CHECK(caps.hashes == hash_kinds(HashKind::Md5));
  CHECK(caps.conditional_create);
  CHECK(caps.conditional_update);
  CHECK(caps.case_sensitive);
  CHECK(caps.ranged_get);
  CHECK(caps.max_key_bytes == 1024 - std::string("some/prefix/").size());
  CHECK(caps.multipart.supported);
  CHECK(caps.multipart.max_parts == 50'000);
  CHECK(caps.multipart.max_part_size == 4000ull << 20);
  CHECK(caps.multipart.default_part_size == 8ull << 20);
  CHECK(caps.multipart.threshold == 64ull << 20);

  BackendOptions sized = base;
  sized["block_size"] = "256K";
  sized["upload_cutoff"] = "1M";
  sized["create_container"] = "true";
  auto small = open_backend("az://my-container", sized);
  REQUIRE_OK(small);
  CHECK((*small)->capabilities().multipart.default_part_size == 256 * 1024);
  CHECK((*small)->capabilities().multipart.threshold == 1 << 20);
  CHECK((*small)->capabilities().max_key_bytes == 1024);

  auto expect_invalid = [&](const std::string& url, BackendOptions options, const std::string& mentions) {
    auto r = open_backend(url, options);
    INFO(url << " -> " << r.status().to_string());
    REQUIRE_CODE(r, ErrorCode::InvalidArgument);
    CHECK(r.status().message().find(mentions) != std::string::npos);
    CHECK(r.status().to_string().find(key) == std::string::npos);
  };
  expect_invalid("az://Bad_Name", base, "container name");
  expect_invalid("az://ab", base, "3 to 63");
  expect_invalid(
      "az://my-container",
      [&] {
        auto o = base;
        o["regoin"] = "x";
        return o;
      }(),
      "regoin");
  expect_invalid(
      "az://my-container",
      [&] {
        auto o = base;
        o.erase("account_key");
        o["key"] = key;
        return o;
      }(),
      "account_key");
  expect_invalid(
      "az://my-container",
      [&] {
        auto o = base;
        o["block_size"] = "8X";
        return o;
      }(),
      "block_size");
  expect_invalid(
      "az://my-container",
      [&] {
        auto o = base;
        o["create_container"] = "maybe";
        return o;
      }(),
      "create_container");
  expect_invalid(
      "az://my-container",
      [&] {
        auto o = base;
        o["account_key"] = "not base64!";
        return o;
      }(),
      "base64");
  expect_invalid("az://my-container",
                 BackendOptions{{"sas",
                                 "http://127.0.0.1:1/devstoreaccount1/other?sv=2022-11-02&se=2099-01-01&sr=c&"
                                 "sp=r&sig=c2lnbmF0dXJlc2ln"}},
                 "other");
}

namespace {

// A Blob service whose clock runs an hour ahead of this machine's: like Azure,
// it refuses SharedKey requests dated more than 15 minutes off with 403
// AuthenticationFailed and its own time in Date.
class SkewCheckingService final : public http::Transport {
 public:
  explicit SkewCheckingService(TimePoint server_now) : server_now_(server_now) {}
  Result<http::Response> send(const http::Request& request, ByteSink* /*sink*/, const OpContext& /*ctx*/) override {
    Result<TimePoint> date = parse_http_date(request.headers.get("x-ms-date").value_or(""));
    dates.push_back(date.ok() ? *date : TimePoint{});
    http::Response r;
    r.headers.set("Date", format_http_date(server_now_));
    r.headers.set("x-ms-request-id", "req-skew");
    if (!date.ok() || std::chrono::abs(*date - server_now_) > std::chrono::minutes(15) || refuse_all) {
      r.status = 403;
      r.headers.set("x-ms-error-code", "AuthenticationFailed");
      r.body =
          "<?xml version=\"1.0\"?><Error><Code>AuthenticationFailed</Code><Message>Request date header too "
          "old</Message></Error>";
      return r;
    }
    r.status = 200;
    return r;
  }
  std::vector<TimePoint> dates;
  bool refuse_all = false;

 private:
  TimePoint server_now_;
};

std::unique_ptr<azure::AzureClient> skew_client(std::shared_ptr<http::Transport> transport,
                                                std::function<TimePoint()> clock) {
  azure::AzureClient::Settings settings;
  settings.credentials.account = "devstoreaccount1";
  settings.credentials.account_key = base64_encode("a test key, not a secret");
  settings.credentials.blob_endpoint = "http://127.0.0.1:9/devstoreaccount1";
  settings.credentials.path_style = true;
  settings.container = "skewed";
  settings.transport = std::move(transport);
  settings.retry.initial_backoff = std::chrono::milliseconds(1);
  settings.clock = std::move(clock);
  Result<std::unique_ptr<azure::AzureClient>> client = azure::AzureClient::create(std::move(settings));
  REQUIRE_OK(client);
  return std::move(*client);
}

Result<http::Response> get_properties(azure::AzureClient& client) {
  azure::AzureCall call;
  call.method = "GET";
  call.url = client.container_url() + "?restype=container";
  call.what = "GET " + client.describe();
  return client.send(call, {});
}

}  // namespace

TEST_CASE("azure SharedKey dates come from the clock the service corrected", "[azure][unit][skew]") {
  const TimePoint server_now = now_utc();
  auto service = std::make_shared<SkewCheckingService>(server_now);
  auto client = skew_client(service, [] { return now_utc() - std::chrono::hours(1); });
  REQUIRE_OK(get_properties(*client));
  REQUIRE(service->dates.size() == 2);
  CHECK(std::chrono::abs(service->dates[0] - (server_now - std::chrono::hours(1))) < std::chrono::minutes(1));
  CHECK(std::chrono::abs(service->dates[1] - server_now) < std::chrono::minutes(1));
  CHECK(std::chrono::abs(client->clock_offset() - std::chrono::hours(1)) < std::chrono::minutes(1));
  // Later requests are dated right the first time.
  REQUIRE_OK(get_properties(*client));
  CHECK(service->dates.size() == 3);

  SECTION("a refusal whose Date agrees with our clock (a wrong key) is sent once") {
    auto strict = std::make_shared<SkewCheckingService>(now_utc());
    strict->refuse_all = true;
    auto right_clock = skew_client(strict, [] { return now_utc(); });
    Result<http::Response> refused = get_properties(*right_clock);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.status().provider_code() == "AuthenticationFailed");
    CHECK(strict->dates.size() == 1);
    CHECK(std::chrono::abs(right_clock->clock_offset()) < std::chrono::minutes(1));
  }
}

}  // namespace cloudsync::test
