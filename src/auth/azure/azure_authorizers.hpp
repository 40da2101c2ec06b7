// Azure Storage's two credentials as http::Authorizers: SharedKey signs every
// attempt afresh, its x-ms-date taken from the client's server-corrected clock
// (the service refuses a date more than 15 minutes off, and says its own time
// in the Date header of that refusal); a SAS is appended to the URL of every
// attempt. Neither can be refreshed: a 401 is the answer.
#pragma once

#include <memory>

#include "auth/azure/sas.hpp"
#include "auth/azure/shared_key.hpp"
#include "http/client.hpp"

namespace cloudsync::auth {

class SharedKeyAuthorizer final : public http::Authorizer {
 public:
  SharedKeyAuthorizer(AzureSharedKeySigner signer, std::shared_ptr<const http::ServerClock> clock)
      : signer_(std::move(signer)), clock_(std::move(clock)) {}

  /// The request must carry x-ms-version already (see AzureSharedKeySigner::sign).
  Status authorize(http::Request& request, uint32_t attempt, const OpContext& ctx) override;

 private:
  AzureSharedKeySigner signer_;
  std::shared_ptr<const http::ServerClock> clock_;
};

class SasAuthorizer final : public http::Authorizer {
 public:
  explicit SasAuthorizer(AzureSasToken token) : token_(std::move(token)) {}

  /// Appends the token to the request's query.
  Status authorize(http::Request& request, uint32_t attempt, const OpContext& ctx) override;

 private:
  AzureSasToken token_;
};

}  // namespace cloudsync::auth
