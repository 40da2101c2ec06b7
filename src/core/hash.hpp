// Content hashing and the small crypto helpers signers need, on OpenSSL EVP
// (MD5, SHA-256, HMAC) plus a CRC32C that uses SSE4.2 when the CPU has it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "cloudsync/status.hpp"
#include "cloudsync/types.hpp"

namespace cloudsync {

/// Computes several hash kinds in one pass over the data.
class Hasher {
 public:
  explicit Hasher(HashKinds kinds);
  ~Hasher();
  Hasher(Hasher&&) noexcept;
  Hasher& operator=(Hasher&&) noexcept;

  HashKinds kinds() const noexcept { return kinds_; }
  void update(std::string_view data);
  /// The digests as lower-case hex; the hasher is reset afterwards.
  HashSet finish();

 private:
  struct Impl;
  HashKinds kinds_;
  std::unique_ptr<Impl> impl_;
};

/// Extends a CRC32C (Castagnoli) over `data`; start with crc = 0.
uint32_t crc32c_extend(uint32_t crc, std::string_view data);
/// The CRC32C of A followed by B from crc(A), crc(B) and B's length, without
/// the data (zlib's crc32_combine for the Castagnoli polynomial): pieces of
/// one object hashed apart, e.g. by parallel ranged reads, make the whole's.
uint32_t crc32c_combine(uint32_t crc_a, uint32_t crc_b, uint64_t length_b);

std::string to_hex(std::string_view bytes);
/// Decodes hex (either case); InvalidArgument on odd length or a non-hex digit.
Result<std::string> from_hex(std::string_view hex);

std::string base64_encode(std::string_view bytes);
/// URL-safe alphabet without padding (JWT).
std::string base64url_encode(std::string_view bytes);
/// Accepts the standard alphabet with or without padding.
Result<std::string> base64_decode(std::string_view text);

/// Raw digests.
std::string md5_digest(std::string_view data);
std::string sha256_digest(std::string_view data);
std::string hmac_sha256(std::string_view key, std::string_view data);

/// Hex digest of SHA-256 (SigV4 payload hashes).
std::string sha256_hex(std::string_view data);
/// Hex digest of SHA-1: only to name files other tools name that way (the
/// AWS SSO token cache), never for integrity.
std::string sha1_hex(std::string_view data);

/// Cryptographically random bytes as lower-case hex (2 * bytes characters).
std::string random_hex(size_t bytes);

}  // namespace cloudsync
