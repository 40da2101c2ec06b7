#include "backends/s3/s3_checksum_learning.hpp"

#include <array>
#include <utility>

#include "core/ascii.hpp"
#include "core/error.hpp"
#include "core/log.hpp"

namespace cloudsync::s3 {

namespace {

constexpr std::string_view kCrc32cHeader = "x-amz-checksum-crc32c";
constexpr std::string_view kAnnounceHeader = "x-amz-sdk-checksum-algorithm";
constexpr std::string_view kDeclareHeader = "x-amz-checksum-algorithm";

// What stores answer to a checksum header they do not take: AWS's own word for
// an unsupported request, GCS's, R2's 501 (edge-cases.md, "default integrity
// protections" broke them). BadDigest is not among them: that is the data.
bool refuses_checksum_header(const Status& status) {
  if (status.http_status() == 501) return true;
  static constexpr std::array<std::string_view, 3> kCodes{"InvalidRequest", "InvalidArgument", "NotImplemented"};
  if (status.http_status() != 400) return false;
  for (std::string_view code : kCodes) {
    if (status.provider_code() == code) return true;
  }
  return false;
}

bool echoes(const http::Response& answer, std::string_view sent) {
  auto echoed = answer.headers.get(kCrc32cHeader);
  return !sent.empty() && echoed && trim(*echoed) == sent;
}

}  // namespace

std::string endpoint_key(const http::Url& endpoint) { return endpoint.scheme + "://" + endpoint.authority(); }

ChecksumLearner::ChecksumLearner(std::string endpoint, std::shared_ptr<EndpointFacts> facts)
    : endpoint_(std::move(endpoint)), facts_(std::move(facts)) {}

ChecksumChoice ChecksumLearner::choose() {
  std::lock_guard lock(mutex_);
  if (state_ == State::Unread) {
    state_ = State::Unknown;
    Result<std::optional<std::string>> known = facts_->get(endpoint_, kChecksumFact);
    if (!known.ok()) {
      log(LogLevel::Warn, "could not read what is known of {}: {}", endpoint_, known.status().to_string());
    } else if (*known == "crc32c") {
      state_ = State::Crc32c;
    } else if (*known == "md5") {
      state_ = State::Md5;
    }
  }
  switch (state_) {
    case State::Crc32c: return {S3Checksum::Crc32c, false};
    case State::Unknown: state_ = State::Probing; return {S3Checksum::Crc32c, true};
    default: return {S3Checksum::Md5, false};
  }
}

std::optional<S3Checksum> ChecksumLearner::learned() const {
  std::lock_guard lock(mutex_);
  if (state_ == State::Crc32c) return S3Checksum::Crc32c;
  if (state_ == State::Md5) return S3Checksum::Md5;
  return std::nullopt;
}

void ChecksumLearner::learn(bool verified, std::string_view why) {
  {
    std::lock_guard lock(mutex_);
    if (state_ == State::Crc32c || state_ == State::Md5) return;
    state_ = verified ? State::Crc32c : State::Md5;
  }
  log(LogLevel::Info, "{} {}: uploads send {} from now on", endpoint_, why, verified ? "CRC32C" : "Content-MD5");
  Status kept = facts_->put(endpoint_, kChecksumFact, verified ? "crc32c" : "md5");
  if (!kept.ok()) log(LogLevel::Warn, "could not remember what {} verifies: {}", endpoint_, kept.to_string());
}

void ChecksumLearner::abandon() {
  std::lock_guard lock(mutex_);
  if (state_ == State::Probing) state_ = State::Unknown;
}

Result<http::Response> send_checksum_probe(S3Client& client, S3Request& request, ChecksumLearner& learner,
                                           bool answer_tells, const OpContext& ctx, SendInfo* info) {
  const std::string sent(request.headers.get(kCrc32cHeader).value_or(""));
  Result<http::Response> answer = client.send(request, ctx, info);
  if (answer.ok()) {
    if (!answer_tells) return answer;
    if (echoes(*answer, sent)) {
      learner.learn(true, "verifies x-amz-checksum-crc32c (the answer echoed it)");
    } else {
      learner.learn(false, "does not answer x-amz-checksum-crc32c (it may not verify it)");
    }
    return answer;
  }
  if (!refuses_checksum_header(answer.status())) {
    learner.abandon();
    return answer;
  }
  log(LogLevel::Info, "{}: {} refused x-amz-checksum-crc32c ({}); sending it again with Content-MD5 alone",
      request.what, learner.endpoint(), answer.status().provider_code());
  for (std::string_view header : {kCrc32cHeader, kAnnounceHeader, kDeclareHeader}) request.headers.remove(header);
  if (request.body != nullptr) {
    Status rewound = request.body->rewind();
    if (!rewound.ok()) {
      learner.abandon();
      return rewound.with_context(request.what);
    }
  }
  Result<http::Response> again = client.send(request, ctx, info);
  if (again.ok()) {
    learner.learn(false, "refuses x-amz-checksum-crc32c");
  } else {
    learner.abandon();
  }
  return again;
}

}  // namespace cloudsync::s3
