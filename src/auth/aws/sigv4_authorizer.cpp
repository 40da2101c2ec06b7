#include "auth/aws/sigv4_authorizer.hpp"

namespace cloudsync::auth {

Status SigV4Authorizer::authorize(http::Request& request, uint32_t /*attempt*/, const OpContext& /*ctx*/) {
  return signer_->sign(request, clock_->now());
}

}  // namespace cloudsync::auth
