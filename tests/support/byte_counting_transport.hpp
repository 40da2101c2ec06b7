// A transport that forwards each request to another one and counts the body
// bytes that went out and came back, so that tests can show that a copy made
// by the store moved none of the object's bytes through the client.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "http/http.hpp"

namespace cloudsync::test {

class ByteCountingTransport final : public http::Transport {
 public:
  explicit ByteCountingTransport(std::shared_ptr<http::Transport> inner) : inner_(std::move(inner)) {}
  Result<http::Response> send(const http::Request& request, ByteSink* sink, const OpContext& ctx) override {
    sent += request.body_size.value_or(0);
    auto answer = inner_->send(request, sink, ctx);
    if (answer.ok()) received += answer->sink_bytes + answer->body.size();
    if (answer.ok()) ++requests;
    return answer;
  }
  /// All body bytes either way.
  uint64_t moved() const { return sent + received; }
  std::atomic<uint64_t> sent{0}, received{0}, requests{0};

 private:
  std::shared_ptr<http::Transport> inner_;
};

}  // namespace cloudsync::test
