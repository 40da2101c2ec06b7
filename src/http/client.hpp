// The one request pipeline every cloud provider uses. A provider describes a
// request once (http::Call), and the client sends it as often as the shared
// retry loop allows:
//  - every attempt is built afresh and authorised afresh by the provider's
//    Authorizer (a new signature date, the current token);
//  - one refusal of the credentials (a 401, or what the provider's reader
//    calls one) may be answered by a credential refresh and one more try,
//    where the scheme can refresh (OAuth2 bearer tokens, temporary AWS
//    credentials);
//  - each answer is read by the provider's AnswerReader: its own error body,
//    its own transient codes, and the hooks S3 needs (a region redirect, a
//    refusal of our clock, an <Error> inside a 200);
//  - once a byte of a body reached the caller's sink, the request is never
//    sent again (a download resumes with a range instead: ranged_get below);
//  - what happened (attempts, whether a write may have been applied twice) is
//    reported once, in SendInfo.
// Providers keep only URL building and the reading of their error documents.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http/http.hpp"
#include "http/server_clock.hpp"

namespace cloudsync::http {

/// Puts a provider's credentials on a request. Implementations: SigV4
/// (auth/aws/sigv4_authorizer.hpp), Azure SharedKey and SAS
/// (auth/azure/azure_authorizers.hpp), Google bearer tokens
/// (auth/oauth/bearer_authorizer.hpp). Shared by all threads of a client.
class Authorizer {
 public:
  virtual ~Authorizer() = default;
  /// Authorises `request` (URL, headers and body as they will be sent) for
  /// attempt `attempt` (1-based); called before every attempt, so signatures
  /// carry a fresh date. An error ends the call without a retry.
  virtual Status authorize(Request& request, uint32_t attempt, const OpContext& ctx) = 0;
  /// The server refused the credentials of `rejected` (a 401, or see
  /// AnswerReader::credentials_rejected). True: fresh credentials were
  /// obtained and the call may run once more; false: the scheme cannot
  /// refresh (the refusal is the answer); an error: the refresh failed, and that
  /// is the call's outcome. Called at most once per call.
  virtual Result<bool> on_unauthorized(const Request& rejected, const OpContext& ctx);
};

/// One logical request.
struct Call {
  std::string method = "GET";
  std::string url;  ///< absolute and percent-encoded; the Authorizer may add to it (a SAS)
  Headers headers;
  /// Streamed body, rewound before each retry; nullptr for none.
  ByteSource* body = nullptr;
  std::optional<uint64_t> body_size;
  /// Where a 2xx body goes; else it is returned in Response::body.
  ByteSink* sink = nullptr;
  /// Safe to send again after a failure that may have reached the server.
  bool idempotent = true;
  /// False: sent without credentials (a URL that must not carry them).
  bool authorize = true;
  /// Statuses besides 2xx that are answers, not errors (a resumable upload's 308).
  std::vector<int> accept;
  /// Names the request in errors and logs: "GET s3://bucket/key" (never a URL with secrets).
  std::string what;
  /// For providers whose target moves during a call (S3 after a region
  /// redirect): called before each attempt, may rewrite the request's URL
  /// and returns the Authorizer for this attempt (null: the client's).
  std::function<Result<Authorizer*>(Request& request)> route;
  /// For a call whose one attempt is an exchange of several requests (a
  /// resumable upload asks where its session stands before it sends a chunk
  /// again): sends in place of the transport, given the authorised request
  /// (to copy its credentials from). Null: the client's transport.
  std::function<Result<Response>(const Request& authorized, ByteSink* sink, const OpContext& ctx)> exchange;
};

/// How a call went, beyond its answer.
struct SendInfo {
  uint32_t attempts = 0;
  /// An attempt with a body failed after it may have reached the server and
  /// was sent again: a later "precondition failed" may be our own earlier write.
  bool ambiguous = false;
  /// Bytes that reached the caller's sink, over all attempts.
  uint64_t sink_bytes = 0;
};

/// How one provider reads answers. The defaults suit a provider whose
/// failures are told by the HTTP status alone; each hook is one provider
/// rule. Readers are cheap per-call objects (they may carry what the call is:
/// a create-only write, an upload).
class AnswerReader {
 public:
  virtual ~AnswerReader() = default;
  /// The retry decision for one attempt (transport errors included). Default:
  /// an accepted answer succeeds unless failed_despite_status() (then it is
  /// retried when is_transient()), is_transient() answers retry, and the rest
  /// follows classify_default().
  virtual Outcome classify(const Call& call, const Result<Response>& result);
  /// The provider's error codes a retry can cure whatever the HTTP status
  /// (S3's 400 RequestTimeout, Azure's ServerBusy).
  virtual bool is_transient(const Call& call, const Response& response);
  /// An answer with an accepted status that is a failure all the same (S3's
  /// <Error> inside a 200 to CompleteMultipartUpload).
  virtual bool failed_despite_status(const Call& call, const Response& response);
  /// The answer says the request belongs elsewhere and the provider has moved
  /// its route (S3's region redirect); the call is sent again, once.
  virtual bool redirected(const Call& call, const Response& response);
  /// The server's time, when a failed answer may be a refusal of our clock
  /// (S3's RequestTimeTooSkewed, Azure's AuthenticationFailed with its Date).
  /// When it differs from the client's clock by more than kClockTolerance,
  /// the clock learns the offset and the call is signed and sent again, once.
  virtual std::optional<TimePoint> server_time(const Call& call, const Response& response);
  /// The answer refuses the credentials themselves, so that fresh ones may
  /// cure it (Authorizer::on_unauthorized). Default: HTTP 401. S3 also says
  /// so with 400/403 ExpiredToken and friends.
  virtual bool credentials_rejected(const Call& call, const Response& response);
  /// The error Status of a failed answer (provider code, message, request id).
  virtual Status error(const Call& call, const Response& response, const SendInfo& info) = 0;
  /// The Status of a transport failure or of an Authorizer's error. Default: as is.
  virtual Status transport_error(const Call& call, Status status, const SendInfo& info);
};

/// How far the server's clock may be from ours before a refusal is blamed on it.
inline constexpr std::chrono::seconds kClockTolerance{60};

/// A ranged read: `length` bytes from `offset` (to the end when unset).
struct RangeRequest {
  uint64_t offset = 0;
  std::optional<uint64_t> length;
  /// The header that carries the range ("Range"; Azure also reads "x-ms-range").
  std::string header = "Range";
  /// The ETag the bytes must belong to (as the provider spells it in
  /// If-Match, quotes included). With one, a body cut short after some
  /// bytes arrived is resumed from there with If-Match, so that the rest
  /// comes from the same version; without one it is a Network error.
  std::string if_match;
};

/// What a ranged read delivered.
struct RangedAnswer {
  Response response;  ///< the last answer (its headers describe the object)
  /// Bytes written to the sink, over every resumption.
  uint64_t delivered = 0;
  /// The whole representation's size when the server said (Content-Range's
  /// total, or Content-Length of a whole-object answer).
  std::optional<uint64_t> total;
  bool partial = false;  ///< answered with 206 (the headers describe a range)
};

class Client {
 public:
  struct Settings {
    std::shared_ptr<Transport> transport;
    RetryPolicy retry;
    /// Null: requests go without credentials (anonymous S3).
    std::shared_ptr<Authorizer> authorizer;
    /// The clock signatures are dated by; learns from the server's answers.
    /// Null: a fresh one (the system clock).
    std::shared_ptr<ServerClock> clock;
    /// Runs before every attempt (Drive's pacer); may fail (cancellation).
    std::function<Status(const OpContext&)> pace;
  };
  explicit Client(Settings settings);

  /// Sends `call` with retries. An answer with a 2xx (or accepted) status is
  /// returned; every other outcome is the Status `reader` makes of it.
  Result<Response> send(const Call& call, AnswerReader& reader, const OpContext& ctx, SendInfo* info = nullptr);

  /// GET of a byte range (Range header when `range` is not the whole object),
  /// checked: a 206 must carry the Content-Range asked for and as many bytes;
  /// a 200 (the server ignored the range) is accepted only when it is what
  /// was asked for (everything from byte 0), Integrity otherwise; a body
  /// shorter than announced resumes (see RangeRequest::if_match) or is a
  /// Network error. A range starting exactly at the end, answered
  /// "bytes N-(N-1)/N" (Azurite), reads nothing. Failed answers (416
  /// included) are the reader's errors.
  Result<RangedAnswer> ranged_get(Call call, const RangeRequest& range, AnswerReader& reader, const OpContext& ctx,
                                  SendInfo* info = nullptr);

  Transport& transport() const { return *settings_.transport; }
  const RetryPolicy& retry_policy() const { return settings_.retry; }
  ServerClock& clock() const { return *settings_.clock; }

 private:
  Settings settings_;
};

}  // namespace cloudsync::http
