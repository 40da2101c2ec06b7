// The HTTP layer every cloud provider shares: request/response values, a
// transport (libcurl), one retry policy, and the mapping from HTTP statuses to
// ErrorCodes. Providers never touch libcurl directly.
//
// Bodies stream: a request body is a ByteSource (rewound for each retry), a
// response body goes to a ByteSink only when the status is 2xx; other bodies
// (error documents, small XML/JSON answers) are captured in Response::body.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cloudsync/backend.hpp"
#include "cloudsync/io.hpp"
#include "cloudsync/status.hpp"

namespace cloudsync::http {

/// Header list with case-insensitive lookup; keeps insertion order.
class Headers {
 public:
  struct Entry {
    std::string name;
    std::string value;
  };
  /// First value of `name`, or nullopt.
  std::optional<std::string_view> get(std::string_view name) const;
  /// Replaces every value of `name` with one value.
  void set(std::string_view name, std::string_view value);
  void add(std::string_view name, std::string_view value);
  void remove(std::string_view name);
  const std::vector<Entry>& entries() const noexcept { return entries_; }
  bool empty() const noexcept { return entries_.empty(); }

 private:
  std::vector<Entry> entries_;
};

/// An absolute URL split into the parts signers canonicalise.
struct Url {
  std::string scheme;  ///< "http" or "https"
  std::string host;    ///< without port
  int port = 0;        ///< 0 when not given explicitly
  std::string path;    ///< percent-encoded path as sent, starting with '/'
  std::string query;   ///< raw (encoded) query without '?', may be empty

  /// "host" or "host:port" when the port is not the scheme's default (the Host header).
  std::string authority() const;
  std::string to_string() const;
};
Result<Url> parse_url(std::string_view text);

/// Splits an encoded query into decoded (name, value) pairs, in order.
Result<std::vector<std::pair<std::string, std::string>>> parse_query(std::string_view query);

struct Request {
  std::string method = "GET";
  std::string url;  ///< absolute and already percent-encoded
  Headers headers;
  /// Streamed request body; nullptr for none. Must be rewindable to be retried.
  ByteSource* body = nullptr;
  /// Body size, sent as Content-Length (required for a body unless chunked
  /// upload is acceptable to the server).
  std::optional<uint64_t> body_size;
};

struct Response {
  int status = 0;
  Headers headers;
  /// Body of non-2xx answers, and of 2xx answers when no sink was given
  /// (capped at ClientOptions::max_buffered_body bytes).
  std::string body;
  /// Bytes delivered to the sink (2xx answers with a sink).
  uint64_t sink_bytes = 0;
};

/// Transport settings. Defaults suit large transfers: no total timeout, a
/// connect timeout and a low-speed (stall) timeout instead.
struct ClientOptions {
  std::chrono::milliseconds connect_timeout{10'000};
  /// A transfer slower than low_speed_bytes per second for low_speed_time fails with Timeout.
  uint32_t low_speed_bytes = 1;
  std::chrono::seconds low_speed_time{60};
  bool verify_tls = true;
  std::string ca_bundle;  ///< PEM file; empty: the system store
  std::string ca_path;
  /// Explicit proxy URL. Empty: libcurl reads https_proxy/HTTPS_PROXY, http_proxy
  /// (lower case only, see "httpoxy"), ALL_PROXY and NO_PROXY. NO_PROXY applies
  /// to an explicit proxy too.
  std::string proxy;
  /// Never through a proxy, whatever `proxy` and the environment say (a
  /// link-local metadata server, which a proxy cannot reach).
  bool bypass_proxy = false;
  std::string proxy_ca_bundle;
  /// Empty: the process-wide one (cloudsync/user_agent.hpp), read per request.
  std::string user_agent;
  size_t max_buffered_body = 8 << 20;
};

/// Sends one request (no retries). Implementations are thread-safe; the curl
/// transport keeps one easy handle per thread (never shared) for keep-alive.
class Transport {
 public:
  virtual ~Transport() = default;
  /// Fails only for transport errors (Network, Timeout, Cancelled), an invalid
  /// request (InvalidArgument), a 2xx body over max_buffered_body without a sink
  /// (LimitExceeded), or the error of the body source or sink (returned as is);
  /// any HTTP status is a successful Result. 2xx bodies go to `sink` when given.
  virtual Result<Response> send(const Request& request, ByteSink* sink, const OpContext& ctx) = 0;
};

std::shared_ptr<Transport> make_curl_transport(const ClientOptions& options);

/// Passes a response body on to the caller's sink and counts what got there:
/// once a byte reached the caller, an attempt cannot simply be sent again (the
/// caller resumes with a range instead).
class CountingSink final : public ByteSink {
 public:
  /// `inner` may be null (a request without a sink): as_sink() is null then.
  explicit CountingSink(ByteSink* inner) : inner_(inner) {}
  Status write(std::string_view data) override {
    CLOUDSYNC_RETURN_IF_ERROR(inner_->write(data));
    bytes_ += data.size();
    return Status::OK();
  }
  /// What to hand to Transport::send.
  ByteSink* as_sink() noexcept { return inner_ != nullptr ? this : nullptr; }
  uint64_t bytes() const noexcept { return bytes_; }

 private:
  ByteSink* inner_;
  uint64_t bytes_ = 0;
};

/// Exponential backoff with decorrelated jitter, capped per attempt and in
/// total; Retry-After wins when the server sends it.
struct RetryPolicy {
  uint32_t max_attempts = 10;
  std::chrono::milliseconds initial_backoff{100};
  std::chrono::milliseconds max_backoff{15'000};
  std::chrono::milliseconds max_total{180'000};
};

/// What to do with the outcome of one attempt.
enum class Outcome {
  Success,  ///< return it
  Retry,    ///< transient: back off and try again (if the policy allows)
  Fail,     ///< return it as an error (after mapping)
};

/// The shared retry loop. `attempt` builds, signs and sends one fresh request
/// (so every attempt is re-signed with a fresh date) and returns the transport
/// result; `classify` decides. Returns the last result. Retries stop early on
/// cancellation (Cancelled), on a non-rewindable body, or when the policy is
/// exhausted. `body` is the request body the attempts send, if any: the loop
/// rewinds it before each retry and does not retry when it cannot be rewound.
/// `what` names the request in the retry log lines ("PUT s3://b/k").
Result<Response> send_with_retry(const RetryPolicy& policy, const OpContext& ctx,
                                 const std::function<Result<Response>(uint32_t attempt)>& attempt,
                                 const std::function<Outcome(const Result<Response>&)>& classify,
                                 ByteSource* body = nullptr, std::string_view what = {});

/// The default classification: transport errors Network/Timeout retry (the
/// caller decides for non-idempotent requests), 408/429/500/502/503/504 retry,
/// other statuses >= 300 fail, 2xx succeed.
Outcome classify_default(const Result<Response>& result, bool idempotent);

/// Seconds from a Retry-After header (delta-seconds or HTTP date), if any.
std::optional<std::chrono::milliseconds> retry_after(const Response& response);

/// The ErrorCode an HTTP status means when the provider gives nothing more
/// specific (404 NotFound, 403 PermissionDenied, 401 Unauthenticated, 412
/// PreconditionFailed, 409 Conflict, 429/503 Throttled, 5xx Network, ...).
ErrorCode error_code_for_status(int status);

/// An error Status for a failed response: the mapped code, "<what>: HTTP
/// <status> <provider message>", and the provider code and request id attached.
Status status_from_response(const Response& response, std::string_view what, ErrorCode code,
                            std::string_view provider_code, std::string_view provider_message,
                            std::string_view request_id);

}  // namespace cloudsync::http
