// Shared pieces of the HTTP layer's tests: the scripted test server (started
// once per test process), small sources/sinks, and JSON access to /echo.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "cloudsync/log.hpp"
#include "core/hash.hpp"
#include "core/json.hpp"
#include "http/http.hpp"
#include "support/http_support.hpp"
#include "support/peer_server.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {

/// The scripted HTTP test server (tests/peers/http_test_server.py), started on
/// first use and stopped when the test process exits.
PeerServer& http_server();

/// The /echo answer as a JSON document (REQUIRE-fails when it is not one).
rapidjson::Document echo_json(const http::Response& response);
/// Value of the first header `name` (case-insensitive) the server received, "" if none.
std::string echo_header(const rapidjson::Document& echo, std::string_view name);

/// A sink that hashes what it receives and can fail or cancel on cue.
class HashingSink final : public ByteSink {
 public:
  Status write(std::string_view data) override;
  std::string sha256_hex();
  uint64_t bytes = 0;
  /// Called after each write with the running byte count; may return an error.
  std::function<Status(uint64_t)> after_write;

 private:
  Hasher hasher_{hash_kinds(HashKind::Sha256)};
};

/// A source that cannot rewind (a pipe, a socket).
class OneShotSource final : public ByteSource {
 public:
  explicit OneShotSource(std::string data) : data_(std::move(data)) {}
  Result<size_t> read(std::span<char> buf) override;
  std::optional<uint64_t> size() const override {
    return known_size_ ? std::optional<uint64_t>(data_.size()) : std::nullopt;
  }
  Status rewind() override;
  bool known_size_ = true;
  int rewind_calls = 0;

 private:
  std::string data_;
  size_t pos_ = 0;
};

/// A memory source that counts rewinds.
class CountingSource final : public ByteSource {
 public:
  explicit CountingSource(std::string data) : data_(std::move(data)) {}
  Result<size_t> read(std::span<char> buf) override;
  std::optional<uint64_t> size() const override { return data_.size(); }
  Status rewind() override {
    ++rewinds;
    pos_ = 0;
    return Status::OK();
  }
  int rewinds = 0;

 private:
  std::string data_;
  size_t pos_ = 0;
};

}  // namespace cloudsync::test
