#include "auth/oauth/bearer_authorizer.hpp"

#include "core/log.hpp"

namespace cloudsync::auth {

namespace {
constexpr std::string_view kBearer = "Bearer ";
}  // namespace

Status BearerAuthorizer::authorize(http::Request& request, uint32_t /*attempt*/, const OpContext& ctx) {
  CLOUDSYNC_ASSIGN_OR_RETURN(AccessToken token, tokens_->token(ctx));
  request.headers.set("Authorization", bearer_authorization(token));
  for (const http::Headers::Entry& header : fixed_headers_.entries()) request.headers.set(header.name, header.value);
  return Status::OK();
}

Result<bool> BearerAuthorizer::on_unauthorized(const http::Request& rejected, const OpContext& ctx) {
  std::string_view header = rejected.headers.get("Authorization").value_or("");
  std::string_view token = header.starts_with(kBearer) ? header.substr(kBearer.size()) : std::string_view();
  log(LogLevel::Info, "the server rejected the access token (HTTP 401); retrying once with a new token");
  CLOUDSYNC_RETURN_IF_ERROR(tokens_->refresh(ctx, token).status());
  return true;
}

}  // namespace cloudsync::auth
