// Sends S3 requests: builds the URL (path or virtual-host style), signs every
// attempt afresh (SigV4, with the clock corrected by the server's when it
// complained about skew), runs the shared retry loop with S3's own reading of
// answers (an <Error> inside a 200, a retryable S3 code behind a 4xx, a
// region redirect, a skewed clock), and turns failures into Statuses through
// s3_errors. One client, and one transport (so one keep-alive pool), per
// backend object; it is shared with the backend's multipart uploads.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "auth/aws/sigv4.hpp"
#include "backends/s3/s3_config.hpp"
#include "backends/s3/s3_errors.hpp"
#include "http/http.hpp"

namespace cloudsync::s3 {

struct S3Request {
  std::string method = "GET";
  std::string key;  ///< object key; empty addresses the bucket itself
  /// Decoded query parameters; an empty value is sent as a bare name ("?uploads").
  std::vector<std::pair<std::string, std::string>> query;
  http::Headers headers;
  ByteSource* body = nullptr;
  std::optional<uint64_t> body_size;
  /// x-amz-content-sha256: hex SHA-256 or UNSIGNED-PAYLOAD; empty: the empty body's hash.
  std::string payload_hash;
  /// Where a 2xx body goes (GET); else it is returned in Response::body.
  ByteSink* sink = nullptr;
  /// Safe to send again after a connection failure that may have reached the server.
  bool idempotent = true;
  /// The answer may be a 200 whose body is an <Error> (CompleteMultipartUpload,
  /// DeleteObjects, CopyObject).
  bool error_in_200 = false;
  ErrorContext context = ErrorContext::Default;
  /// Names the request in errors and logs ("PUT s3://bucket/key").
  std::string what;
};

/// How a request went, beyond its answer.
struct SendInfo {
  uint32_t attempts = 0;
  /// An attempt failed after the request may have reached the server (a
  /// dropped connection) and was sent again: a later "precondition failed"
  /// may be our own earlier write.
  bool ambiguous = false;
};

class S3Client {
 public:
  S3Client(S3Config config, std::shared_ptr<http::Transport> transport);
  S3Client(const S3Client&) = delete;
  S3Client& operator=(const S3Client&) = delete;

  /// Sends `request` with retries. OK only for a 2xx answer (without an
  /// <Error> body); every other outcome is an error Status (S3 details attached).
  Result<http::Response> send(const S3Request& request, const OpContext& ctx, SendInfo* info = nullptr);

  const S3Config& config() const noexcept { return config_; }
  /// The region requests are signed for now (it moves after a region redirect).
  std::string region() const;
  /// The endpoint requests go to now.
  std::string endpoint() const;
  /// Server clock minus ours, learned from a RequestTimeTooSkewed answer.
  std::chrono::nanoseconds clock_offset() const noexcept { return std::chrono::nanoseconds(skew_ns_.load()); }
  /// "s3://bucket/key", for messages.
  std::string describe(std::string_view key) const;

 private:
  struct Route {
    std::string region;
    http::Url endpoint;
    std::shared_ptr<const auth::SigV4Signer> signer;  ///< null when anonymous
  };
  Route route() const;
  /// Moves to `region` (and its endpoint, if ours was derived from the
  /// region). False if already there.
  bool switch_region(const std::string& region);
  Result<http::Request> build(const S3Request& request, const Route& route) const;

  S3Config config_;
  std::shared_ptr<http::Transport> transport_;
  mutable std::mutex mutex_;
  Route route_;
  std::atomic<int64_t> skew_ns_{0};
};

}  // namespace cloudsync::s3
