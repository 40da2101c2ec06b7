// Sends S3 requests through the shared http::Client: builds the URL (path or
// virtual-host style) for the region the bucket is in now, hands each attempt
// to that region's SigV4 authorizer (with the credentials the chain hands out
// for the attempt, dated by the client's server-corrected clock), and reads S3's answers (an <Error> inside a 200, a
// retryable S3 code behind a 4xx, a region redirect, RequestTimeTooSkewed) through s3_errors. One client, and one
// transport (so one keep-alive pool), per backend object; it is shared with the backend's multipart uploads.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "auth/aws/sigv4.hpp"
#include "backends/s3/s3_config.hpp"
#include "backends/s3/s3_errors.hpp"
#include "http/client.hpp"

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

/// How a request went (attempts, whether a write may have been applied twice).
using http::SendInfo;

class S3Client {
 public:
  S3Client(S3Config config, std::shared_ptr<http::Transport> transport);
  S3Client(const S3Client&) = delete;
  S3Client& operator=(const S3Client&) = delete;

  /// Sends `request` with retries. OK only for a 2xx answer (without an
  /// <Error> body); every other outcome is an error Status (S3 details attached).
  Result<http::Response> send(const S3Request& request, const OpContext& ctx, SendInfo* info = nullptr);
  /// A checked ranged GET of `request` (see http::Client::ranged_get).
  Result<http::RangedAnswer> ranged_get(const S3Request& request, const http::RangeRequest& range,
                                        const OpContext& ctx);

  const S3Config& config() const noexcept { return config_; }
  /// The region requests are signed for now (it moves after a region redirect).
  std::string region() const;
  /// The endpoint requests go to now.
  std::string endpoint() const;
  /// Server clock minus ours, learned from a RequestTimeTooSkewed answer.
  std::chrono::nanoseconds clock_offset() const noexcept { return clock_->offset(); }
  /// "s3://bucket/key", for messages.
  std::string describe(std::string_view key) const;

 private:
  /// Moves to `region` (and its endpoint, if ours was derived from the
  /// region), after an answer said the bucket is there. False if already there.
  bool switch_region(const std::string& region);

  struct Route {
    std::string region;
    http::Url endpoint;
    std::shared_ptr<http::Authorizer> authorizer;  ///< null when anonymous
  };
  Route route() const;
  std::shared_ptr<http::Authorizer> make_authorizer(const std::string& region) const;
  /// The URL of `request` on `route`.
  std::string url_for(const S3Request& request, const Route& route) const;
  /// Runs `send(call, reader)` with the http::Call and S3 reader of `request`.
  template <typename Send>
  auto exchange(const S3Request& request, const OpContext& ctx, Send&& send);

  S3Config config_;
  std::shared_ptr<http::ServerClock> clock_;
  http::Client http_;
  mutable std::mutex mutex_;
  Route route_;
};

}  // namespace cloudsync::s3
