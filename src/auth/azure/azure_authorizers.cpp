#include "auth/azure/azure_authorizers.hpp"

namespace cloudsync::auth {

Status SharedKeyAuthorizer::authorize(http::Request& request, uint32_t /*attempt*/, const OpContext& /*ctx*/) {
  return signer_.sign(request, clock_->now());
}

Status SasAuthorizer::authorize(http::Request& request, uint32_t /*attempt*/, const OpContext& /*ctx*/) {
  request.url = append_sas_token(request.url, token_);
  return Status::OK();
}

}  // namespace cloudsync::auth
