// RS256 JSON Web Tokens (RFC 7515 compact serialisation, RFC 7518 §3.3) on
// OpenSSL: what a Google service account or an Entra client certificate signs
// to get an access token.
//
// The caller supplies the header and claims as JSON text and those exact bytes
// are signed: JSON has many spellings of one object, and a signature covers
// one spelling.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "cloudsync/status.hpp"

struct evp_pkey_st;

namespace cloudsync::auth {

/// An RSA private key for RS256. Immutable once parsed; copies share the key
/// and sign() may run on several threads at once.
class RsaPrivateKey {
 public:
  /// Parses a PEM private key: PKCS#8 "BEGIN PRIVATE KEY" (the `private_key`
  /// of a Google service-account key file) or PKCS#1 "BEGIN RSA PRIVATE KEY".
  /// Line breaks may be real newlines, CRLF, or the two characters `\n` (a key
  /// pasted out of its JSON file or an environment variable). The key text is
  /// registered as a secret. Encrypted keys, non-RSA keys and keys shorter than
  /// 2048 bits (RFC 7518 §3.3) fail with InvalidArgument; no message contains
  /// key material.
  static Result<RsaPrivateKey> from_pem(std::string_view pem);

  /// RSASSA-PKCS1-v1_5 signature with SHA-256 over `data` (raw bytes, as long
  /// as the modulus). Deterministic: one key and input give one signature.
  Result<std::string> sign_sha256(std::string_view data) const;

  /// Modulus size in bits.
  int bits() const noexcept;

 private:
  explicit RsaPrivateKey(std::shared_ptr<evp_pkey_st> key) : key_(std::move(key)) {}
  std::shared_ptr<evp_pkey_st> key_;
};

/// base64url(header_json) "." base64url(claims_json): the JWS signing input.
std::string jwt_signing_input(std::string_view header_json, std::string_view claims_json);

/// The compact RS256 JWT: signing input "." base64url(signature). The result
/// is a bearer credential until it expires; it is registered as a secret.
Result<std::string> sign_jwt_rs256(const RsaPrivateKey& key, std::string_view header_json,
                                   std::string_view claims_json);

}  // namespace cloudsync::auth
