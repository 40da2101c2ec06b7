#include "auth/google/google_auth_fixture.hpp"

#include <cstdlib>
#include <latch>
#include <span>
#include <thread>

#include "core/json.hpp"
#include "core/time.hpp"

namespace cloudsync::test {

namespace {

const rapidjson::Document& vectors() {
  static const rapidjson::Document doc = [] {
    const std::string text =
        read_file(std::filesystem::path(CLOUDSYNC_TEST_VECTORS_DIR) / "generated-signing-vectors.json");
    Result<rapidjson::Document> parsed = parse_json(text, "generated-signing-vectors.json");
    REQUIRE_OK(parsed);
    return std::move(parsed).value();
  }();
  return doc;
}

struct OAuthPeer {
  TempDir config;  ///< the server's copy of the service-account key
  std::unique_ptr<PeerServer> server;
  std::shared_ptr<http::Transport> control;
};

OAuthPeer& oauth_peer() {
  static OAuthPeer peer;
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  if (!peer.server) {
    // Loopback tests must not wander through a proxy of the developer's environment.
    for (const char* name :
         {"http_proxy", "https_proxy", "HTTPS_PROXY", "ALL_PROXY", "all_proxy", "no_proxy", "NO_PROXY"}) {
      ::unsetenv(name);
    }
    const std::filesystem::path key_file = peer.config / "service-account.json";
    write_file(key_file, service_account_key_json("http://unused/token"));
    PeerSpec spec;
    spec.name = "oauth";
    spec.command = {"{peers}/start-oauth.sh", "{port}", "{dir}", CLOUDSYNC_TEST_NPM_DIR};
    spec.launcher_exits = true;
    spec.env = {{"OAUTH_UNIQUE_TOKENS", "1"}, {"OAUTH_SA_KEY_FILE", key_file.string()}};
    spec.ready_timeout = std::chrono::seconds(180);  // the first run installs oauth2-mock-server with npm
    peer.server = std::make_unique<PeerServer>(spec);
    peer.control = http::make_curl_transport(fast_options());
  }
  return peer;
}

}  // namespace

std::string google_vector(const char* group, const char* field) {
  const rapidjson::Value& google = vectors()["google"];
  REQUIRE(google.HasMember(group));
  REQUIRE(google[group].HasMember(field));
  return google[group][field].GetString();
}

std::string vector_private_key_pem() { return google_vector("serviceAccountJwt", "privateKeyPkcs8Pem"); }

std::string service_account_key_json(const std::string& token_uri, const std::string& private_key_id) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  auto field = [&](std::string_view name, std::string_view value) {
    json_write_key(w, name);
    json_write_string(w, value);
  };
  field("type", "service_account");
  field("project_id", "example-project");
  if (!private_key_id.empty()) field("private_key_id", private_key_id);
  field("private_key", vector_private_key_pem());  // RapidJSON writes the newlines as "\n"
  field("client_email", kVectorClientEmail);
  field("client_id", "123456789012345678901");
  field("auth_uri", "https://accounts.google.com/o/oauth2/auth");
  field("token_uri", token_uri);
  field("universe_domain", "googleapis.com");
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

auth::ServiceAccountKey vector_service_account(const std::string& token_uri, const std::string& private_key_id) {
  Result<auth::ServiceAccountKey> key =
      auth::parse_service_account_key(service_account_key_json(token_uri, private_key_id));
  REQUIRE_OK(key);
  return std::move(key).value();
}

void run_together(int n, const std::function<void(int index)>& fn) {
  std::latch start(n);
  std::vector<std::jthread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      fn(i);
    });
  }
}

PeerServer& oauth_server() { return *oauth_peer().server; }

std::string oauth_token_uri() { return oauth_server().url() + "/token"; }

int64_t oauth_token_requests(const std::string& grant_type) {
  OAuthPeer& peer = oauth_peer();
  Result<http::Response> r = http_get(*peer.control, peer.server->url() + "/__stats__");
  REQUIRE_OK(r);
  REQUIRE(r->status == 200);
  Result<rapidjson::Document> doc = parse_json(r->body, "oauth stats");
  REQUIRE_OK(doc);
  const rapidjson::Value& requests = (*doc)["token_requests"];
  return requests.HasMember(grant_type.c_str()) ? requests[grant_type.c_str()].GetInt64() : 0;
}

http::RetryPolicy quick_retry_policy() {
  http::RetryPolicy policy;
  policy.max_attempts = 4;
  policy.initial_backoff = std::chrono::milliseconds(20);
  policy.max_backoff = std::chrono::milliseconds(100);
  policy.max_total = std::chrono::milliseconds(10'000);
  return policy;
}

std::shared_ptr<RecordingTransport> body_recorder(std::chrono::milliseconds delay) {
  RecordingOptions options;
  options.delay = delay;
  options.keep_bodies = true;
  return std::make_shared<RecordingTransport>(std::move(options));
}

ManualClock::ManualClock() : nanos_(std::make_shared<std::atomic<int64_t>>(to_unix_nanos(now_utc()))) {}

TimePoint ManualClock::now() const { return from_unix_nanos(nanos_->load()); }

void ManualClock::advance(std::chrono::seconds by) {
  nanos_->fetch_add(std::chrono::duration_cast<std::chrono::nanoseconds>(by).count());
}

std::function<TimePoint()> ManualClock::function() const {
  return [nanos = nanos_] { return from_unix_nanos(nanos->load()); };
}

}  // namespace cloudsync::test
