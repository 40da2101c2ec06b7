#include "auth/aws/aws_sts.hpp"

#include <pugixml.hpp>

#include "auth/aws/sigv4_authorizer.hpp"
#include "auth/oauth/token_endpoint.hpp"
#include "core/ascii.hpp"
#include "core/error.hpp"
#include "core/file_io.hpp"
#include "core/hash.hpp"
#include "core/redact.hpp"
#include "core/time.hpp"

namespace cloudsync::auth {

namespace {

constexpr std::string_view kStsVersion = "2011-06-15";
// A web identity token is a JWT of a few KiB; anything far larger is not one.
constexpr size_t kMaxWebIdentityTokenFileBytes = 1 << 20;

std::string session_name_for(const AssumeRoleParams& params, TimePoint now) {
  if (!params.session_name.empty()) return params.session_name;
  return fmt::format("cloudsync-session-{}", to_unix_nanos(now) / 1'000'000'000);
}

FormFields common_fields(std::string_view action, const AssumeRoleParams& params, TimePoint now) {
  FormFields form{{"Action", std::string(action)},
                  {"Version", std::string(kStsVersion)},
                  {"RoleArn", params.role_arn},
                  {"RoleSessionName", session_name_for(params, now)}};
  if (params.duration_seconds) form.emplace_back("DurationSeconds", std::to_string(*params.duration_seconds));
  return form;
}

Result<AwsCredentials> post_to_sts(const AwsHttpSettings& http, const StsEndpoint& endpoint, std::string_view action,
                                   const FormFields& form, std::shared_ptr<http::Authorizer> authorizer,
                                   const OpContext& ctx) {
  const std::string body = encode_form(form);
  MemorySource source(body);
  http::Call call;
  call.method = "POST";
  call.url = endpoint.url;
  call.headers.set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
  call.headers.set("Accept", "text/xml");
  // The signed payload hash (SigV4 takes it from this header).
  call.headers.set("x-amz-content-sha256", sha256_hex(body));
  call.body = &source;
  call.body_size = body.size();
  call.idempotent = true;  // asking twice only makes two sessions
  call.what = fmt::format("STS {} at {}", action, endpoint.url);
  call.authorize = authorizer != nullptr;
  CLOUDSYNC_ASSIGN_OR_RETURN(http::Response answer, send_credentials_request(http, call, std::move(authorizer), ctx));
  return parse_sts_credentials(answer.body, call.what);
}

class AssumeRoleSource final : public AwsCredentialsSource {
 public:
  AssumeRoleSource(std::shared_ptr<AwsCredentialsProvider> source, AssumeRoleParams params, StsEndpoint endpoint,
                   AwsHttpSettings http, std::string description)
      : params_(std::move(params)),
        endpoint_(std::move(endpoint)),
        http_(std::move(http)),
        description_(std::move(description)),
        authorizer_(std::make_shared<SigV4Authorizer>(std::move(source), endpoint_.signing_region, "sts",
                                                      SigV4Mode::Generic, std::make_shared<http::ServerClock>())) {}

  Result<AwsCredentials> fetch(const OpContext& ctx, TimePoint now) override {
    FormFields form = common_fields("AssumeRole", params_, now);
    if (!params_.external_id.empty()) form.emplace_back("ExternalId", params_.external_id);
    Result<AwsCredentials> out = post_to_sts(http_, endpoint_, "AssumeRole", form, authorizer_, ctx);
    if (!out.ok()) return out.status().with_context(description_);
    return out;
  }
  std::string describe() const override { return description_; }

 private:
  AssumeRoleParams params_;
  StsEndpoint endpoint_;
  AwsHttpSettings http_;
  std::string description_;
  std::shared_ptr<SigV4Authorizer> authorizer_;
};

class WebIdentitySource final : public AwsCredentialsSource {
 public:
  WebIdentitySource(std::filesystem::path token_file, AssumeRoleParams params, StsEndpoint endpoint,
                    AwsHttpSettings http, std::string description)
      : token_file_(std::move(token_file)),
        params_(std::move(params)),
        endpoint_(std::move(endpoint)),
        http_(std::move(http)),
        description_(std::move(description)) {}

  Result<AwsCredentials> fetch(const OpContext& ctx, TimePoint now) override {
    // Read at every fetch: the projected token is rotated on disk.
    Result<std::string> token = read_small_file(token_file_, kMaxWebIdentityTokenFileBytes);
    if (!token.ok()) {
      return token.status().with_context(
          fmt::format("{}: cannot read the web identity token file {}", description_, token_file_.string()));
    }
    std::string value(trim(*token));
    register_secret(value);
    if (value.empty()) {
      return make_error(ErrorCode::Unauthenticated, "{}: the web identity token file {} is empty", description_,
                        token_file_.string());
    }
    FormFields form = common_fields("AssumeRoleWithWebIdentity", params_, now);
    form.emplace_back("WebIdentityToken", std::move(value));
    Result<AwsCredentials> out = post_to_sts(http_, endpoint_, "AssumeRoleWithWebIdentity", form, nullptr, ctx);
    if (!out.ok()) return out.status().with_context(description_);
    return out;
  }
  std::string describe() const override { return description_; }

 private:
  std::filesystem::path token_file_;
  AssumeRoleParams params_;
  StsEndpoint endpoint_;
  AwsHttpSettings http_;
  std::string description_;
};

}  // namespace

std::unique_ptr<AwsCredentialsSource> make_assume_role_source(std::shared_ptr<AwsCredentialsProvider> source,
                                                              AssumeRoleParams params, StsEndpoint endpoint,
                                                              AwsHttpSettings http, std::string description) {
  return std::make_unique<AssumeRoleSource>(std::move(source), std::move(params), std::move(endpoint), std::move(http),
                                            std::move(description));
}

std::unique_ptr<AwsCredentialsSource> make_web_identity_source(std::filesystem::path token_file,
                                                               AssumeRoleParams params, StsEndpoint endpoint,
                                                               AwsHttpSettings http, std::string description) {
  return std::make_unique<WebIdentitySource>(std::move(token_file), std::move(params), std::move(endpoint),
                                             std::move(http), std::move(description));
}

Result<AwsCredentials> parse_sts_credentials(std::string_view body, std::string_view what) {
  pugi::xml_document doc;
  if (doc.load_buffer(body.data(), body.size()).status != pugi::status_ok) {
    return make_error(ErrorCode::BadResponse, "{}: the answer is not XML", what);
  }
  pugi::xml_node credentials;
  for (pugi::xml_node result : doc.document_element().children()) {
    if (pugi::xml_node c = result.child("Credentials")) credentials = c;
  }
  // Secrets first, before anything below can fail with a message.
  register_secret(credentials.child_value("SecretAccessKey"));
  register_secret(credentials.child_value("SessionToken"));
  AwsCredentials out{credentials.child_value("AccessKeyId"), credentials.child_value("SecretAccessKey"),
                     credentials.child_value("SessionToken"), TimePoint::max()};
  if (out.access_key_id.empty() || out.secret_access_key.empty() || out.session_token.empty()) {
    return make_error(ErrorCode::BadResponse, "{}: the answer has no complete <Credentials>", what);
  }
  Result<TimePoint> expiration = parse_rfc3339(credentials.child_value("Expiration"));
  if (!expiration.ok()) return make_error(ErrorCode::BadResponse, "{}: the answer has no valid <Expiration>", what);
  out.expires_at = *expiration;
  return out;
}

}  // namespace cloudsync::auth
