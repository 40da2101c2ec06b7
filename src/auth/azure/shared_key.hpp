// Azure Storage SharedKey request signing (the "Shared Key" scheme of
// learn.microsoft.com/rest/api/storageservices/authorize-with-shared-key),
// for x-ms-version 2015-02-21 and later.
#pragma once

#include <string>
#include <string_view>

#include "cloudsync/status.hpp"
#include "cloudsync/types.hpp"
#include "http/http.hpp"

namespace cloudsync::auth {

/// Signs requests with a storage account's name and key. Immutable and
/// thread-safe after construction; copies share nothing mutable.
class AzureSharedKeySigner {
 public:
  /// Validates the account name (letters, digits, '-', '_', '.') and the key
  /// (standard base64, non-empty once decoded) and registers the key as a
  /// secret. InvalidArgument otherwise; messages never repeat either value,
  /// since a swapped pair would put the key in the account's place.
  static Result<AzureSharedKeySigner> create(std::string account, std::string_view base64_key);

  const std::string& account() const noexcept { return account_; }

  /// Sets x-ms-date to `now`, then sets Authorization to
  /// "SharedKey <account>:<signature>". The request must already carry every
  /// header it will be sent with, including x-ms-version (2015-02-21 or later;
  /// InvalidArgument when missing or older): anything added after signing
  /// breaks the signature. The URL must be absolute and percent-encoded as sent.
  Status sign(http::Request& request, TimePoint now) const;

  /// The string-to-sign for the request as it stands (sign() uses it; tests and
  /// 403 diagnostics compare it with the service's). Content-Length 0 is signed
  /// empty; Date is signed empty when x-ms-date is present; x-ms-* headers are
  /// lower-cased, trimmed, repeated names joined with ',' and sorted in the
  /// service's order (header_order.hpp); the canonicalised resource is
  /// "/<account><encoded path>" (so a path-style URL, whose path starts with the
  /// account, names the account twice) plus "\n<name>:<values>" per query name,
  /// names lower-cased and sorted, values decoded, sorted and joined with ','.
  /// InvalidArgument for an unparsable URL or a header value with CR or LF.
  Result<std::string> string_to_sign(const http::Request& request) const;

  /// Base64 of HMAC-SHA256(account key, text): the signature of a SharedKey
  /// string-to-sign and of a SAS string-to-sign alike.
  std::string signature(std::string_view text) const;

 private:
  AzureSharedKeySigner(std::string account, std::string key) : account_(std::move(account)), key_(std::move(key)) {}

  std::string account_;
  std::string key_;  // decoded bytes
};

}  // namespace cloudsync::auth
