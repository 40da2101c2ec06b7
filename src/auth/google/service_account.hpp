// Google service accounts: the JSON key file, the signed JWT assertion
// (RFC 7523; developers.google.com/identity/protocols/oauth2/service-account)
// and its exchange for an access token.
//
// Note for Drive: a service account has no storage quota of its own, so it
// cannot upload into a user's My Drive; it works on shared drives, or as a
// user of the domain through domain-wide delegation (`subject`).
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/google/google_endpoints.hpp"
#include "auth/oauth/jwt.hpp"
#include "auth/oauth/token_cache.hpp"
#include "auth/oauth/token_endpoint.hpp"

namespace cloudsync::auth {

/// The fields of a service-account key file that signing needs.
struct ServiceAccountKey {
  std::string client_email;    ///< the assertion's iss
  std::string private_key_id;  ///< the header's kid; may be empty
  std::string token_uri;       ///< where to exchange assertions; empty: kGoogleTokenUri
  std::string project_id;      ///< informational
  RsaPrivateKey private_key;
};

/// Parses key-file JSON (a file's content, or text an integration stored).
/// `type` must be "service_account"; client_email and private_key are
/// required (its "\n" escapes are newlines once the JSON is decoded). The
/// private key is registered as a secret. InvalidArgument otherwise, never
/// quoting the key.
Result<ServiceAccountKey> parse_service_account_key(std::string_view json_text);

/// Reads and parses the key file at `path`, or, when `path` is empty, the file
/// named by GOOGLE_APPLICATION_CREDENTIALS (Unauthenticated when that is unset).
Result<ServiceAccountKey> load_service_account_key(const std::filesystem::path& path = {});

/// Longest assertion lifetime Google accepts (exp - iat).
inline constexpr std::chrono::seconds kMaxAssertionLifetime{3600};

struct ServiceAccountOptions {
  /// Requested scopes, e.g. kDriveReadonlyScope; at least one.
  std::vector<std::string> scopes;
  /// Domain-wide delegation: the user (email) to act as. Empty: the service
  /// account itself.
  std::string subject;
  /// exp - iat, at most kMaxAssertionLifetime.
  std::chrono::seconds lifetime = kMaxAssertionLifetime;
  /// Put private_key_id into the header as "kid" (when the key has one).
  bool include_key_id = true;
};

/// {"alg":"RS256","typ":"JWT"} plus ,"kid":"<private_key_id>" when wanted and known.
std::string assertion_header_json(const ServiceAccountKey& key, const ServiceAccountOptions& options);

/// {"iss":<client_email>,"scope":<scopes joined by ' '>,"aud":<audience>,
/// "exp":<iat + lifetime>,"iat":<issued_at in Unix seconds>} and ,"sub":<subject>
/// at the end when given: these exact bytes are signed.
std::string assertion_claims_json(const ServiceAccountKey& key, const ServiceAccountOptions& options,
                                  std::string_view audience, TimePoint issued_at);

/// The signed assertion (registered as a secret). InvalidArgument for options
/// Google would refuse: no scope, a scope with a space, a lifetime outside
/// (0, 3600] s.
Result<std::string> make_service_account_assertion(const ServiceAccountKey& key, const ServiceAccountOptions& options,
                                                   std::string_view audience, TimePoint issued_at);

/// The uncached flow: each fetch() signs a new assertion (issued at the
/// cache's `now` as the authority's answers correct it, aud = the token URI; made
/// again once when the authority's refusal shows our clock is off) and posts
/// grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=... to the
/// token URI: options.token_uri if set, else the key file's token_uri, else
/// kGoogleTokenUri. The options are checked here (see above).
/// `local_clock` is the clock the `now` of fetch() comes from (the cache's;
/// empty: the system clock): the authority's corrections are learned against it.
Result<std::unique_ptr<TokenSource>> make_service_account_source(ServiceAccountKey key, ServiceAccountOptions options,
                                                                 TokenEndpointOptions endpoint = {},
                                                                 std::function<TimePoint()> local_clock = {});

/// The flow behind a token cache.
Result<std::shared_ptr<TokenProvider>> make_service_account_provider(ServiceAccountKey key,
                                                                     ServiceAccountOptions options,
                                                                     TokenEndpointOptions endpoint = {},
                                                                     TokenCacheOptions cache = {});

}  // namespace cloudsync::auth
