#include "backends/s3/s3_client.hpp"

#include "auth/aws/sigv4_authorizer.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/url.hpp"

namespace cloudsync::s3 {

S3Client::S3Client(S3Config config, std::shared_ptr<http::Transport> transport)
    : config_(std::move(config)),
      clock_(std::make_shared<http::ServerClock>(config_.clock)),
      http_(http::Client::Settings{std::move(transport), config_.retry, nullptr, clock_, nullptr}) {
  route_.region = config_.region;
  route_.endpoint = config_.endpoint;
  route_.authorizer = make_authorizer(config_.region);
}

std::shared_ptr<http::Authorizer> S3Client::make_authorizer(const std::string& region) const {
  if (config_.anonymous) return nullptr;
  return std::make_shared<auth::SigV4Authorizer>(config_.credentials, region, "s3", auth::SigV4Mode::S3, clock_);
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
  route_.authorizer = make_authorizer(region);
  log(LogLevel::Info, "bucket '{}' is in region '{}', not '{}': switching to {}", config_.bucket, region, previous,
      route_.endpoint.to_string());
  return true;
}

std::string S3Client::url_for(const S3Request& request, const Route& route) const {
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
  return ep.scheme + "://" + host + path + (query.empty() ? "" : "?" + query);
}

template <typename Send>
auto S3Client::exchange(const S3Request& request, const OpContext& ctx, Send&& send) {
  ErrorHints hints{{}, {}, config_.credential_source};
  std::shared_ptr<http::Authorizer> authorizer;  // the attempt's route's, kept alive while it signs
  http::Call call;
  call.method = request.method;
  call.headers = request.headers;
  call.body = request.body;
  call.body_size = request.body_size;
  call.sink = request.sink;
  call.idempotent = request.idempotent;
  call.what = request.what;
  // The bucket's region can change during a call (a redirect): each attempt
  // takes the current route's URL and signer together.
  call.route = [&](http::Request& wire) -> Result<http::Authorizer*> {
    Route current = route();
    hints.region = current.region;
    if (config_.credentials) {
      // The key id this attempt is signed with, for messages. Fetched here
      // (the authorizer then finds them in the cache), so that a chain that
      // cannot deliver fails the call once, with its own message.
      CLOUDSYNC_ASSIGN_OR_RETURN(auth::AwsCredentials credentials, config_.credentials->credentials(ctx));
      hints.access_key_id = credentials.access_key_id;
    }
    wire.url = url_for(request, current);
    if (current.authorizer) {
      wire.headers.set("x-amz-content-sha256", request.payload_hash.empty() ? auth::kEmptyPayloadSha256
                                                                            : std::string_view(request.payload_hash));
    }
    authorizer = std::move(current.authorizer);
    return authorizer.get();
  };
  S3AnswerReader reader(request.context, request.error_in_200, hints,
                        [this](const std::string& region) { switch_region(region); });
  return send(call, reader);
}

Result<http::Response> S3Client::send(const S3Request& request, const OpContext& ctx, SendInfo* info) {
  return exchange(request, ctx, [&](const http::Call& call, http::AnswerReader& reader) {
    return http_.send(call, reader, ctx, info);
  });
}

Result<http::RangedAnswer> S3Client::ranged_get(const S3Request& request, const http::RangeRequest& range,
                                                const OpContext& ctx) {
  return exchange(request, ctx, [&](const http::Call& call, http::AnswerReader& reader) {
    return http_.ranged_get(call, range, reader, ctx);
  });
}

}  // namespace cloudsync::s3
