// AWS Signature Version 4 (header and presigned-URL signing) on the OpenSSL
// helpers of core/hash.hpp, for the S3 backend and for the published generic
// test suite.
//
// Two canonical-URI rules exist and mixing them up is the classic S3 bug:
//  - SigV4Mode::S3: the canonical URI is the request path exactly as sent. The
//    S3 backend builds that path with uri_encode_s3_key() (every key byte
//    encoded once), and S3 never normalises: "a/../b", "./x", "dir//x" and a
//    trailing '/' are literal key bytes. sign() refuses a path that is not in
//    that encoded form, because S3 would re-encode it differently and answer
//    SignatureDoesNotMatch (or address another key).
//  - SigV4Mode::Generic: the rules for other AWS services and for the
//    aws-c-auth suite: the path as sent is (optionally) dot-segment normalised
//    and slash-collapsed, then encoded again, so an already-encoded "%20"
//    becomes "%2520".
//
// Headers that are signed: every header on the request, plus `host` (taken
// from the URL, with a non-default port), except
//  - authorization (the signature's own slot), user-agent and x-amzn-trace-id
//    (rewritten by proxies and SDK layers), expect, and the hop-by-hop headers
//    connection, keep-alive, proxy-authorization, proxy-connection, te,
//    transfer-encoding, upgrade, which proxies may add, change or drop;
//  - content-length in S3 mode: the transport owns framing (it sends
//    Request::body_size), S3 does not need it signed, and a proxy that
//    re-frames the body must not break the signature. Generic mode signs it
//    when present, as the published suite expects.
// So S3 requests sign every x-amz-* header, Content-MD5, Content-Type, Range,
// If-* and Date whenever the backend sets them.
//
// The payload hash (last line of the canonical request) is the value of the
// request's x-amz-content-sha256 header when present. The S3 backend always
// sets it (hex SHA-256 of the body, kUnsignedPayload, or kEmptyPayloadSha256)
// and it is then signed like every x-amz-* header. Without the header the
// caller's fallback is used; it is not added to the request.
//
// Signers are immutable after construction apart from the signing-key cache,
// which is internally locked: sign() and presign() may run concurrently.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cloudsync/status.hpp"
#include "cloudsync/types.hpp"
#include "http/http.hpp"

namespace cloudsync::auth {

/// Hex SHA-256 of the empty string: the payload hash of a body-less request.
inline constexpr std::string_view kEmptyPayloadSha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
/// The payload hash S3 accepts in place of a body digest (always used by presigned URLs).
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
/// Longest X-Amz-Expires SigV4 allows (7 days).
inline constexpr std::chrono::seconds kMaxPresignExpiry{604800};

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  ///< empty for long-term keys
  /// When temporary credentials stop working; TimePoint::max() for keys
  /// without a known expiry.
  TimePoint expires_at = TimePoint::max();
};

enum class SigV4Mode {
  S3,       ///< canonical URI = the path as sent; never normalised, never re-encoded
  Generic,  ///< path optionally normalised, then encoded a second time
};

/// The one encoder for S3 object keys, used for the wire path AND (through it)
/// the canonical URI: '/' is kept, every other byte except A-Z a-z 0-9 - . _ ~
/// becomes %XX with upper-case hex (space is %20, never '+'). No normalisation.
std::string uri_encode_s3_key(std::string_view key);

/// The SigV4 signing key (32 raw bytes): HMAC chain "AWS4"+secret -> date
/// ("YYYYMMDD") -> region -> service -> "aws4_request".
std::string derive_sigv4_signing_key(std::string_view secret_access_key, std::string_view date, std::string_view region,
                                     std::string_view service);

/// The intermediate values of one signature, for tests and diagnostics. They
/// hold no secret other than a session token inside canonical_request.
struct SigV4Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signed_headers;  ///< "host;x-amz-date"
  std::string signature;       ///< lower-case hex
};

class SigV4Signer {
 public:
  /// `normalize_path` applies to Generic mode only; S3 mode never normalises.
  /// The secret key and session token are registered with register_secret().
  SigV4Signer(AwsCredentials credentials, std::string region, std::string service, SigV4Mode mode,
              bool normalize_path = false);
  ~SigV4Signer();
  /// Movable (a moved-from signer may only be destroyed or assigned to), not copyable.
  SigV4Signer(SigV4Signer&&) noexcept;
  SigV4Signer& operator=(SigV4Signer&&) noexcept;
  SigV4Signer(const SigV4Signer&) = delete;
  SigV4Signer& operator=(const SigV4Signer&) = delete;

  /// Header signing: sets x-amz-date (from `now`, UTC), x-amz-security-token
  /// when the credentials have a session token (signed), and Authorization.
  /// Any previous values of those headers are replaced, so a request can be
  /// re-signed. Payload hash: the x-amz-content-sha256 header, else the empty-body hash.
  /// InvalidArgument for a malformed URL, an S3 path not in uri_encode_s3_key
  /// form, or a Host header that disagrees with the URL.
  Status sign(http::Request& request, TimePoint now) const;
  /// sign() with an explicit payload hash for requests without an
  /// x-amz-content-sha256 header, returning the intermediate values.
  Result<SigV4Signature> sign_detailed(http::Request& request, TimePoint now,
                                       std::string_view fallback_payload_hash = kEmptyPayloadSha256) const;

  /// A presigned URL for `method` on `url` (query parameters kept and signed),
  /// signing only `host`. Payload hash: kUnsignedPayload in S3 mode, the
  /// empty-body hash in Generic mode. 1 s <= expires <= kMaxPresignExpiry.
  Result<std::string> presign(std::string_view method, std::string_view url, std::chrono::seconds expires,
                              TimePoint now) const;
  /// Query signing of a whole request: the request's signable headers are
  /// signed too (the caller must send them with the URL) and request.url is
  /// replaced by the presigned URL. The X-Amz-* parameters (with
  /// X-Amz-Security-Token when there is a session token) are inside the signed
  /// canonical query; X-Amz-Signature is appended. Payload hash: the
  /// x-amz-content-sha256 header, else `fallback_payload_hash`, else the
  /// mode's default as in presign(). The header is never copied to the query.
  Result<SigV4Signature> presign_detailed(http::Request& request, std::chrono::seconds expires, TimePoint now,
                                          std::optional<std::string_view> fallback_payload_hash = std::nullopt) const;

  const std::string& access_key_id() const noexcept { return credentials_.access_key_id; }
  const std::string& session_token() const noexcept { return credentials_.session_token; }
  const std::string& region() const noexcept { return region_; }
  const std::string& service() const noexcept { return service_; }
  SigV4Mode mode() const noexcept { return mode_; }

  /// How many signing keys this signer has derived: one per UTC date in use,
  /// not one per request (the cache is what keeps signing cheap).
  uint64_t signing_key_derivations() const noexcept;

 private:
  struct KeyCache;

  /// "YYYYMMDD/region/service/aws4_request"
  std::string credential_scope(std::string_view date) const;
  /// Hashes `canonical_request` into the string to sign and signs it with the
  /// cached key of the date in `amz_date` ("YYYYMMDDTHHMMSSZ").
  SigV4Signature finish(std::string canonical_request, std::string signed_headers, std::string_view amz_date,
                        std::string_view scope) const;

  AwsCredentials credentials_;
  std::string region_;
  std::string service_;
  SigV4Mode mode_;
  bool normalize_path_;
  std::unique_ptr<KeyCache> cache_;
};

}  // namespace cloudsync::auth
