#include "backends/s3/s3_payload.hpp"

#include <algorithm>
#include <memory>
#include <span>

#include "auth/aws/sigv4.hpp"
#include "backends/s3/s3_object_meta.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"

namespace cloudsync::s3 {

namespace {

constexpr size_t kReadChunk = 1 << 20;

}  // namespace

Result<PayloadPlan> plan_payload(ByteSource& data, std::optional<uint64_t> size, const HashSet& known,
                                 const PayloadRules& rules, const OpContext& ctx) {
  PayloadPlan plan;
  HashKinds to_compute = 0;

  // The payload hash: a known SHA-256 signs the payload for free.
  const bool sha256_known = known.sha256.size() == 64;
  if (!sha256_known && rules.sign_payload) to_compute |= hash_kinds(HashKind::Sha256);

  // The checksum: anything known is free; a signed SHA-256 already makes the
  // server verify every byte. Otherwise compute the provider's kind.
  const bool md5_known = known.md5.size() == 32;
  const bool crc_usable = rules.checksum == S3Checksum::Crc32c && known.crc32c.size() == 8;
  const bool covered = rules.require_checksum ? (rules.checksum == S3Checksum::Md5 ? md5_known : crc_usable)
                                              : (md5_known || crc_usable || sha256_known || rules.sign_payload);
  if (!covered && rules.checksum == S3Checksum::Md5) to_compute |= hash_kinds(HashKind::Md5);
  if (!covered && rules.checksum == S3Checksum::Crc32c) to_compute |= hash_kinds(HashKind::Crc32c);
  if (rules.with_md5 && !md5_known) to_compute |= hash_kinds(HashKind::Md5);
  if (rules.announce_crc32c && !crc_usable) to_compute |= hash_kinds(HashKind::Crc32c);
  // CRC32C costs little beside a read; a source that cannot start over (a
  // probe at its start is harmless) keeps its single pass.
  const bool crc_known = known.crc32c.size() == 8;
  if (rules.want_crc32c && !crc_known && (to_compute != 0 || !size || data.rewind().ok())) {
    to_compute |= hash_kinds(HashKind::Crc32c);
  }

  if (to_compute != 0 || !size) {
    plan.pre_pass = true;
    Hasher hasher(to_compute);
    // No larger than the payload and not zeroed (small objects are common).
    const size_t chunk = static_cast<size_t>(std::clamp<uint64_t>(size.value_or(kReadChunk), 1, kReadChunk));
    auto buf = std::make_unique_for_overwrite<char[]>(chunk);
    uint64_t total = 0;
    for (;;) {
      if (ctx.cancelled()) return Status(ErrorCode::Cancelled, "upload cancelled");
      CLOUDSYNC_ASSIGN_OR_RETURN(size_t n, data.read(std::span<char>(buf.get(), chunk)));
      if (n == 0) break;
      if (to_compute != 0) hasher.update(std::string_view(buf.get(), n));
      total += n;
    }
    Status rewound = data.rewind();
    if (!rewound.ok()) {
      return make_error(ErrorCode::Unsupported,
                        "the upload source cannot be read twice ({}); give its size and hashes up front",
                        rewound.message());
    }
    if (size && *size != total) {
      return make_error(ErrorCode::Integrity, "the upload source produced {} bytes, {} were announced", total, *size);
    }
    size = total;
    if (to_compute != 0) plan.computed = hasher.finish();
  }
  plan.size = *size;

  if (sha256_known) {
    plan.payload_hash = known.sha256;
  } else if (rules.sign_payload) {
    plan.payload_hash = plan.computed.sha256;
  } else {
    plan.payload_hash = std::string(auth::kUnsignedPayload);
  }
  std::string md5 = md5_known ? known.md5 : plan.computed.md5;
  if (!md5.empty()) {
    CLOUDSYNC_ASSIGN_OR_RETURN(plan.content_md5, base64_from_hex(md5));
  }
  plan.whole_crc32c = crc_known ? known.crc32c : plan.computed.crc32c;
  std::string crc = crc_usable ? known.crc32c : plan.computed.crc32c;
  if (!crc.empty() && rules.checksum == S3Checksum::Crc32c) {
    CLOUDSYNC_ASSIGN_OR_RETURN(plan.crc32c, base64_from_hex(crc));
    plan.announce_crc32c = rules.announce_crc32c;
  }
  return plan;
}

void add_payload_headers(const PayloadPlan& plan, http::Headers& headers) {
  if (!plan.content_md5.empty()) headers.set("Content-MD5", plan.content_md5);
  if (!plan.crc32c.empty()) headers.set("x-amz-checksum-crc32c", plan.crc32c);
  if (plan.announce_crc32c) headers.set("x-amz-sdk-checksum-algorithm", "CRC32C");
}

}  // namespace cloudsync::s3
