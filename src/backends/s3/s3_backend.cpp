#include "backends/s3/s3_backend.hpp"

#include <algorithm>

#include "backends/s3/s3_xml.hpp"
#include "cloudsync/backends/s3.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/log.hpp"

namespace cloudsync::s3 {

namespace {

constexpr size_t kDeleteBatch = 1000;

}  // namespace

Status check_object_key(const Path& path) {
  if (path.is_root()) return make_error(ErrorCode::InvalidArgument, "the bucket root is not an object");
  if (path.str().size() > kMaxKeyBytes) {
    return make_error(ErrorCode::InvalidArgument, "S3 keys are at most {} bytes; '{}...' has {}", kMaxKeyBytes,
                      path.str().substr(0, 40), path.str().size());
  }
  return Status::OK();
}

Capabilities s3_capabilities(const S3Config& config) {
  Capabilities caps;
  // x-amz-meta-mtime carries nine fraction digits (ours and rclone's).
  caps.mtime_precision = std::chrono::nanoseconds(1);
  // Single-part ETags are MD5s, multipart uploads carry md5chksum when the
  // MD5 is known, and our writes carry the whole object's CRC32C: the cheap
  // one, which is what uploads compute by default.
  caps.hashes = HashKind::Md5 | HashKind::Crc32c;
  caps.get_reports_hashes = true;  // ETag and x-amz-meta-* come with every answer
  caps.conditional_create = config.conditional_writes;
  caps.conditional_update = config.conditional_writes;
  caps.case_sensitive = true;
  caps.duplicate_names = false;
  caps.hierarchical = false;
  caps.ranged_get = true;
  caps.max_key_bytes = kMaxKeyBytes;
  caps.max_batch_delete = static_cast<uint32_t>(kDeleteBatch);
  caps.server_side_copy = !config.anonymous;
  caps.multipart.supported = true;
  caps.multipart.parallel = true;
  caps.multipart.equal_parts = true;  // R2 demands it; equal parts also make ETags reproducible
  caps.multipart.min_part_size = config.min_part_size;
  caps.multipart.max_part_size = kMaxPartSize;
  caps.multipart.part_size_multiple = 1;
  caps.multipart.max_parts = kMaxParts;
  caps.multipart.default_part_size = config.part_size;
  caps.multipart.threshold = config.multipart_threshold;
  return caps;
}

S3Backend::S3Backend(std::shared_ptr<S3Client> client)
    : client_(std::move(client)), caps_(s3_capabilities(client_->config())) {
  const S3Config& config = client_->config();
  if (config.learn_checksum) {
    checksum_learner_ = std::make_shared<ChecksumLearner>(endpoint_key(config.endpoint), config.endpoint_facts);
  }
}

std::shared_ptr<S3Backend> make_s3_bucket_backend(S3Config config) {
  auto transport = http::make_curl_transport(config.client);
  auto client = std::make_shared<S3Client>(std::move(config), std::move(transport));
  return std::make_shared<S3Backend>(std::move(client));
}

Result<std::vector<Status>> S3Backend::remove_many(std::span<const Path> paths, const OpContext& ctx) {
  std::vector<Status> out(paths.size());
  if (ctx.cancelled()) return Status(ErrorCode::Cancelled, "delete cancelled");
  for (size_t start = 0; start < paths.size(); start += kDeleteBatch) {
    size_t end = std::min(paths.size(), start + kDeleteBatch);
    std::vector<std::string> keys;
    std::unordered_multimap<std::string, size_t> index;
    for (size_t i = start; i < end; ++i) {
      if (paths[i].is_root()) {
        out[i] = make_error(ErrorCode::InvalidArgument, "the bucket root is not an object");
        continue;
      }
      keys.push_back(paths[i].str());
      index.emplace(paths[i].str(), i);
    }
    if (keys.empty()) continue;
    std::string body = build_delete_objects(keys);
    MemorySource source(body);
    S3Request request;
    request.method = "POST";
    request.query = {{"delete", ""}};
    request.headers.set("Content-Type", "application/xml");
    // Required by S3 and MinIO for DeleteObjects; the body is small, hashing it is free.
    request.headers.set("Content-MD5", base64_encode(md5_digest(body)));
    request.body = &source;
    request.body_size = body.size();
    request.payload_hash = sha256_hex(body);
    request.error_in_200 = true;
    request.what = fmt::format("DeleteObjects {} ({} keys)", client_->describe(""), keys.size());

    auto fail_batch = [&](const Status& s) {
      for (size_t i = start; i < end; ++i) {
        if (out[i].ok() && !paths[i].is_root()) out[i] = s;
      }
    };
    Result<http::Response> answer = client_->send(request, ctx);
    if (!answer.ok()) {
      fail_batch(answer.status());
      continue;
    }
    Result<std::vector<DeleteFailure>> failures = parse_delete_result(answer->body);
    if (!failures.ok()) {
      fail_batch(failures.status());
      continue;
    }
    std::string request_id(answer->headers.get("x-amz-request-id").value_or(""));
    for (const DeleteFailure& f : *failures) {
      if (f.code == "NoSuchKey") continue;  // already gone counts as deleted
      auto [first, last] = index.equal_range(f.key);
      for (auto it = first; it != last; ++it) {
        out[it->second] =
            Status(error_code_for_s3(f.code, 0), fmt::format("delete {}: {}", client_->describe(f.key), f.message))
                .with_provider_details(answer->status, f.code, request_id);
      }
    }
  }
  return out;
}

}  // namespace cloudsync::s3
