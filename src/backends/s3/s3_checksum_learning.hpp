// checksum=auto on an S3-compatible endpoint of unknown make: whether the store
// verifies x-amz-checksum-crc32c is asked of the store by the first upload,
// and remembered (EndpointFacts, fact "s3.checksum": "crc32c" or "md5").
//
// The asking upload (the probe) sends x-amz-checksum-crc32c with
// x-amz-sdk-checksum-algorithm (stores modelled on the AWS SDKs answer with
// the checksum only when it is announced) AND Content-MD5: whatever the
// answer, every S3 implementation has verified that upload by its MD5, so a
// store that ignores the CRC32C never stores an unverified probe. Then:
//  - a 2xx answer that echoes the CRC32C sent: the store verified it; uploads
//    send CRC32C (which the transfer computes anyway) and no MD5 from then on;
//  - a 2xx answer without it: MD5 from then on;
//  - a refusal of the header itself (501, or 400 InvalidRequest,
//    InvalidArgument or NotImplemented): the same request goes again at once
//    without the CRC32C headers (its Content-MD5 still verifies it), and MD5
//    is learned only when that one succeeds (else the refusal was not about
//    the header, and nothing is learned);
//  - anything else (BadDigest, a dropped connection, a cancellation): no
//    answer; the next upload asks again.
// One probe at a time per backend: uploads that start while it runs send MD5,
// what they sent before there was anything to learn.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "backends/s3/s3_client.hpp"
#include "cloudsync/backends/s3.hpp"
#include "cloudsync/endpoint_facts.hpp"

namespace cloudsync::s3 {

/// The EndpointFacts fact this file keeps.
inline constexpr std::string_view kChecksumFact = "s3.checksum";

/// What one upload sends.
struct ChecksumChoice {
  S3Checksum checksum = S3Checksum::Md5;
  /// This upload asks the store (see above): CRC32C, announced, and Content-MD5.
  bool probe = false;
};

class ChecksumLearner {
 public:
  /// `endpoint`: "scheme://host[:port]" (the memory's key); `facts`: never null.
  ChecksumLearner(std::string endpoint, std::shared_ptr<EndpointFacts> facts);

  /// The checksum the next upload sends. The memory is read at the first call.
  ChecksumChoice choose();
  /// What is known (nullopt: nothing yet).
  std::optional<S3Checksum> learned() const;
  /// The probe's answer: `verified` when the store echoed the CRC32C sent.
  /// The first answer stays (later ones of the same probe change nothing).
  void learn(bool verified, std::string_view why);
  /// The probe ended without an answer: the next upload asks again.
  void abandon();

  const std::string& endpoint() const noexcept { return endpoint_; }

 private:
  enum class State { Unread, Unknown, Probing, Crc32c, Md5 };

  std::string endpoint_;
  std::shared_ptr<EndpointFacts> facts_;
  mutable std::mutex mutex_;
  State state_ = State::Unread;
};

/// Abandons the probe of `learner` (if it is still unanswered) when it goes
/// out of scope: an upload that failed before its answer leaves the question
/// to the next one. Null: nothing to do.
class UnansweredProbe {
 public:
  explicit UnansweredProbe(ChecksumLearner* learner) : learner_(learner) {}
  UnansweredProbe(const UnansweredProbe&) = delete;
  UnansweredProbe& operator=(const UnansweredProbe&) = delete;
  ~UnansweredProbe() {
    if (learner_ != nullptr) learner_->abandon();
  }
  /// Someone else answers it now (a multipart upload's parts).
  void hand_over() noexcept { learner_ = nullptr; }

 private:
  ChecksumLearner* learner_;
};

/// The memory's key of an endpoint: "scheme://host[:port]", nothing else.
std::string endpoint_key(const http::Url& endpoint);

/// Sends `request`, a probe (its headers as plan_payload made them for
/// ChecksumChoice::probe), and learns what its answer says (see above): on a
/// refusal of the checksum headers, sends it again at once without them.
/// `answer_tells`: a 2xx answer says whether the CRC32C was verified (a
/// payload request); false for CreateMultipartUpload, where only a refusal
/// says something.
Result<http::Response> send_checksum_probe(S3Client& client, S3Request& request, ChecksumLearner& learner,
                                           bool answer_tells, const OpContext& ctx, SendInfo* info = nullptr);

}  // namespace cloudsync::s3
