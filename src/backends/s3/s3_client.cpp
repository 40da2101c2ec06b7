#include "backends/s3/s3_client.hpp"

#include "core/error.hpp"
#include "core/log.hpp"
#include "core/url.hpp"

namespace cloudsync::s3 {

namespace {

std::shared_ptr<const auth::SigV4Signer> make_signer(const S3Config& config, const std::string& region) {
  if (config.anonymous) return nullptr;
  return std::make_shared<const auth::SigV4Signer>(config.credentials, region, "s3", auth::SigV4Mode::S3);
}

}  // namespace

S3Client::S3Client(S3Config config, std::shared_ptr<http::Transport> transport)
    : config_(std::move(config)), transport_(std::move(transport)) {
  route_.region = config_.region;
  route_.endpoint = config_.endpoint;
  route_.signer = make_signer(config_, config_.region);
}

S3Client::Route S3Client::route() const {
  std::lock_guard lock(mutex_);
  return route_;
}

std::string S3Client::region() const { return route().region; }

std::string S3Client::endpoint() const { return route().endpoint.to_string(); }

std::string S3Client::describe(std::string_view key) const {
  return key.empty() ? "s3://" + config_.bucket : fmt::format("s3://{}/{}", config_.bucket, key);
}

bool S3Client::switch_region(const std::string& region) {
  std::lock_guard lock(mutex_);
  if (route_.region == region) return false;
  std::string previous = route_.region;
  route_.region = region;
  if (config_.default_endpoint) {
    auto url = http::parse_url(aws_endpoint_for_region(region));
    if (url.ok()) route_.endpoint = *url;
  }
  route_.signer = make_signer(config_, region);
  log(LogLevel::Info, "bucket '{}' is in region '{}', not '{}': switching to {}", config_.bucket, region, previous,
      route_.endpoint.to_string());
  return true;
}

Result<http::Request> S3Client::build(const S3Request& request, const Route& route) const {
  http::Request out;
  out.method = request.method;
  const http::Url& ep = route.endpoint;
  std::string host = config_.path_style ? ep.authority() : config_.bucket + "." + ep.authority();
  std::string path = "/";
  if (config_.path_style) {
    path += auth::uri_encode_s3_key(config_.bucket);
    if (!request.key.empty()) path += "/" + auth::uri_encode_s3_key(request.key);
  } else {
    path += auth::uri_encode_s3_key(request.key);
  }
  std::string query;
  for (const auto& [name, value] : request.query) {
    if (!query.empty()) query += '&';
    query += percent_encode(name);
    if (!value.empty()) query += "=" + percent_encode(value);
  }
  out.url = ep.scheme + "://" + host + path + (query.empty() ? "" : "?" + query);
  out.headers = request.headers;
  out.body = request.body;
  out.body_size = request.body_size;
  if (route.signer) {
    out.headers.set("x-amz-content-sha256",
                    request.payload_hash.empty() ? auth::kEmptyPayloadSha256 : std::string_view(request.payload_hash));
    TimePoint now = config_.clock() + std::chrono::nanoseconds(skew_ns_.load());
    CLOUDSYNC_RETURN_IF_ERROR(route.signer->sign(out, now));
  }
  return out;
}

Result<http::Response> S3Client::send(const S3Request& request, const OpContext& ctx, SendInfo* info) {
  SendInfo local_info;
  SendInfo& state = info != nullptr ? *info : local_info;
  state = SendInfo{};
  uint64_t delivered = 0;  // bytes that reached the caller's sink, over all attempts
  bool skew_fixed = false;
  bool region_switched = false;
  bool last_was_transport_error = false;
  std::string signed_region;

  auto attempt = [&](uint32_t n) -> Result<http::Response> {
    state.attempts = n;
    if (last_was_transport_error && request.body != nullptr) state.ambiguous = true;
    Route current = route();
    signed_region = current.region;
    CLOUDSYNC_ASSIGN_OR_RETURN(http::Request wire, build(request, current));
    http::CountingSink counting(request.sink);
    Result<http::Response> r = transport_->send(wire, counting.as_sink(), ctx);
    delivered += counting.bytes();
    last_was_transport_error = !r.ok();
    return r;
  };

  auto classify = [&](const Result<http::Response>& result) -> http::Outcome {
    if (!result.ok()) {
      // Part of the body is already with the caller: it resumes, we do not repeat.
      if (delivered > 0) return http::Outcome::Fail;
      return http::classify_default(result, request.idempotent);
    }
    const http::Response& response = *result;
    const bool ok_status = response.status >= 200 && response.status <= 299;
    std::optional<ErrorDocument> doc;
    if (!ok_status || request.error_in_200) doc = parse_error_document(response.body);
    if (ok_status) {
      if (!doc) return http::Outcome::Success;
      // A 200 carrying an <Error>: S3 says treat InternalError/SlowDown as a 5xx.
      return s3_code_is_transient(doc->code) ? http::Outcome::Retry : http::Outcome::Fail;
    }
    const ErrorDocument* d = doc ? &*doc : nullptr;
    if (auto region = region_hint(response, d); region && *region != signed_region && !region_switched) {
      region_switched = true;
      switch_region(*region);  // false when another request got there first
      return http::Outcome::Retry;
    }
    if (auto server = skewed_server_time(response, d); server && !skew_fixed) {
      skew_fixed = true;
      auto offset = std::chrono::duration_cast<std::chrono::nanoseconds>(*server - config_.clock());
      skew_ns_.store(offset.count());
      auto seconds = std::chrono::duration_cast<std::chrono::seconds>(offset).count();
      log(LogLevel::Warn, "{}: this machine's clock is {} s {} the server's; correcting and signing again",
          request.what, seconds < 0 ? -seconds : seconds, seconds < 0 ? "ahead of" : "behind");
      return http::Outcome::Retry;
    }
    if (d != nullptr && s3_code_is_transient(d->code)) return http::Outcome::Retry;
    return http::classify_default(result, request.idempotent);
  };

  Result<http::Response> result =
      http::send_with_retry(config_.retry, ctx, attempt, classify, request.body, request.what);
  if (!result.ok()) return result.status();
  http::Response& response = result.value();
  const bool ok_status = response.status >= 200 && response.status <= 299;
  if (ok_status && !(request.error_in_200 && parse_error_document(response.body))) return result;
  ErrorHints hints{signed_region, config_.credentials.access_key_id, config_.credential_source};
  return s3_error_status(response, request.what, request.context, hints);
}

}  // namespace cloudsync::s3
