#include "support/http_support.hpp"

#include <cstdlib>

#include "core/json.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {

http::ClientOptions fast_options() {
  http::ClientOptions options;
  options.connect_timeout = std::chrono::milliseconds(2000);
  options.low_speed_bytes = 1;
  options.low_speed_time = std::chrono::seconds(10);
  return options;
}

Result<http::Response> http_get(http::Transport& transport, const std::string& url, ByteSink* sink,
                                const OpContext& ctx) {
  http::Request request;
  request.method = "GET";
  request.url = url;
  return transport.send(request, sink, ctx);
}

LogCapture::LogCapture(LogLevel level) {
  std::shared_ptr<Shared> shared = shared_;
  set_log_handler(level, [shared](LogLevel l, std::string_view message) {
    std::lock_guard lock(shared->mutex);
    shared->lines.emplace_back(l, std::string(message));
  });
}

LogCapture::~LogCapture() { set_log_handler(LogLevel::Error, nullptr); }

std::vector<std::pair<LogLevel, std::string>> LogCapture::lines() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->lines;
}

std::vector<std::string> LogCapture::messages() const {
  std::vector<std::string> out;
  for (auto& [level, line] : lines()) out.push_back(std::move(line));
  return out;
}

std::string LogCapture::joined() const {
  std::string out;
  for (const auto& [level, line] : lines()) out += line + "\n";
  return out;
}

ScopedEnv::ScopedEnv(std::string name, const char* value) : name_(std::move(name)) {
  if (const char* old = std::getenv(name_.c_str())) old_ = old;
  if (value != nullptr) {
    ::setenv(name_.c_str(), value, 1);
  } else {
    ::unsetenv(name_.c_str());
  }
}

ScopedEnv::~ScopedEnv() {
  if (old_) {
    ::setenv(name_.c_str(), old_->c_str(), 1);
  } else {
    ::unsetenv(name_.c_str());
  }
}

FaultProxy::FaultProxy(int upstream_port)
    : server_([&] {
        PeerSpec spec;
        spec.name = "faultproxy";
        spec.command = {"{peers}/start-faultproxy.sh", "{port}", std::to_string(upstream_port), "{dir}"};
        spec.launcher_exits = true;
        return spec;
      }()),
      control_(http::make_curl_transport(fast_options())) {}

void FaultProxy::set_rule(const std::string& json) {
  MemorySource body(json);
  http::Request request;
  request.method = "POST";
  request.url = url() + "/__faults__";
  request.headers.set("Content-Type", "application/json");
  request.body = &body;
  request.body_size = json.size();
  Result<http::Response> r = control_->send(request, nullptr, {});
  REQUIRE_OK(r);
  REQUIRE(r->status == 200);
}

int64_t FaultProxy::hits() {
  Result<http::Response> r = http_get(*control_, url() + "/__faults__");
  REQUIRE_OK(r);
  Result<rapidjson::Document> doc = parse_json(r->body, "faults");
  REQUIRE_OK(doc);
  return (*doc)["hits"].GetInt64();
}

}  // namespace cloudsync::test
