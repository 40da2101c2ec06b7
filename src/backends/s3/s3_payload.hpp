// The integrity headers of an upload body and its payload hash, chosen so
// that no byte is hashed twice: hashes the caller already knows are used for
// free (Content-MD5 from a known MD5, a known SHA-256 as the signed payload
// hash), and only what is still missing is computed, in ONE pre-pass over the
// (rewindable) source, before the request is sent: the provider's checksum
// (CRC32C is hardware-accelerated, MD5 is universal), the SHA-256 when
// payloads are signed, and the size when the source cannot tell it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "cloudsync/backends/s3.hpp"
#include "http/http.hpp"

namespace cloudsync::s3 {

struct PayloadPlan {
  uint64_t size = 0;
  std::string payload_hash;      ///< hex SHA-256 or UNSIGNED-PAYLOAD
  std::string content_md5;       ///< base64, or empty
  std::string crc32c;            ///< base64 x-amz-checksum-crc32c, or empty
  bool announce_crc32c = false;  ///< x-amz-sdk-checksum-algorithm: CRC32C (a checksum probe)
  std::string whole_crc32c;      ///< hex CRC32C of the body (known or computed), or empty
  HashSet computed;              ///< what the pre-pass hashed (tests and logs)
  bool pre_pass = false;         ///< the source was read twice
};

struct PayloadRules {
  S3Checksum checksum = S3Checksum::Md5;  ///< resolved (never Auto)
  bool sign_payload = false;
  /// Send the checksum even when a signed payload hash already covers the
  /// bytes (multipart parts of an upload that declared a checksum algorithm).
  bool require_checksum = false;
  /// Find the body's CRC32C for x-amz-meta-cloudsync-crc32c when the caller
  /// does not know it: in the pre-pass, which this forces only for sources
  /// that can be read twice.
  bool want_crc32c = false;
  /// Content-MD5 as well as the checksum: for bytes whose CRC32C the store
  /// may not verify (a checksum probe, parts of an upload that declared
  /// CRC32C to a store found not to verify it).
  bool with_md5 = false;
  /// Announce the CRC32C (x-amz-sdk-checksum-algorithm): a checksum probe,
  /// whose answer should echo it.
  bool announce_crc32c = false;
};

/// Plans the body `data` of declared size `size` (nullopt: unknown, counted).
Result<PayloadPlan> plan_payload(ByteSource& data, std::optional<uint64_t> size, const HashSet& known,
                                 const PayloadRules& rules, const OpContext& ctx);

/// Content-MD5, x-amz-checksum-crc32c and its announcement as planned.
void add_payload_headers(const PayloadPlan& plan, http::Headers& headers);

}  // namespace cloudsync::s3
