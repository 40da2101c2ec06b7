// SigV4 as an http::Authorizer: every attempt is signed afresh, with the
// credentials the provider hands out for it (temporary credentials are
// replaced before they expire), dated by the client's server-corrected clock
// (so a RequestTimeTooSkewed answer, once learned, fixes every later
// signature). When the server refuses the credentials themselves (an expired
// or unknown session: see the reader's credentials_rejected()), a provider
// that can refresh is asked once for new ones and the call runs once more.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "auth/aws/aws_credentials_provider.hpp"
#include "auth/aws/sigv4.hpp"
#include "http/client.hpp"

namespace cloudsync::auth {

class SigV4Authorizer final : public http::Authorizer {
 public:
  SigV4Authorizer(std::shared_ptr<AwsCredentialsProvider> credentials, std::string region, std::string service,
                  SigV4Mode mode, std::shared_ptr<const http::ServerClock> clock);

  Status authorize(http::Request& request, uint32_t attempt, const OpContext& ctx) override;
  Result<bool> on_unauthorized(const http::Request& rejected, const OpContext& ctx) override;

 private:
  /// The signer of `credentials` (made again only when they change, so the
  /// signing-key cache survives from one request to the next).
  std::shared_ptr<const SigV4Signer> signer_for(const AwsCredentials& credentials);

  std::shared_ptr<AwsCredentialsProvider> credentials_;
  std::string region_;
  std::string service_;
  SigV4Mode mode_;
  std::shared_ptr<const http::ServerClock> clock_;
  std::mutex mutex_;
  std::shared_ptr<const SigV4Signer> signer_;
  std::string signer_secret_;  ///< the secret signer_ signs with (a rotated key may keep its id)
};

}  // namespace cloudsync::auth
