// SigV4 as an http::Authorizer: every attempt is signed afresh, dated by the
// client's server-corrected clock (so a RequestTimeTooSkewed answer, once
// learned, fixes every later signature). Signatures cannot be refreshed: a 401
// is the answer.
#pragma once

#include <memory>

#include "auth/aws/sigv4.hpp"
#include "http/client.hpp"

namespace cloudsync::auth {

class SigV4Authorizer final : public http::Authorizer {
 public:
  SigV4Authorizer(std::shared_ptr<const SigV4Signer> signer, std::shared_ptr<const http::ServerClock> clock)
      : signer_(std::move(signer)), clock_(std::move(clock)) {}

  Status authorize(http::Request& request, uint32_t attempt, const OpContext& ctx) override;

 private:
  std::shared_ptr<const SigV4Signer> signer_;
  std::shared_ptr<const http::ServerClock> clock_;
};

}  // namespace cloudsync::auth
