#include "auth/aws/sigv4_authorizer.hpp"

#include "core/log.hpp"

namespace cloudsync::auth {

namespace {

// "AWS4-HMAC-SHA256 Credential=AKID/20240101/..., ..." -> "AKID"
std::string_view access_key_id_of(const http::Request& request) {
  std::string_view header = request.headers.get("Authorization").value_or("");
  constexpr std::string_view kCredential = "Credential=";
  size_t at = header.find(kCredential);
  if (at == std::string_view::npos) return {};
  header.remove_prefix(at + kCredential.size());
  return header.substr(0, header.find('/'));
}

}  // namespace

SigV4Authorizer::SigV4Authorizer(std::shared_ptr<AwsCredentialsProvider> credentials, std::string region,
                                 std::string service, SigV4Mode mode, std::shared_ptr<const http::ServerClock> clock)
    : credentials_(std::move(credentials)),
      region_(std::move(region)),
      service_(std::move(service)),
      mode_(mode),
      clock_(std::move(clock)) {}

std::shared_ptr<const SigV4Signer> SigV4Authorizer::signer_for(const AwsCredentials& credentials) {
  std::lock_guard lock(mutex_);
  if (!signer_ || signer_->access_key_id() != credentials.access_key_id ||
      signer_secret_ != credentials.secret_access_key || signer_->session_token() != credentials.session_token) {
    signer_ = std::make_shared<const SigV4Signer>(credentials, region_, service_, mode_);
    signer_secret_ = credentials.secret_access_key;
  }
  return signer_;
}

Status SigV4Authorizer::authorize(http::Request& request, uint32_t /*attempt*/, const OpContext& ctx) {
  CLOUDSYNC_ASSIGN_OR_RETURN(AwsCredentials credentials, credentials_->credentials(ctx));
  return signer_for(credentials)->sign(request, clock_->now());
}

Result<bool> SigV4Authorizer::on_unauthorized(const http::Request& rejected, const OpContext& ctx) {
  if (!credentials_->can_refresh()) return false;
  log(LogLevel::Info, "the server refused the AWS credentials from {}; retrying once with new ones",
      credentials_->describe());
  CLOUDSYNC_RETURN_IF_ERROR(credentials_->refresh(ctx, access_key_id_of(rejected)).status());
  return true;
}

}  // namespace cloudsync::auth
