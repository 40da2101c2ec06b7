#include "http/http_fixture.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace cloudsync::test {

PeerServer& http_server() {
  static std::unique_ptr<PeerServer> server;
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  if (!server) {
    // Loopback tests must not wander through a proxy of the developer's
    // environment; the proxy tests set these variables themselves.
    for (const char* name :
         {"http_proxy", "https_proxy", "HTTPS_PROXY", "ALL_PROXY", "all_proxy", "no_proxy", "NO_PROXY"}) {
      ::unsetenv(name);
    }
    PeerSpec spec;
    spec.name = "http_test_server";
    spec.command = {"python3", "{peers}/http_test_server.py", "{port}", "{dir}"};
    spec.ready_timeout = std::chrono::seconds(20);
    server = std::make_unique<PeerServer>(spec);
  }
  return *server;
}

rapidjson::Document echo_json(const http::Response& response) {
  INFO("echo body: " << response.body);
  REQUIRE(response.status == 200);
  Result<rapidjson::Document> doc = parse_json(response.body, "echo");
  REQUIRE_OK(doc);
  return std::move(doc).value();
}

std::string echo_header(const rapidjson::Document& echo, std::string_view name) {
  for (const auto& pair : echo["headers"].GetArray()) {
    std::string key = pair[0].GetString();
    auto same = [](char a, char b) {
      return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
    };
    if (key.size() == name.size() && std::equal(key.begin(), key.end(), name.begin(), same)) {
      return pair[1].GetString();
    }
  }
  return {};
}

Status HashingSink::write(std::string_view data) {
  hasher_.update(data);
  bytes += data.size();
  return after_write ? after_write(bytes) : Status::OK();
}

std::string HashingSink::sha256_hex() { return hasher_.finish().sha256; }

Result<size_t> OneShotSource::read(std::span<char> buf) {
  size_t n = std::min(buf.size(), data_.size() - pos_);
  std::memcpy(buf.data(), data_.data() + pos_, n);
  pos_ += n;
  return n;
}

Status OneShotSource::rewind() {
  ++rewind_calls;
  return Status(ErrorCode::Unsupported, "a one-shot source cannot rewind");
}

Result<size_t> CountingSource::read(std::span<char> buf) {
  size_t n = std::min(buf.size(), data_.size() - pos_);
  std::memcpy(buf.data(), data_.data() + pos_, n);
  pos_ += n;
  return n;
}

}  // namespace cloudsync::test
