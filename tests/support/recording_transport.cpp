#include "support/recording_transport.hpp"

#include <span>
#include <thread>

#include "support/http_support.hpp"

namespace cloudsync::test {

RecordingTransport::RecordingTransport(RecordingOptions options) : options_(std::move(options)) {
  if (!options_.inner) options_.inner = http::make_curl_transport(fast_options());
}

Result<http::Response> RecordingTransport::send(const http::Request& request, ByteSink* sink, const OpContext& ctx) {
  Entry entry;
  entry.method = request.method;
  entry.url = request.url;
  entry.headers = request.headers;
  if (request.body != nullptr) {
    entry.body_size = request.body_size.value_or(0);
    if (options_.keep_bodies) {
      char buf[4096];
      for (;;) {
        Result<size_t> n = request.body->read(std::span<char>(buf, sizeof buf));
        if (!n.ok()) return n.status();
        if (*n == 0) break;
        entry.body.append(buf, *n);
      }
      CLOUDSYNC_RETURN_IF_ERROR(request.body->rewind());
    }
  }
  if (options_.delay.count() > 0) std::this_thread::sleep_for(options_.delay);
  Result<http::Response> r = options_.inner->send(request, sink, ctx);
  entry.status = r.ok() ? r->status : 0;
  std::lock_guard lock(mutex_);
  entries_.push_back(std::move(entry));
  return r;
}

std::vector<RecordingTransport::Entry> RecordingTransport::entries() const {
  std::lock_guard lock(mutex_);
  return entries_;
}

std::vector<RecordingTransport::Entry> RecordingTransport::matching(const std::string& needle) const {
  std::vector<Entry> out;
  for (const Entry& e : entries()) {
    if ((e.method + " " + e.url).find(needle) != std::string::npos) out.push_back(e);
  }
  return out;
}

size_t RecordingTransport::count() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

void RecordingTransport::clear() {
  std::lock_guard lock(mutex_);
  entries_.clear();
}

}  // namespace cloudsync::test
