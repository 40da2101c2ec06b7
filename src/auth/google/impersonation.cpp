#include "auth/google/impersonation.hpp"

#include "core/error.hpp"
#include "core/json.hpp"
#include "core/redact.hpp"
#include "core/time.hpp"

namespace cloudsync::auth {
namespace {

std::string request_json(const ImpersonationOptions& options) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  json_write_key(w, "scope");
  w.StartArray();
  for (const std::string& scope : options.scopes) json_write_string(w, scope);
  w.EndArray();
  json_write_key(w, "lifetime");
  json_write_string(w, std::to_string(options.lifetime.count()) + "s");
  if (!options.delegates.empty()) {
    json_write_key(w, "delegates");
    w.StartArray();
    for (const std::string& delegate : options.delegates) json_write_string(w, delegate);
    w.EndArray();
  }
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

// {"accessToken": "...", "expireTime": "2014-10-02T15:01:23Z"}
Result<AccessToken> parse_generated_token(const http::Response& answer, TimePoint /*now*/, std::string_view what) {
  Result<rapidjson::Document> doc = parse_json(answer.body, what);
  if (!doc.ok() || !doc->IsObject()) {
    return make_error(ErrorCode::BadResponse, "{}: HTTP {} but the answer is not a JSON object", what, answer.status);
  }
  CLOUDSYNC_ASSIGN_OR_RETURN(std::optional<std::string> value, json_string(*doc, "accessToken", what));
  if (value) register_secret(*value);
  CLOUDSYNC_ASSIGN_OR_RETURN(std::optional<std::string> expire, json_string(*doc, "expireTime", what));
  if (!value || value->empty() || !expire) {
    return make_error(ErrorCode::BadResponse, "{}: the answer lacks accessToken or expireTime", what);
  }
  Result<TimePoint> expires_at = parse_rfc3339(*expire);
  if (!expires_at.ok())
    return make_error(ErrorCode::BadResponse, "{}: expireTime '{}' is no RFC 3339 time", what, *expire);
  return AccessToken{std::move(*value), *expires_at, {}};
}

class ImpersonatedSource final : public TokenSource {
 public:
  ImpersonatedSource(std::unique_ptr<TokenSource> source, ImpersonationOptions options, TokenEndpointOptions endpoint)
      : source_(std::move(source)), options_(std::move(options)), endpoint_(std::move(endpoint)) {}

  Result<AccessToken> fetch(const OpContext& ctx, TimePoint now) override {
    Result<AccessToken> source_token = source_->fetch(ctx, now);
    if (!source_token.ok()) return source_token.status().with_context("the identity to impersonate with");
    TokenRequest request;
    request.headers.set("Authorization", bearer_authorization(*source_token));
    request.json_body = request_json(options_);
    request.parse_answer = parse_generated_token;
    return request_token(endpoint_, request, now, ctx);
  }

  std::string describe() const override {
    return "impersonation through " + endpoint_.token_uri + " by " + source_->describe();
  }

 private:
  const std::unique_ptr<TokenSource> source_;
  const ImpersonationOptions options_;
  const TokenEndpointOptions endpoint_;
};

}  // namespace

Result<std::unique_ptr<TokenSource>> make_impersonated_source(std::unique_ptr<TokenSource> source,
                                                              ImpersonationOptions options,
                                                              const GoogleAuthSettings& settings) {
  if (options.scopes.empty()) options.scopes = settings.scopes;
  if (options.lifetime <= std::chrono::seconds(0)) {
    return make_error(ErrorCode::InvalidArgument, "the impersonated token's lifetime must be positive");
  }
  CLOUDSYNC_ASSIGN_OR_RETURN(TokenEndpointOptions endpoint, resolve_token_endpoint(settings.endpoint({}), options.url));
  return std::unique_ptr<TokenSource>(
      std::make_unique<ImpersonatedSource>(std::move(source), std::move(options), std::move(endpoint)));
}

}  // namespace cloudsync::auth
