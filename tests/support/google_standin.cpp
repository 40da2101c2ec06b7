#include "support/google_standin.hpp"

#include <memory>
#include <mutex>

#include "http/http.hpp"
#include "support/http_support.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {

namespace {

http::Transport& control() {
  static std::shared_ptr<http::Transport> transport = http::make_curl_transport(fast_options());
  return *transport;
}

}  // namespace

PeerServer& google_standin() {
  static std::unique_ptr<PeerServer> server;
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  if (!server) {
    PeerSpec spec;
    spec.name = "google_credentials_standin";
    spec.command = {"python3", "{peers}/google_credentials_standin.py", "{port}", "{dir}"};
    spec.ready_timeout = std::chrono::seconds(20);
    server = std::make_unique<PeerServer>(spec);
  }
  return *server;
}

std::string google_standin_host() { return "127.0.0.1:" + std::to_string(google_standin().port()); }

void configure_google_standin(const std::string& json) {
  MemorySource body(json);
  http::Request request;
  request.method = "POST";
  request.url = google_standin().url() + "/__config__";
  request.headers.set("Content-Type", "application/json");
  request.body = &body;
  request.body_size = json.size();
  Result<http::Response> r = control().send(request, nullptr, {});
  REQUIRE_OK(r);
  REQUIRE(r->status == 200);
}

rapidjson::Document google_standin_stats() {
  Result<http::Response> r = http_get(control(), google_standin().url() + "/__stats__");
  REQUIRE_OK(r);
  REQUIRE(r->status == 200);
  Result<rapidjson::Document> doc = parse_json(r->body, "stand-in stats");
  REQUIRE_OK(doc);
  return std::move(doc).value();
}

int64_t google_standin_requests(const std::string& endpoint) {
  rapidjson::Document stats = google_standin_stats();
  const rapidjson::Value& requests = stats["requests"];
  return requests.HasMember(endpoint.c_str()) ? requests[endpoint.c_str()].GetInt64() : 0;
}

std::string google_standin_last_token() {
  rapidjson::Document stats = google_standin_stats();
  const rapidjson::Value& issued = stats["issued"];
  return issued.Empty() ? std::string() : std::string(issued[issued.Size() - 1].GetString());
}

AdcEnvironment::AdcEnvironment(const std::string& metadata_host)
    : home_env_("HOME", home_.path().c_str()),
      credentials_("GOOGLE_APPLICATION_CREDENTIALS", nullptr),
      config_("CLOUDSDK_CONFIG", nullptr),
      metadata_host_("GCE_METADATA_HOST", metadata_host.c_str()),
      metadata_ip_("GCE_METADATA_IP", nullptr),
      metadata_root_("GCE_METADATA_ROOT", nullptr),
      quota_("GOOGLE_CLOUD_QUOTA_PROJECT", nullptr) {}

std::string AdcEnvironment::refused_host() { return "127.0.0.1:" + std::to_string(PeerServer::free_port()); }

}  // namespace cloudsync::test
