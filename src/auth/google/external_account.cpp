#include "auth/google/external_account.hpp"

#include <algorithm>

#include "auth/google/google_endpoints.hpp"
#include "auth/google/impersonation.hpp"
#include "core/error.hpp"
#include "core/file_io.hpp"
#include "core/json.hpp"
#include "core/hash.hpp"
#include "core/redact.hpp"

namespace cloudsync::auth {
namespace {

constexpr std::string_view kTokenExchangeGrant = "urn:ietf:params:oauth:grant-type:token-exchange";
constexpr std::string_view kAccessTokenType = "urn:ietf:params:oauth:token-type:access_token";
constexpr size_t kMaxSubjectTokenBytes = 1 << 20;

std::string trimmed(std::string_view text) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  return std::string(text);
}

/// Where the subject token comes from and how it is read.
struct SubjectTokenSource {
  std::string file;
  std::string url;
  http::Headers headers;
  std::string json_field;  ///< empty: the whole content is the token ("text")
};

Result<SubjectTokenSource> parse_credential_source(const rapidjson::Value& config) {
  auto it = config.FindMember("credential_source");
  if (it == config.MemberEnd() || !it->value.IsObject()) {
    return make_error(ErrorCode::InvalidArgument, "external_account credentials without a credential_source");
  }
  const rapidjson::Value& source = it->value;
  if (source.HasMember("executable")) {
    return make_error(ErrorCode::Unsupported,
                      "external_account credentials with credential_source.executable (executable-sourced "
                      "pluggable auth) are not supported; use a file- or URL-sourced credential");
  }
  if (std::string environment = json_string_or_empty(source, "environment_id"); !environment.empty()) {
    return make_error(ErrorCode::Unsupported,
                      "AWS-sourced external_account credentials (environment_id {}) are not supported", environment);
  }
  SubjectTokenSource out;
  out.file = json_string_or_empty(source, "file");
  out.url = json_string_or_empty(source, "url");
  if (out.file.empty() == out.url.empty()) {
    return make_error(ErrorCode::InvalidArgument, "credential_source needs exactly one of \"file\" and \"url\"");
  }
  if (auto headers = source.FindMember("headers"); headers != source.MemberEnd() && headers->value.IsObject()) {
    for (const auto& header : headers->value.GetObject()) {
      if (header.value.IsString()) out.headers.set(header.name.GetString(), header.value.GetString());
    }
  }
  if (auto format = source.FindMember("format"); format != source.MemberEnd() && format->value.IsObject()) {
    const std::string type = json_string_or_empty(format->value, "type");
    if (type == "json") {
      out.json_field = json_string_or_empty(format->value, "subject_token_field_name");
      if (out.json_field.empty()) {
        return make_error(ErrorCode::InvalidArgument,
                          "credential_source.format of type json needs subject_token_field_name");
      }
    } else if (!type.empty() && type != "text") {
      return make_error(ErrorCode::InvalidArgument, "credential_source.format type '{}' is not text or json", type);
    }
  }
  return out;
}

/// The subject token out of a file's or URL's content.
Result<std::string> subject_token_of(std::string_view content, const std::string& json_field, std::string_view from) {
  std::string token;
  if (json_field.empty()) {
    token = trimmed(content);
  } else {
    Result<rapidjson::Document> doc = parse_json(content, from);
    if (!doc.ok()) return doc.status();
    if (doc->IsObject()) token = json_string_or_empty(*doc, json_field.c_str());
    if (token.empty()) {
      return make_error(ErrorCode::BadResponse, "{}: no string field \"{}\" holding the subject token", from,
                        json_field);
    }
  }
  register_secret(token);
  if (token.empty()) return make_error(ErrorCode::Unauthenticated, "{}: the subject token is empty", from);
  return token;
}

class ExternalAccountSource final : public TokenSource {
 public:
  ExternalAccountSource(SubjectTokenSource subject, FormFields exchange_form, TokenEndpointOptions sts,
                        std::optional<TokenEndpointOptions> subject_url, std::string basic_auth)
      : subject_(std::move(subject)),
        exchange_form_(std::move(exchange_form)),
        sts_(std::move(sts)),
        subject_url_(std::move(subject_url)),
        basic_auth_(std::move(basic_auth)) {}

  Result<AccessToken> fetch(const OpContext& ctx, TimePoint now) override {
    CLOUDSYNC_ASSIGN_OR_RETURN(std::string subject_token, read_subject_token(ctx, now));
    TokenRequest request;
    request.form = exchange_form_;
    request.form.emplace_back("subject_token", std::move(subject_token));
    if (!basic_auth_.empty()) request.headers.set("Authorization", basic_auth_);
    request.reauthorise_hint =
        "Check the workload identity pool provider (audience) and that the subject token is current and accepted "
        "by it";
    return request_token(sts_, request, now, ctx);
  }

  std::string describe() const override {
    return "workload identity federation (subject token from " +
           (subject_.file.empty() ? subject_.url : subject_.file) + ")";
  }

 private:
  Result<std::string> read_subject_token(const OpContext& ctx, TimePoint now) {
    if (!subject_.file.empty()) {
      const std::string from = fmt::format("subject token file '{}'", subject_.file);
      Result<std::string> content = read_small_file(subject_.file, kMaxSubjectTokenBytes);
      if (!content.ok()) return content.status().with_context(from);
      return subject_token_of(*content, subject_.json_field, from);
    }
    // The subject token is a token too: fetched like one, through the same
    // client, retries and error reading; its value is the raw content.
    TokenRequest request;
    request.method = "GET";
    request.headers = subject_.headers;
    const std::string& field = subject_.json_field;
    request.parse_answer = [&field](const http::Response& answer, TimePoint,
                                    std::string_view what) -> Result<AccessToken> {
      CLOUDSYNC_ASSIGN_OR_RETURN(std::string token, subject_token_of(answer.body, field, what));
      return AccessToken{std::move(token), TimePoint::max(), {}};
    };
    Result<AccessToken> token = request_token(*subject_url_, request, now, ctx);
    if (!token.ok()) return token.status().with_context("the subject token");
    return std::move(token->value);
  }

  const SubjectTokenSource subject_;
  const FormFields exchange_form_;
  const TokenEndpointOptions sts_;
  const std::optional<TokenEndpointOptions> subject_url_;
  const std::string basic_auth_;  ///< "Basic ..." when the file has a client_id
};

std::string join(const std::vector<std::string>& parts, char separator) {
  std::string out;
  for (const std::string& part : parts) {
    if (!out.empty()) out += separator;
    out += part;
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<TokenSource>> make_external_account_source(const rapidjson::Value& config,
                                                                  const GoogleAuthSettings& settings) {
  CLOUDSYNC_ASSIGN_OR_RETURN(SubjectTokenSource subject, parse_credential_source(config));
  const std::string client_secret = json_string_or_empty(config, "client_secret");
  register_secret(client_secret);
  const std::string audience = json_string_or_empty(config, "audience");
  const std::string subject_token_type = json_string_or_empty(config, "subject_token_type");
  const std::string token_url = json_string_or_empty(config, "token_url");
  using Required = std::pair<const char*, const std::string*>;
  for (const auto& [name, value] :
       {Required{"audience", &audience}, Required{"subject_token_type", &subject_token_type},
        Required{"token_url", &token_url}}) {
    if (value->empty()) {
      return make_error(ErrorCode::InvalidArgument, "external_account credentials without \"{}\"", name);
    }
  }
  const std::string impersonation_url = json_string_or_empty(config, "service_account_impersonation_url");
  const std::vector<std::string> exchange_scopes =
      impersonation_url.empty() ? settings.scopes : std::vector<std::string>{std::string(kCloudPlatformScope)};
  FormFields form{{"grant_type", std::string(kTokenExchangeGrant)},
                  {"audience", audience},
                  {"scope", join(exchange_scopes, ' ')},
                  {"requested_token_type", std::string(kAccessTokenType)},
                  {"subject_token_type", subject_token_type}};
  // Workforce pools bill a user project, passed to STS as its "options".
  if (std::string user_project = json_string_or_empty(config, "workforce_pool_user_project"); !user_project.empty()) {
    rapidjson::StringBuffer options;
    JsonWriter w(options);
    w.StartObject();
    json_write_key(w, "userProject");
    json_write_string(w, user_project);
    w.EndObject();
    form.emplace_back("options", std::string(options.GetString(), options.GetSize()));
  }
  const std::string client_id = json_string_or_empty(config, "client_id");
  const std::string basic_auth =
      client_id.empty() ? std::string() : "Basic " + base64_encode(client_id + ":" + client_secret);
  register_secret(basic_auth);

  CLOUDSYNC_ASSIGN_OR_RETURN(TokenEndpointOptions sts, resolve_token_endpoint(settings.endpoint({}), token_url));
  std::optional<TokenEndpointOptions> subject_url;
  if (!subject.url.empty()) {
    CLOUDSYNC_ASSIGN_OR_RETURN(subject_url, resolve_token_endpoint(settings.endpoint({}), subject.url));
  }
  auto exchange = std::make_unique<ExternalAccountSource>(std::move(subject), std::move(form), std::move(sts),
                                                          std::move(subject_url), basic_auth);
  if (impersonation_url.empty()) return std::unique_ptr<TokenSource>(std::move(exchange));

  ImpersonationOptions impersonation;
  impersonation.url = impersonation_url;
  if (auto it = config.FindMember("service_account_impersonation"); it != config.MemberEnd() && it->value.IsObject()) {
    if (auto lifetime = it->value.FindMember("token_lifetime_seconds");
        lifetime != it->value.MemberEnd() && lifetime->value.IsInt64()) {
      impersonation.lifetime = std::chrono::seconds(lifetime->value.GetInt64());
    }
  }
  return make_impersonated_source(std::move(exchange), std::move(impersonation), settings);
}

}  // namespace cloudsync::auth
