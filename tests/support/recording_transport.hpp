// A transport that forwards each request to another one and records what was
// sent and what came back, so that tests can check the requests a client made
// (their URLs, headers, bodies, how many) without a packet capture.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "http/http.hpp"

namespace cloudsync::test {

struct RecordingOptions {
  /// Where requests go; default: a curl transport with fast_options().
  std::shared_ptr<http::Transport> inner;
  /// Slept before each request goes out (widens race windows).
  std::chrono::milliseconds delay{0};
  /// Reads each request body into Entry::body (and rewinds it). Off by
  /// default: uploads can be large, and most tests only look at URLs.
  bool keep_bodies = false;
};

class RecordingTransport final : public http::Transport {
 public:
  struct Entry {
    std::string method;
    std::string url;
    http::Headers headers;
    std::optional<uint64_t> body_size;  ///< nullopt: the request had no body
    std::string body;                   ///< with RecordingOptions::keep_bodies only
    int status = 0;                     ///< the answer's status; 0 when the transport failed
  };

  explicit RecordingTransport(RecordingOptions options = {});
  /// Runs on the callers' threads: failures are returned, never REQUIREd.
  Result<http::Response> send(const http::Request& request, ByteSink* sink, const OpContext& ctx) override;

  /// Every request so far, in the order they were sent.
  std::vector<Entry> entries() const;
  /// Entries whose "METHOD url" contains `needle`.
  std::vector<Entry> matching(const std::string& needle) const;
  size_t count() const;
  void clear();

 private:
  RecordingOptions options_;
  mutable std::mutex mutex_;
  std::vector<Entry> entries_;
};

}  // namespace cloudsync::test
