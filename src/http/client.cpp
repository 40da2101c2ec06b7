#include "http/client.hpp"

#include <algorithm>

#include "core/ascii.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "http/content_range.hpp"

namespace cloudsync::http {

namespace {

bool accepted(int status, const std::vector<int>& accept) {
  if (status >= 200 && status <= 299) return true;
  return std::find(accept.begin(), accept.end(), status) != accept.end();
}

std::optional<uint64_t> content_length(const Response& response) {
  std::optional<std::string_view> text = response.headers.get("Content-Length");
  if (!text) return std::nullopt;
  return parse_u64(*text);
}

std::string range_value(uint64_t offset, std::optional<uint64_t> length) {
  return length ? fmt::format("bytes={}-{}", offset, offset + *length - 1) : fmt::format("bytes={}-", offset);
}

// How many times one ranged read resumes a body cut short before giving up
// (the transfer layer then resumes across calls).
constexpr int kMaxResumptions = 3;

}  // namespace

Result<bool> Authorizer::on_unauthorized(const Request& /*rejected*/, const OpContext& /*ctx*/) { return false; }

Outcome AnswerReader::classify(const Call& call, const Result<Response>& result) {
  if (result.ok()) {
    const Response& response = *result;
    if (accepted(response.status, call.accept)) {
      if (!failed_despite_status(call, response)) return Outcome::Success;
      return is_transient(call, response) ? Outcome::Retry : Outcome::Fail;
    }
    if (is_transient(call, response)) return Outcome::Retry;
  }
  return classify_default(result, call.idempotent);
}

bool AnswerReader::is_transient(const Call& /*call*/, const Response& /*response*/) { return false; }

bool AnswerReader::failed_despite_status(const Call& /*call*/, const Response& /*response*/) { return false; }

bool AnswerReader::redirected(const Call& /*call*/, const Response& /*response*/) { return false; }

bool AnswerReader::credentials_rejected(const Call& /*call*/, const Response& response) {
  return response.status == 401;
}

std::optional<TimePoint> AnswerReader::server_time(const Call& /*call*/, const Response& /*response*/) {
  return std::nullopt;
}

Status AnswerReader::transport_error(const Call& /*call*/, Status status, const SendInfo& /*info*/) { return status; }

Client::Client(Settings settings) : settings_(std::move(settings)) {
  if (!settings_.clock) settings_.clock = std::make_shared<ServerClock>();
}

Result<Response> Client::send(const Call& call, AnswerReader& reader, const OpContext& ctx, SendInfo* info_out) {
  SendInfo local_info;
  SendInfo& info = info_out != nullptr ? *info_out : local_info;
  info = SendInfo{};
  if (!settings_.transport) return make_error(ErrorCode::Internal, "{}: no HTTP transport", call.what);

  bool last_was_transport_error = false;
  bool failed_here = false;  // pacing, routing or authorising failed: nothing was sent
  bool redirected = false;
  bool clock_corrected = false;
  Authorizer* authorizer_used = nullptr;
  std::optional<Request> last_sent;

  auto attempt = [&](uint32_t n) -> Result<Response> {
    ++info.attempts;
    if (last_was_transport_error && call.body != nullptr) info.ambiguous = true;
    auto fail_here = [&](Status status) -> Result<Response> {
      failed_here = true;
      return status;
    };
    if (settings_.pace) {
      Status paced = settings_.pace(ctx);
      if (!paced.ok()) return fail_here(std::move(paced));
    }
    Request request;
    request.method = call.method;
    request.url = call.url;
    request.headers = call.headers;
    request.body = call.body;
    request.body_size = call.body_size;
    Authorizer* authorizer = call.authorize ? settings_.authorizer.get() : nullptr;
    if (call.route) {
      Result<Authorizer*> routed = call.route(request);
      if (!routed.ok()) return fail_here(routed.status());
      if (*routed != nullptr && call.authorize) authorizer = *routed;
    }
    if (authorizer != nullptr) {
      Status authorized = authorizer->authorize(request, n, ctx);
      if (!authorized.ok()) return fail_here(std::move(authorized));
    }
    authorizer_used = authorizer;
    CountingSink counting(call.sink);
    Result<Response> result = call.exchange ? call.exchange(request, counting.as_sink(), ctx)
                                            : settings_.transport->send(request, counting.as_sink(), ctx);
    info.sink_bytes += counting.bytes();
    last_was_transport_error = !result.ok();
    last_sent = std::move(request);
    return result;
  };

  auto classify = [&](const Result<Response>& result) -> Outcome {
    if (!result.ok()) {
      if (failed_here) return Outcome::Fail;
      // Part of the body is already with the caller: it resumes, we do not repeat.
      if (info.sink_bytes > 0) return Outcome::Fail;
      return reader.classify(call, result);
    }
    const Response& response = *result;
    if (!accepted(response.status, call.accept)) {
      if (!redirected && reader.redirected(call, response)) {
        redirected = true;
        return Outcome::Retry;
      }
      std::optional<TimePoint> server = clock_corrected ? std::nullopt : reader.server_time(call, response);
      if (server && std::chrono::abs(*server - settings_.clock->now()) > kClockTolerance) {
        clock_corrected = true;
        auto offset = settings_.clock->learn(*server);
        auto seconds = std::chrono::duration_cast<std::chrono::seconds>(offset).count();
        log(LogLevel::Warn, "{}: this machine's clock is {} s {} the server's; correcting and signing again", call.what,
            seconds < 0 ? -seconds : seconds, seconds < 0 ? "ahead of" : "behind");
        return Outcome::Retry;
      }
    }
    Outcome outcome = reader.classify(call, result);
    if (outcome == Outcome::Retry && info.sink_bytes > 0) return Outcome::Fail;
    return outcome;
  };

  Result<Response> result = Status(ErrorCode::Internal, "not sent");
  for (bool refreshed = false;; refreshed = true) {
    failed_here = false;
    result = send_with_retry(settings_.retry, ctx, attempt, classify, call.body, call.what);
    if (!result.ok() || !reader.credentials_rejected(call, *result) || refreshed || authorizer_used == nullptr ||
        !last_sent || info.sink_bytes > 0) {
      break;
    }
    Result<bool> renewed = authorizer_used->on_unauthorized(*last_sent, ctx);
    if (!renewed.ok()) return reader.transport_error(call, renewed.status(), info);
    if (!*renewed) break;
    if (call.body != nullptr && !call.body->rewind().ok()) break;
  }
  if (!result.ok()) return reader.transport_error(call, result.status(), info);
  if (accepted(result->status, call.accept) && !reader.failed_despite_status(call, *result)) return result;
  return reader.error(call, *result, info);
}

Result<RangedAnswer> Client::ranged_get(Call call, const RangeRequest& range, AnswerReader& reader,
                                        const OpContext& ctx, SendInfo* info_out) {
  SendInfo local_info;
  SendInfo& info = info_out != nullptr ? *info_out : local_info;
  info = SendInfo{};
  RangedAnswer out;
  uint64_t offset = range.offset;
  std::optional<uint64_t> length = range.length;
  if (length && *length == 0) {
    return make_error(ErrorCode::Internal, "{}: an empty range has no HTTP spelling", call.what);
  }

  for (int resumptions = 0;; ++resumptions) {
    const bool ranged = offset > 0 || length.has_value();
    if (ranged) call.headers.set(range.header, range_value(offset, length));
    SendInfo one;
    Result<Response> answer = send(call, reader, ctx, &one);
    info.attempts += one.attempts;
    info.ambiguous = info.ambiguous || one.ambiguous;
    info.sink_bytes += one.sink_bytes;
    out.delivered += one.sink_bytes;
    if (!answer.ok()) {
      ErrorCode code = answer.status().code();
      bool cut = one.sink_bytes > 0 && (code == ErrorCode::Network || code == ErrorCode::Timeout);
      if (!cut || range.if_match.empty() || resumptions >= kMaxResumptions || (length && one.sink_bytes >= *length)) {
        return answer.status();
      }
      // The rest must come from the version the first bytes came from.
      offset += one.sink_bytes;
      if (length) *length -= one.sink_bytes;
      call.headers.set("If-Match", range.if_match);
      log(LogLevel::Info, "{}: the body was cut after {} bytes ({}); resuming at byte {} of the same version",
          call.what, one.sink_bytes, answer.status().message(), offset);
      continue;
    }

    out.response = std::move(*answer);
    const Response& response = out.response;
    const uint64_t got = one.sink_bytes;
    std::string_view content_range = response.headers.get("Content-Range").value_or("");
    if (response.status == 206) {
      out.partial = true;
      std::optional<ContentRange> parsed = parse_content_range(content_range);
      // Azurite answers a range starting at the end with the empty range
      // "bytes N-(N-1)/N" (the service answers 416 instead).
      if (!parsed && got == 0 && offset > 0 &&
          content_range == fmt::format("bytes {}-{}/{}", offset, offset - 1, offset)) {
        out.total = offset;
        return out;
      }
      uint64_t end = 0;  // one past the last byte asked for
      if (parsed) end = length ? std::min(offset + *length, parsed->total) : parsed->total;
      if (!parsed || parsed->first != offset || parsed->last + 1 != end || parsed->last - parsed->first + 1 != got) {
        return make_error(ErrorCode::Integrity,
                          "{}: the server sent another range ('{}', {} bytes) than the one asked for (from byte {})",
                          call.what, content_range, got, offset);
      }
      out.total = parsed->total;
      return out;
    }
    // A whole-object answer: its body must be what Content-Length promised
    // (without one the transport saw the end of a chunked body).
    std::optional<uint64_t> announced = content_length(response);
    if (announced && got != *announced) {
      return make_error(ErrorCode::Network, "{}: the body ended after {} of {} bytes", call.what, got, *announced);
    }
    // The server ignored the range: usable only when the range was the whole object.
    if (offset > 0 || (length && *length < got)) {
      return make_error(ErrorCode::Integrity,
                        "{}: the server ignored the {} header (HTTP {}) and sent the whole object", call.what,
                        range.header, response.status);
    }
    out.total = got;
    return out;
  }
}

}  // namespace cloudsync::http
