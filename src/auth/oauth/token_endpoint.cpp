#include "auth/oauth/token_endpoint.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include "core/ascii.hpp"
#include "core/error.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "core/redact.hpp"
#include "core/time.hpp"
#include "core/url.hpp"
#include "http/http_date.hpp"

namespace cloudsync::auth {
namespace {

// RFC 6749 makes expires_in optional; Google always sends it. Without it the
// token is assumed to live as long as Google's do, and a 401 corrects us.
constexpr int64_t kAssumedLifetimeSeconds = 3600;
constexpr int64_t kMaxLifetimeSeconds = 366LL * 24 * 3600;

struct OAuthError {
  std::string code;         ///< "invalid_grant", ...; empty when the body is no OAuth error
  std::string description;  ///< error_description, or the message of a Google API error object
};

OAuthError parse_oauth_error(std::string_view body) {
  OAuthError out;
  Result<rapidjson::Document> doc = parse_json(body, "token endpoint error");
  if (!doc.ok() || !doc->IsObject()) return out;
  auto it = doc->FindMember("error");
  if (it == doc->MemberEnd()) return out;
  if (it->value.IsString()) {
    out.code.assign(it->value.GetString(), it->value.GetStringLength());
    if (auto d = json_string(*doc, "error_description", "token endpoint error"); d.ok() && d->has_value()) {
      out.description = **d;
    }
  } else if (it->value.IsObject()) {
    // {"error": {"code": 400, "message": "...", "status": "INVALID_ARGUMENT"}}
    if (auto s = json_string(it->value, "status", "token endpoint error"); s.ok() && s->has_value()) out.code = **s;
    if (auto m = json_string(it->value, "message", "token endpoint error"); m.ok() && m->has_value()) {
      out.description = **m;
    }
  }
  return out;
}

ErrorCode code_for_oauth_error(std::string_view error, int http_status) {
  if (error == "invalid_grant" || error == "invalid_client") return ErrorCode::Unauthenticated;
  if (error == "unauthorized_client" || error == "access_denied") return ErrorCode::PermissionDenied;
  if (error == "invalid_scope" || error == "invalid_request") return ErrorCode::InvalidArgument;
  if (error == "unsupported_grant_type") return ErrorCode::Unsupported;
  return http::error_code_for_status(http_status);
}

Status error_from_answer(const http::Response& response, const TokenRequest& request, std::string_view what) {
  OAuthError error = parse_oauth_error(response.body);
  std::string message;
  if (!error.code.empty()) {
    message = error.description.empty() ? error.code : error.code + ": " + error.description;
    if (error.code == "invalid_grant" && !request.reauthorise_hint.empty()) {
      message += ". " + request.reauthorise_hint;
    }
  }
  return http::status_from_response(response, what, code_for_oauth_error(error.code, response.status), error.code,
                                    message, "");
}

// A non-negative integer sent as a JSON number or as a string of digits.
std::optional<int64_t> json_seconds(const rapidjson::Value& doc, const char* field) {
  auto it = doc.FindMember(field);
  if (it == doc.MemberEnd()) return std::nullopt;
  if (it->value.IsInt64()) return it->value.GetInt64();
  if (!it->value.IsString()) return std::nullopt;
  std::string_view text(it->value.GetString(), it->value.GetStringLength());
  if (text.empty() || text.size() >= 12 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return std::stoll(std::string(text));
}

// expires_on (Unix seconds) as seconds from now on the system clock: Azure's
// metadata endpoints send it, some without expires_in.
std::optional<int64_t> seconds_until_expires_on(const rapidjson::Value& doc) {
  std::optional<int64_t> expires_on = json_seconds(doc, "expires_on");
  if (!expires_on) return std::nullopt;
  int64_t now = std::chrono::duration_cast<std::chrono::seconds>(now_utc().time_since_epoch()).count();
  return std::max<int64_t>(0, *expires_on - now);
}

}  // namespace

Result<AccessToken> parse_token_answer(const http::Response& response, TimePoint now, std::string_view what) {
  // A 2xx that is no token answer (a captive portal, a misrouted URL) is a
  // protocol surprise, like an unexpected status.
  Result<rapidjson::Document> parsed = parse_json(response.body, "token endpoint answer");
  if (!parsed.ok()) {
    return make_error(ErrorCode::BadResponse, "{}: HTTP {} but {}", what, response.status, parsed.status().message());
  }
  if (!parsed->IsObject()) {
    return make_error(ErrorCode::BadResponse, "{}: HTTP {} but the answer is not a JSON object", what, response.status);
  }
  const rapidjson::Document& doc = *parsed;
  // Secrets first, before anything below can fail with a message.
  for (const char* field : {"access_token", "refresh_token", "id_token"}) {
    auto it = doc.FindMember(field);
    if (it != doc.MemberEnd() && it->value.IsString()) {
      register_secret(std::string_view(it->value.GetString(), it->value.GetStringLength()));
    }
  }
  AccessToken token;
  CLOUDSYNC_ASSIGN_OR_RETURN(std::optional<std::string> value, json_string(doc, "access_token", what));
  if (!value || value->empty()) return make_error(ErrorCode::BadResponse, "{}: the answer has no access_token", what);
  token.value = std::move(*value);

  CLOUDSYNC_ASSIGN_OR_RETURN(std::optional<std::string> type, json_string(doc, "token_type", what));
  if (type && !iequals(*type, "Bearer")) {
    return make_error(ErrorCode::Unsupported, "{}: token type '{}' is not supported (only Bearer)", what, *type);
  }
  CLOUDSYNC_ASSIGN_OR_RETURN(std::optional<std::string> scope, json_string(doc, "scope", what));
  if (scope) token.scope = std::move(*scope);

  // A number per RFC 6749; some servers (Azure IMDS) send it as a string.
  std::optional<int64_t> expires_in = json_seconds(doc, "expires_in");
  if (!expires_in) expires_in = seconds_until_expires_on(doc);
  if (!expires_in) {
    log(LogLevel::Debug, "{}: the answer has no usable expires_in; assuming {} s", what, kAssumedLifetimeSeconds);
    expires_in = kAssumedLifetimeSeconds;
  }
  token.expires_at = now + std::chrono::seconds(std::clamp<int64_t>(*expires_in, 0, kMaxLifetimeSeconds));
  return token;
}

namespace {

// OAuth error answers, and the one a clock too far from the authority's
// earns: invalid_grant "Invalid JWT: Token must be a short-lived token (60
// minutes) and in a reasonable timeframe. Check your iat and exp values".
class TokenAnswerReader final : public http::AnswerReader {
 public:
  explicit TokenAnswerReader(const TokenRequest& request) : request_(request) {}

  std::optional<TimePoint> server_time(const http::Call& /*call*/, const http::Response& response) override {
    if (!request_.make_form || response.status != 400 || response.body.find("invalid_grant") == std::string::npos) {
      return std::nullopt;
    }
    bool about_time = response.body.find("iat") != std::string::npos ||
                      response.body.find("exp") != std::string::npos ||
                      response.body.find("timeframe") != std::string::npos;
    std::optional<std::string_view> date = response.headers.get("Date");
    if (!about_time || !date) return std::nullopt;
    Result<TimePoint> parsed = parse_http_date(*date);
    return parsed.ok() ? std::optional<TimePoint>(*parsed) : std::nullopt;
  }
  Status error(const http::Call& call, const http::Response& response, const http::SendInfo& /*info*/) override {
    return error_from_answer(response, request_, call.what);
  }

 private:
  const TokenRequest& request_;
};

}  // namespace

std::string encode_form(const FormFields& fields) {
  std::string out;
  for (const auto& [name, value] : fields) {
    if (!out.empty()) out += '&';
    out += percent_encode(name);
    out += '=';
    out += percent_encode(value);
  }
  return out;
}

Result<TokenEndpointOptions> resolve_token_endpoint(TokenEndpointOptions options, std::string_view flow_uri) {
  if (options.token_uri.empty()) options.token_uri = std::string(flow_uri);
  Result<http::Url> url = http::parse_url(options.token_uri);
  if (!url.ok() || (url->scheme != "https" && url->scheme != "http")) {
    return make_error(ErrorCode::InvalidArgument, "token URI '{}' is not an http(s) URL", options.token_uri);
  }
  if (!options.transport) options.transport = http::make_curl_transport(http::ClientOptions{});
  return options;
}

Result<AccessToken> request_token(const TokenEndpointOptions& options, const TokenRequest& request, TimePoint now,
                                  const OpContext& ctx) {
  const std::string what = request.method + " " + redact_url(options.token_uri);
  if (!options.transport) return make_error(ErrorCode::Internal, "{}: no HTTP transport", what);
  const bool has_body = request.method != "GET";
  const std::string body = !has_body           ? std::string()
                           : request.json_body ? *request.json_body
                                               : encode_form(request.form);
  MemorySource source(body);
  std::string made;                   // the form made for the current attempt (make_form)
  std::optional<MemorySource> fresh;  // reading `made`
  std::shared_ptr<http::ServerClock> clock = request.clock ? request.clock : std::make_shared<http::ServerClock>();
  http::Call call;
  call.method = request.method;
  call.url = options.token_uri;
  call.headers = request.headers;
  if (has_body) {
    call.headers.set("Content-Type", request.json_body ? "application/json" : "application/x-www-form-urlencoded");
    call.body = &source;
    call.body_size = body.size();
  }
  call.headers.set("Accept", "application/json");
  // Asking for a token twice is harmless (Google does not rotate refresh
  // tokens), so a request that may have reached the server is retried too.
  call.idempotent = true;
  call.what = what;
  if (request.make_form) {
    call.route = [&](http::Request& post) -> Result<http::Authorizer*> {
      CLOUDSYNC_ASSIGN_OR_RETURN(FormFields form, request.make_form(*clock));
      made = encode_form(form);
      fresh.emplace(made);
      post.body = &*fresh;
      post.body_size = made.size();
      return nullptr;
    };
  }
  TokenAnswerReader reader(request);
  http::Client client(http::Client::Settings{options.transport, options.retry, nullptr, clock, nullptr});
  CLOUDSYNC_ASSIGN_OR_RETURN(http::Response answer, client.send(call, reader, ctx));
  return request.parse_answer ? request.parse_answer(answer, now, what) : parse_token_answer(answer, now, what);
}

}  // namespace cloudsync::auth
