#include "auth/aws/aws_credentials_http.hpp"

#include <pugixml.hpp>

#include "core/error.hpp"
#include "core/json.hpp"
#include "core/redact.hpp"
#include "core/time.hpp"

namespace cloudsync::auth {

namespace {

struct ServiceError {
  std::string code;
  std::string message;
};

// STS: <ErrorResponse><Error><Code>..</Code><Message>..</Message></Error></ErrorResponse>;
// SSO and the container agents: {"message": "...", "__type"/"code": "..."}.
ServiceError parse_service_error(std::string_view body) {
  ServiceError out;
  pugi::xml_document doc;
  if (doc.load_buffer(body.data(), body.size()).status == pugi::status_ok) {
    pugi::xml_node error = doc.child("ErrorResponse").child("Error");
    if (!error) error = doc.child("Error");
    if (error) {
      out.code = error.child_value("Code");
      out.message = error.child_value("Message");
      return out;
    }
  }
  Result<rapidjson::Document> json = parse_json(body, "error answer");
  if (!json.ok() || !json->IsObject()) return out;
  for (const char* key : {"code", "Code", "__type"}) {
    if (auto v = json_string(*json, key, "error answer"); v.ok() && v->has_value()) out.code = **v;
  }
  for (const char* key : {"message", "Message"}) {
    if (auto v = json_string(*json, key, "error answer"); v.ok() && v->has_value()) out.message = **v;
  }
  return out;
}

ErrorCode code_for_service_error(std::string_view code, int status) {
  if (code == "AccessDenied" || code == "AccessDeniedException" || code == "ForbiddenException") {
    return ErrorCode::PermissionDenied;
  }
  if (code.starts_with("ExpiredToken") || code == "InvalidIdentityToken" || code == "UnrecognizedClient" ||
      code == "InvalidClientTokenId" || code == "UnauthorizedException" || code == "IDPRejectedClaim") {
    return ErrorCode::Unauthenticated;
  }
  return http::error_code_for_status(status);
}

class CredentialsAnswerReader final : public http::AnswerReader {
 public:
  bool credentials_rejected(const http::Call& /*call*/, const http::Response& response) override {
    if (response.status == 401) return true;
    if (response.status != 400 && response.status != 403) return false;
    std::string code = parse_service_error(response.body).code;
    return code.starts_with("ExpiredToken") || code == "InvalidClientTokenId";
  }
  Status error(const http::Call& call, const http::Response& response, const http::SendInfo& /*info*/) override {
    ServiceError e = parse_service_error(response.body);
    std::string message = e.code.empty() ? e.message : (e.message.empty() ? e.code : e.code + ": " + e.message);
    return http::status_from_response(response, call.what, code_for_service_error(e.code, response.status), e.code,
                                      message, response.headers.get("x-amzn-RequestId").value_or(""));
  }
};

}  // namespace

http::RetryPolicy aws_credentials_retry_policy() {
  http::RetryPolicy policy;
  policy.max_attempts = 3;
  policy.initial_backoff = std::chrono::milliseconds(100);
  policy.max_backoff = std::chrono::milliseconds(2'000);
  policy.max_total = std::chrono::milliseconds(15'000);
  return policy;
}

Result<http::Response> send_credentials_request(const AwsHttpSettings& settings, const http::Call& call,
                                                std::shared_ptr<http::Authorizer> authorizer, const OpContext& ctx) {
  if (!settings.transport) return make_error(ErrorCode::Internal, "{}: no HTTP transport", call.what);
  CredentialsAnswerReader reader;
  http::Client client(
      http::Client::Settings{settings.transport, settings.retry, std::move(authorizer), nullptr, nullptr});
  return client.send(call, reader, ctx);
}

Result<AwsCredentials> credentials_from_json(std::string_view body, const CredentialFields& fields, const char* member,
                                             std::string_view what) {
  Result<rapidjson::Document> parsed = parse_json(body, what);
  if (!parsed.ok() || !parsed->IsObject()) {
    return make_error(ErrorCode::BadResponse, "{}: the answer is not a JSON object", what);
  }
  const rapidjson::Value* object = &*parsed;
  if (member != nullptr) {
    auto it = parsed->FindMember(member);
    if (it == parsed->MemberEnd() || !it->value.IsObject()) {
      return make_error(ErrorCode::BadResponse, "{}: the answer has no '{}' object", what, member);
    }
    object = &it->value;
  }
  // Secrets first, before anything below can fail with a message.
  for (const char* field : {fields.secret_access_key, fields.session_token}) {
    auto it = object->FindMember(field);
    if (it != object->MemberEnd() && it->value.IsString()) {
      register_secret(std::string_view(it->value.GetString(), it->value.GetStringLength()));
    }
  }
  AwsCredentials out;
  auto text = [&](const char* field, std::string& target, bool required) -> Status {
    auto it = object->FindMember(field);
    if (it != object->MemberEnd() && it->value.IsString() && it->value.GetStringLength() > 0) {
      target.assign(it->value.GetString(), it->value.GetStringLength());
      return Status::OK();
    }
    if (!required) return Status::OK();
    return make_error(ErrorCode::BadResponse, "{}: the answer has no {}", what, field);
  };
  CLOUDSYNC_RETURN_IF_ERROR(text(fields.access_key_id, out.access_key_id, true));
  CLOUDSYNC_RETURN_IF_ERROR(text(fields.secret_access_key, out.secret_access_key, true));
  CLOUDSYNC_RETURN_IF_ERROR(text(fields.session_token, out.session_token, false));
  auto exp = object->FindMember(fields.expiration);
  if (exp != object->MemberEnd() && exp->value.IsInt64()) {
    out.expires_at = from_unix_nanos(exp->value.GetInt64() * 1'000'000);
  } else if (exp != object->MemberEnd() && exp->value.IsString()) {
    Result<TimePoint> at = parse_rfc3339(std::string_view(exp->value.GetString(), exp->value.GetStringLength()));
    if (!at.ok()) return make_error(ErrorCode::BadResponse, "{}: {} is not an RFC 3339 time", what, fields.expiration);
    out.expires_at = *at;
  } else if (exp != object->MemberEnd() && !exp->value.IsNull()) {
    return make_error(ErrorCode::BadResponse, "{}: {} is neither a time nor a number", what, fields.expiration);
  }
  return out;
}

}  // namespace cloudsync::auth
