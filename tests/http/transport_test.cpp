// The curl transport against the scripted test server.
#include <cstdlib>
#include <set>
#include <thread>

#include "cloudsync/user_agent.hpp"
#include "cloudsync/version.hpp"
#include "core/file_io.hpp"
#include "http/http_fixture.hpp"
#include "http/internal.hpp"

namespace cloudsync::http {

using namespace std::chrono_literals;
using test::echo_header;
using test::echo_json;
using test::HashingSink;
using test::http_get;

namespace {

std::string connection_id(const Response& r) { return std::string(r.headers.get("X-Connection-Id").value_or("")); }

}  // namespace

TEST_CASE("transport: a multi-MiB GET streams into the sink") {
  test::PeerServer& server = test::http_server();
  auto transport = make_curl_transport(test::fast_options());
  constexpr size_t kSize = 6 * 1024 * 1024 + 123;
  HashingSink sink;
  int writes = 0;
  sink.after_write = [&](uint64_t) {
    ++writes;
    return Status::OK();
  };
  Result<Response> r = http_get(*transport, server.url() + "/bytes/" + std::to_string(kSize) + "?seed=9", &sink);
  REQUIRE_OK(r);
  CHECK(r->status == 200);
  CHECK(r->sink_bytes == kSize);
  CHECK(sink.bytes == kSize);
  CHECK(r->body.empty());  // nothing buffered
  CHECK(writes > 1);       // streamed in pieces, not handed over at the end
  CHECK(sink.sha256_hex() == r->headers.get("X-Content-Sha256").value_or("?"));
  CHECK(r->headers.get("content-length") == std::optional<std::string_view>(std::to_string(kSize)));

  SECTION("without a sink a small 2xx body is buffered") {
    Result<Response> small = http_get(*transport, server.url() + "/bytes/1000");
    REQUIRE_OK(small);
    CHECK(small->body.size() == 1000);
    CHECK(sha256_hex(small->body) == small->headers.get("X-Content-Sha256").value_or("?"));
  }
  SECTION("without a sink a 2xx body over the cap is an error, not a silent prefix") {
    ClientOptions options = test::fast_options();
    options.max_buffered_body = 1000;
    auto capped = make_curl_transport(options);
    REQUIRE_CODE(http_get(*capped, server.url() + "/bytes/5000"), ErrorCode::LimitExceeded);
  }
}

TEST_CASE("transport: PUT streams a file with the right Content-Length") {
  test::PeerServer& server = test::http_server();
  auto transport = make_curl_transport(test::fast_options());
  test::TempDir dir;
  std::string content = test::random_bytes(3 * 1024 * 1024 + 17, 5);
  test::write_file(dir / "upload.bin", content);
  auto source = FileSource::open(dir / "upload.bin");
  REQUIRE_OK(source);

  Request request;
  request.method = "PUT";
  request.url = server.url() + "/echo?part=1";
  request.headers.set("Content-Type", "application/octet-stream");
  request.headers.set("x-amz-meta-empty", "");
  request.body = source->get();
  Result<Response> r = transport->send(request, nullptr, {});
  REQUIRE_OK(r);
  auto echo = echo_json(*r);
  CHECK(std::string(echo["method"].GetString()) == "PUT");
  CHECK(std::string(echo["query"].GetString()) == "part=1");
  CHECK(echo_header(echo, "Content-Length") == std::to_string(content.size()));
  CHECK(echo_header(echo, "Transfer-Encoding").empty());
  CHECK(echo_header(echo, "Expect").empty());  // see the comment in curl_transport.cpp
  CHECK(echo_header(echo, "x-amz-meta-empty").empty());
  CHECK(echo["body_length"].GetUint64() == content.size());
  CHECK(std::string(echo["body_sha256"].GetString()) == sha256_hex(content));

  SECTION("sending it again rewinds the source") {
    Result<Response> again = transport->send(request, nullptr, {});
    REQUIRE_OK(again);
    CHECK(std::string(echo_json(*again)["body_sha256"].GetString()) == sha256_hex(content));
  }
  SECTION("POST gets no form content type it did not ask for") {
    MemorySource body("{\"a\":1}");
    Request post;
    post.method = "POST";
    post.url = server.url() + "/echo";
    post.body = &body;
    Result<Response> p = transport->send(post, nullptr, {});
    REQUIRE_OK(p);
    auto e = echo_json(*p);
    CHECK(std::string(e["method"].GetString()) == "POST");
    CHECK(echo_header(e, "Content-Length") == "7");
    CHECK(echo_header(e, "Content-Type").empty());
    CHECK(std::string(e["body_sha256"].GetString()) == sha256_hex("{\"a\":1}"));
  }
  SECTION("a body of unknown size goes chunked") {
    test::OneShotSource body(content.substr(0, 100'000));
    body.known_size_ = false;
    Request patch;
    patch.method = "PATCH";
    patch.url = server.url() + "/echo";
    patch.body = &body;
    Result<Response> p = transport->send(patch, nullptr, {});
    REQUIRE_OK(p);
    auto e = echo_json(*p);
    CHECK(std::string(e["method"].GetString()) == "PATCH");
    CHECK(e["chunked"].GetBool());
    CHECK(std::string(e["body_sha256"].GetString()) == sha256_hex(content.substr(0, 100'000)));
  }
  SECTION("a source shorter than announced fails instead of hanging") {
    MemorySource body("short");
    Request bad;
    bad.method = "PUT";
    bad.url = server.url() + "/echo";
    bad.body = &body;
    bad.body_size = 100;
    REQUIRE_CODE(transport->send(bad, nullptr, {}), ErrorCode::Integrity);
  }
}

TEST_CASE("transport: other methods, HEAD and an explicit 100-continue") {
  test::PeerServer& server = test::http_server();
  auto transport = make_curl_transport(test::fast_options());
  Request del;
  del.method = "DELETE";
  del.url = server.url() + "/echo";
  Result<Response> d = transport->send(del, nullptr, {});
  REQUIRE_OK(d);
  CHECK(std::string(echo_json(*d)["method"].GetString()) == "DELETE");

  Request empty_post;
  empty_post.method = "POST";
  empty_post.url = server.url() + "/echo?uploads";
  Result<Response> ep = transport->send(empty_post, nullptr, {});
  REQUIRE_OK(ep);
  auto ep_echo = echo_json(*ep);
  CHECK(std::string(ep_echo["method"].GetString()) == "POST");
  CHECK(echo_header(ep_echo, "Content-Length") == "0");
  CHECK(echo_header(ep_echo, "Content-Type").empty());

  Request head;
  head.method = "HEAD";
  head.url = server.url() + "/bytes/4096";
  Result<Response> h = transport->send(head, nullptr, {});
  REQUIRE_OK(h);
  CHECK(h->status == 200);
  CHECK(h->headers.get("Content-Length") == std::optional<std::string_view>("4096"));
  CHECK(h->body.empty());

  // The server answers "100 Continue" first; only the final answer is kept.
  std::string content = test::random_bytes(200'000);
  MemorySource body(content);
  Request put;
  put.method = "PUT";
  put.url = server.url() + "/echo";
  put.headers.set("Expect", "100-continue");
  put.body = &body;
  Result<Response> p = transport->send(put, nullptr, {});
  REQUIRE_OK(p);
  CHECK(p->status == 200);
  auto echo = echo_json(*p);
  CHECK(echo_header(echo, "Expect") == "100-continue");
  CHECK(std::string(echo["body_sha256"].GetString()) == sha256_hex(content));
  CHECK_FALSE(p->headers.get("X-Interim").has_value());
  int connection_headers = 0;
  for (const auto& e : p->headers.entries()) connection_headers += e.name == "X-Connection-Id" ? 1 : 0;
  CHECK(connection_headers == 1);
}

TEST_CASE("transport: the path goes out as signed, dot segments and double slashes included") {
  test::PeerServer& server = test::http_server();
  auto transport = make_curl_transport(test::fast_options());
  Request get;
  get.url = server.url() + "/echo/a/./b/../c//d";
  Result<Response> r = transport->send(get, nullptr, {});
  REQUIRE_OK(r);
  CHECK(std::string(echo_json(*r)["path"].GetString()) == "/echo/a/./b/../c//d");
}

TEST_CASE("transport: the User-Agent names cloudsync's version and the host's product") {
  test::PeerServer& server = test::http_server();
  auto transport = make_curl_transport(test::fast_options());
  auto agent_sent = [&] {
    Request get;
    get.url = server.url() + "/echo";
    Result<Response> r = transport->send(get, nullptr, {});
    REQUIRE_OK(r);
    return echo_header(echo_json(*r), "User-Agent");
  };
  const std::string own = "cloudsync/" CLOUDSYNC_VERSION_STRING;
  CHECK(agent_sent() == own);

  // The host's product reaches a transport that already exists.
  REQUIRE_OK(set_user_agent_product("notebook-server/2.3 (workspace 42)"));
  CHECK(agent_sent() == own + " notebook-server/2.3 (workspace 42)");
  CHECK(user_agent() == own + " notebook-server/2.3 (workspace 42)");

  // A header cannot be split or bloated through it; the previous value stays.
  REQUIRE_CODE(set_user_agent_product("app/1\r\nX-Injected: 1"), ErrorCode::InvalidArgument);
  REQUIRE_CODE(set_user_agent_product(std::string(257, 'a')), ErrorCode::InvalidArgument);
  CHECK(agent_sent() == own + " notebook-server/2.3 (workspace 42)");

  REQUIRE_OK(set_user_agent_product(""));
  CHECK(agent_sent() == own);

  // A transport configured with its own agent keeps it.
  ClientOptions options = test::fast_options();
  options.user_agent = "custom/1";
  Request get;
  get.url = server.url() + "/echo";
  Result<Response> r = make_curl_transport(options)->send(get, nullptr, {});
  REQUIRE_OK(r);
  CHECK(echo_header(echo_json(*r), "User-Agent") == "custom/1");
}

TEST_CASE("transport: error bodies are captured, not streamed") {
  test::PeerServer& server = test::http_server();
  ClientOptions options = test::fast_options();
  options.max_buffered_body = 2048;
  auto transport = make_curl_transport(options);
  HashingSink sink;
  Result<Response> r = http_get(*transport, server.url() + "/status/404?body=NoSuchKey", &sink);
  REQUIRE_OK(r);  // an HTTP status is not a transport error
  CHECK(r->status == 404);
  CHECK(r->body == "NoSuchKey");
  CHECK(r->sink_bytes == 0);
  CHECK(sink.bytes == 0);

  SECTION("capped at max_buffered_body, and the connection stays usable") {
    Result<Response> big = http_get(*transport, server.url() + "/status/500?size=100000", &sink);
    REQUIRE_OK(big);
    CHECK(big->status == 500);
    CHECK(big->body.size() == 2048);
    CHECK(sink.bytes == 0);
    Result<Response> next = http_get(*transport, server.url() + "/bytes/10");
    REQUIRE_OK(next);
    CHECK(connection_id(*next) == connection_id(*big));
  }
}

TEST_CASE("transport: keep-alive on one thread, separate handles per thread") {
  test::PeerServer& server = test::http_server();
  auto transport = make_curl_transport(test::fast_options());
  const int handles_before = detail::live_curl_handles();

  std::set<std::string> main_ids;
  for (int i = 0; i < 5; ++i) {
    Result<Response> r = http_get(*transport, server.url() + "/bytes/100");
    REQUIRE_OK(r);
    main_ids.insert(connection_id(*r));
  }
  CHECK(main_ids.size() == 1);  // one connection, reused
  CHECK(detail::live_curl_handles() == handles_before + 1);

  // Two threads at once: each has its own handle, hence its own connection,
  // which it reuses.
  std::vector<std::set<std::string>> ids(2);
  std::vector<Status> errors(2);
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 4; ++i) {
        Result<Response> r = http_get(*transport, server.url() + "/drip?size=2048&chunk=1024&delay=0.02");
        if (!r.ok()) {
          errors[t] = r.status();
          return;
        }
        ids[t].insert(connection_id(*r));
      }
    });
  }
  for (auto& th : threads) th.join();
  REQUIRE_OK(errors[0]);
  REQUIRE_OK(errors[1]);
  CHECK(ids[0].size() == 1);
  CHECK(ids[1].size() == 1);
  CHECK(*ids[0].begin() != *ids[1].begin());
  CHECK(ids[0].count(*main_ids.begin()) == 0);
  // The threads' handles went away with the threads.
  CHECK(detail::live_curl_handles() == handles_before + 1);

  SECTION("two transports on one thread do not share a handle") {
    auto other = make_curl_transport(test::fast_options());
    Result<Response> a = http_get(*other, server.url() + "/bytes/1");
    REQUIRE_OK(a);
    CHECK(connection_id(*a) != *main_ids.begin());
    CHECK(detail::live_curl_handles() == handles_before + 2);
    other.reset();  // the transport's death frees its handles
    CHECK(detail::live_curl_handles() == handles_before + 1);
  }
  transport.reset();
  CHECK(detail::live_curl_handles() == handles_before);
}

TEST_CASE("transport: cancellation mid-transfer") {
  test::PeerServer& server = test::http_server();
  auto transport = make_curl_transport(test::fast_options());
  SECTION("from another thread while the server is silent") {
    CancelToken token;
    OpContext ctx{&token};
    HashingSink sink;
    std::thread canceller([&] {
      std::this_thread::sleep_for(300ms);
      token.cancel();
    });
    auto start = std::chrono::steady_clock::now();
    Result<Response> r = http_get(*transport, server.url() + "/stall?send=4096&sleep=20", &sink, ctx);
    auto elapsed = std::chrono::steady_clock::now() - start;
    canceller.join();
    REQUIRE_CODE(r, ErrorCode::Cancelled);
    CHECK(sink.bytes == 4096);
    CHECK(elapsed < 2500ms);
  }
  SECTION("from the sink while data flows") {
    CancelToken token;
    OpContext ctx{&token};
    HashingSink sink;
    sink.after_write = [&](uint64_t bytes) {
      if (bytes >= 300'000) token.cancel();
      return Status::OK();
    };
    Result<Response> r = http_get(*transport, server.url() + "/bytes/8000000", &sink, ctx);
    REQUIRE_CODE(r, ErrorCode::Cancelled);
    CHECK(sink.bytes < 8'000'000);
  }
  SECTION("a sink error aborts the transfer and is returned as is") {
    HashingSink sink;
    sink.after_write = [](uint64_t bytes) {
      return bytes > 100'000 ? Status(ErrorCode::LimitExceeded, "disk full") : Status::OK();
    };
    Result<Response> r = http_get(*transport, server.url() + "/bytes/4000000", &sink);
    REQUIRE_CODE(r, ErrorCode::LimitExceeded);
    CHECK(r.status().message() == "disk full");
  }
}

TEST_CASE("transport: a stalled transfer hits the low-speed timeout") {
  test::PeerServer& server = test::http_server();
  ClientOptions options = test::fast_options();
  options.low_speed_bytes = 1000;
  options.low_speed_time = 1s;
  auto transport = make_curl_transport(options);
  auto start = std::chrono::steady_clock::now();
  HashingSink sink;
  Result<Response> r = http_get(*transport, server.url() + "/stall?send=100&sleep=20", &sink);
  auto elapsed = std::chrono::steady_clock::now() - start;
  REQUIRE_CODE(r, ErrorCode::Timeout);
  CHECK(elapsed >= 900ms);
  CHECK(elapsed < 5s);
  CHECK(r.status().message().find("GET " + server.url() + "/stall") != std::string::npos);
}

TEST_CASE("transport: network failures map to Network") {
  test::PeerServer& server = test::http_server();
  auto transport = make_curl_transport(test::fast_options());
  SECTION("connection refused") {
    int port = test::PeerServer::free_port();
    std::string url = "http://127.0.0.1:" + std::to_string(port) + "/x";
    Result<Response> r = http_get(*transport, url);
    REQUIRE_CODE(r, ErrorCode::Network);
    CHECK(r.status().message().find("GET " + url) != std::string::npos);
  }
  SECTION("a body cut short") {
    HashingSink sink;
    Result<Response> r = http_get(*transport, server.url() + "/truncate?announce=100000&send=5000", &sink);
    REQUIRE_CODE(r, ErrorCode::Network);
    CHECK(sink.bytes == 5000);
  }
  SECTION("invalid requests never reach the network") {
    REQUIRE_CODE(http_get(*transport, "ftp://127.0.0.1/x"), ErrorCode::InvalidArgument);
    Request bad;
    bad.url = server.url() + "/echo";
    bad.headers.set("X-Evil", "a\r\nInjected: 1");
    REQUIRE_CODE(transport->send(bad, nullptr, {}), ErrorCode::InvalidArgument);
    bad.headers = Headers();
    bad.method = "GET /";
    REQUIRE_CODE(transport->send(bad, nullptr, {}), ErrorCode::InvalidArgument);
  }
}

TEST_CASE("transport: secrets in URLs and headers stay out of errors and logs") {
  test::PeerServer& server = test::http_server();
  auto transport = make_curl_transport(test::fast_options());
  const std::string secrets[] = {"SASSIGNATURESECRET", "0123456789abcdef0123456789abcdefSIG", "AKIDSECRETCRED",
                                 "bearer-token-secret-42"};
  int port = test::PeerServer::free_port();
  std::string query = "?sv=2021&sig=" + secrets[0] + "&X-Amz-Signature=" + secrets[1] +
                      "&X-Amz-Credential=" + secrets[2] + "%2F20240101%2Fus-east-1%2Fs3%2Faws4_request";

  test::LogCapture capture(LogLevel::Trace);
  Request request;
  request.url = "http://127.0.0.1:" + std::to_string(port) + "/c/blob" + query;
  request.headers.set("Authorization", "Bearer " + secrets[3]);
  Result<Response> refused = transport->send(request, nullptr, {});
  REQUIRE_CODE(refused, ErrorCode::Network);
  const std::string message = refused.status().to_string();

  request.url = server.url() + "/echo" + query;
  Result<Response> ok = transport->send(request, nullptr, {});
  REQUIRE_OK(ok);
  const std::string logs = capture.joined();
  INFO("error: " << message << "\nlogs:\n" << logs);
  for (const std::string& secret : secrets) {
    CHECK(message.find(secret) == std::string::npos);
    CHECK(logs.find(secret) == std::string::npos);
  }
  CHECK(message.find("GET http://127.0.0.1:" + std::to_string(port) + "/c/blob") != std::string::npos);
  // The per-request Debug line and the Trace header dump are there.
  CHECK(logs.find("HTTP GET " + server.url() + "/echo") != std::string::npos);
  CHECK(logs.find("-> 200") != std::string::npos);
  CHECK(logs.find("Authorization: ***") != std::string::npos);
  CHECK(logs.find("X-Connection-Id") != std::string::npos);
}

TEST_CASE("transport: TLS is verified unless told otherwise") {
  // A self-signed certificate for 127.0.0.1 and an HTTPS test server using it.
  test::TempDir certs;
  const std::string cert = (certs / "cert.pem").string();
  const std::string key = (certs / "key.pem").string();
  const std::string command =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
      " -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout '" +
      key + "' -out '" + cert + "' >'" + (certs / "openssl.log").string() + "' 2>&1";
  INFO(command << "\n" << test::read_file(certs / "openssl.log"));
  REQUIRE(std::system(command.c_str()) == 0);
  test::PeerSpec spec;
  spec.name = "https_test_server";
  spec.command = {"python3", "{peers}/http_test_server.py", "{port}", "{dir}", "--tls", cert, key};
  test::PeerServer server(spec);
  const std::string url = "https://127.0.0.1:" + std::to_string(server.port()) + "/bytes/5000";

  auto verifying = make_curl_transport(test::fast_options());
  Result<Response> rejected = http_get(*verifying, url);
  REQUIRE_CODE(rejected, ErrorCode::Network);
  CHECK(rejected.status().message().find("certificate") != std::string::npos);

  ClientOptions trusting_options = test::fast_options();
  trusting_options.ca_bundle = cert;
  auto trusting = make_curl_transport(trusting_options);
  Result<Response> trusted = http_get(*trusting, url);
  REQUIRE_OK(trusted);
  CHECK(trusted->status == 200);
  CHECK(sha256_hex(trusted->body) == trusted->headers.get("X-Content-Sha256").value_or("?"));

  ClientOptions unverified_options = test::fast_options();
  unverified_options.verify_tls = false;
  auto unverified = make_curl_transport(unverified_options);
  Result<Response> insecure = http_get(*unverified, url);
  REQUIRE_OK(insecure);
  CHECK(insecure->status == 200);

  ClientOptions missing_options = test::fast_options();
  missing_options.ca_bundle = (certs / "missing.pem").string();
  auto missing = make_curl_transport(missing_options);
  REQUIRE_CODE(http_get(*missing, url), ErrorCode::Network);
}

TEST_CASE("transport: proxies, explicit and from the environment, and NO_PROXY") {
  test::PeerServer& server = test::http_server();
  // The test server also acts as a forward proxy: it answers absolute-form
  // request lines itself and says so in the echo.
  std::string target = server.url() + "/echo";
  SECTION("no proxy") {
    auto direct = make_curl_transport(test::fast_options());
    Result<Response> r = http_get(*direct, target);
    REQUIRE_OK(r);
    CHECK_FALSE(echo_json(*r)["proxied"].GetBool());
  }
  SECTION("explicit proxy option") {
    ClientOptions options = test::fast_options();
    options.proxy = server.url();
    auto proxied = make_curl_transport(options);
    Result<Response> r = http_get(*proxied, target);
    REQUIRE_OK(r);
    CHECK(echo_json(*r)["proxied"].GetBool());
    SECTION("NO_PROXY exempts a host from it") {
      test::ScopedEnv no_proxy("NO_PROXY", "127.0.0.1");
      Result<Response> direct = http_get(*proxied, target);
      REQUIRE_OK(direct);
      CHECK_FALSE(echo_json(*direct)["proxied"].GetBool());
    }
  }
  SECTION("http_proxy from the environment") {
    test::ScopedEnv http_proxy("http_proxy", server.url().c_str());
    auto from_env = make_curl_transport(test::fast_options());
    Result<Response> r = http_get(*from_env, target);
    REQUIRE_OK(r);
    CHECK(echo_json(*r)["proxied"].GetBool());
    SECTION("and no_proxy") {
      test::ScopedEnv no_proxy("no_proxy", "localhost,127.0.0.1");
      Result<Response> direct = http_get(*from_env, target);
      REQUIRE_OK(direct);
      CHECK_FALSE(echo_json(*direct)["proxied"].GetBool());
    }
  }
  SECTION("an unreachable explicit proxy is a Network error") {
    ClientOptions options = test::fast_options();
    options.proxy = "http://user:proxypassword123@127.0.0.1:" + std::to_string(test::PeerServer::free_port());
    auto dead = make_curl_transport(options);
    test::LogCapture capture(LogLevel::Trace);
    Result<Response> r = http_get(*dead, target);
    REQUIRE_CODE(r, ErrorCode::Network);
    CHECK(r.status().to_string().find("proxypassword123") == std::string::npos);
    CHECK(capture.joined().find("proxypassword123") == std::string::npos);
  }
}

}  // namespace cloudsync::http
