// One S3 multipart upload: parts (each with its own checksum, computed in one
// pre-pass), CompleteMultipartUpload (conditional like a PUT, and an <Error>
// inside its 200 is a failure), and AbortMultipartUpload, also on destruction.
#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>

#include "backends/s3/s3_backend.hpp"
#include "backends/s3/s3_object_meta.hpp"
#include "backends/s3/s3_xml.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/log.hpp"
#include "core/time.hpp"

namespace cloudsync::s3 {

namespace {

class S3MultipartUpload final : public MultipartUpload {
 public:
  S3MultipartUpload(std::shared_ptr<S3Client> client, std::string key, std::string upload_id, PutOptions options,
                    PayloadRules rules, std::shared_ptr<ChecksumLearner> probe)
      : client_(std::move(client)),
        key_(std::move(key)),
        upload_id_(std::move(upload_id)),
        options_(std::move(options)),
        rules_(rules),
        probe_(std::move(probe)),
        unanswered_(probe_.get()) {}

  ~S3MultipartUpload() override {
    if (finished_.load()) return;
    // Parts left behind cost storage until a lifecycle rule removes them.
    Status aborted = abort(OpContext{});
    if (!aborted.ok()) {
      log(LogLevel::Warn, "could not abort the unfinished upload of {} (id {}): {}", client_->describe(key_),
          upload_id_, aborted.to_string());
    }
  }

  Result<PartInfo> upload_part(uint32_t number, ByteSource& data, const OpContext& ctx) override {
    if (number < 1 || number > kMaxParts) {
      return make_error(ErrorCode::InvalidArgument, "S3 part numbers are 1 to {}, not {}", kMaxParts, number);
    }
    if (finished_.load()) {
      return make_error(ErrorCode::InvalidArgument, "the upload of {} is already finished", client_->describe(key_));
    }
    // Parts of an upload that asks the store whether it verifies CRC32C ask
    // too until one has the answer; MD5 verifies them where CRC32C is not.
    const std::optional<S3Checksum> learned = probe_ ? probe_->learned() : std::nullopt;
    const bool asking = probe_ && !learned;
    PayloadRules rules = rules_;
    rules.with_md5 = asking || learned == S3Checksum::Md5;
    rules.announce_crc32c = asking;
    CLOUDSYNC_ASSIGN_OR_RETURN(PayloadPlan plan, plan_payload(data, data.size(), HashSet{}, rules, ctx));
    if (plan.size > kMaxPartSize) {
      return make_error(ErrorCode::LimitExceeded, "part {} of {} has {} bytes, over S3's 5 GiB", number,
                        client_->describe(key_), plan.size);
    }
    S3Request request;
    request.method = "PUT";
    request.key = key_;
    request.query = {{"partNumber", std::to_string(number)}, {"uploadId", upload_id_}};
    request.body = &data;
    request.body_size = plan.size;
    request.payload_hash = plan.payload_hash;
    add_payload_headers(plan, request.headers);
    request.what = fmt::format("UploadPart {} #{}", client_->describe(key_), number);
    CLOUDSYNC_ASSIGN_OR_RETURN(http::Response response, asking
                                                            ? send_checksum_probe(*client_, request, *probe_, true, ctx)
                                                            : client_->send(request, ctx));
    if (asking && !request.headers.get("x-amz-checksum-crc32c")) plan.crc32c.clear();  // refused: sent without
    std::string etag = unquote_etag(response.headers.get("ETag").value_or(""));
    if (etag.empty()) return make_error(ErrorCode::BadResponse, "{}: the answer has no ETag", request.what);
    {
      std::lock_guard lock(mutex_);
      checksums_[number] = plan.crc32c;
    }
    return PartInfo{number, plan.size, std::move(etag)};
  }

  Result<ObjectMeta> complete(std::vector<PartInfo> parts, const OpContext& ctx) override {
    if (parts.empty()) {
      return make_error(ErrorCode::InvalidArgument, "completing {} needs at least one part", client_->describe(key_));
    }
    std::sort(parts.begin(), parts.end(), [](const PartInfo& a, const PartInfo& b) { return a.number < b.number; });
    std::vector<CompletedPart> completed;
    uint64_t total = 0;
    {
      std::lock_guard lock(mutex_);
      for (size_t i = 0; i < parts.size(); ++i) {
        if (i > 0 && parts[i].number == parts[i - 1].number) {
          return make_error(ErrorCode::InvalidArgument, "part {} of {} is listed twice", parts[i].number,
                            client_->describe(key_));
        }
        // Capabilities promise equal parts (R2 refuses anything else, and
        // equal parts keep multipart ETags reproducible): say so here rather
        // than let some stores accept what others reject.
        if (i + 1 < parts.size() && parts[i].size != parts.front().size) {
          return make_error(ErrorCode::InvalidArgument,
                            "parts of {} must all have the same size but the last (part {} has {} bytes, part {} {})",
                            client_->describe(key_), parts[i].number, parts[i].size, parts.front().number,
                            parts.front().size);
        }
        auto it = checksums_.find(parts[i].number);
        completed.push_back(CompletedPart{parts[i].number, parts[i].etag, it == checksums_.end() ? "" : it->second});
        total += parts[i].size;
      }
    }
    std::string body = build_complete_multipart(completed);
    MemorySource source(body);
    S3Request request;
    request.method = "POST";
    request.key = key_;
    request.query = {{"uploadId", upload_id_}};
    request.headers.set("Content-Type", "application/xml");
    request.body = &source;
    request.body_size = body.size();
    request.payload_hash = sha256_hex(body);
    request.error_in_200 = true;
    request.context = apply_put_mode(options_, client_->config().conditional_writes, request.headers);
    request.what = fmt::format("CompleteMultipartUpload {} ({} parts)", client_->describe(key_), parts.size());

    SendInfo info;
    Result<http::Response> answer = client_->send(request, ctx, &info);
    if (!answer.ok()) {
      // A completion whose answer was lost may have gone through: its retry
      // then finds the upload gone (NoSuchUpload) or, if conditional, the
      // object in place (412). That object carries our hashes, when we know them.
      ErrorCode code = answer.status().code();
      bool maybe_ours =
          code == ErrorCode::NotFound || code == ErrorCode::AlreadyExists || code == ErrorCode::PreconditionFailed;
      if (info.ambiguous && maybe_ours && !recorded_hashes().empty()) {
        ObjectMeta done;
        if (object_is_ours(total, ctx, done)) {
          finished_.store(true);
          return done;
        }
      }
      return answer.status();
    }
    CLOUDSYNC_ASSIGN_OR_RETURN(std::string etag, parse_complete_multipart(answer->body));
    finished_.store(true);
    ObjectMeta meta;
    meta.key = key_;
    meta.size = total;
    meta.etag = std::move(etag);
    meta.mtime = options_.mtime;
    meta.last_modified = now_utc();
    meta.content_type = options_.content_type;
    meta.metadata = options_.metadata;
    if (options_.mtime) meta.metadata[std::string(kMtimeKey)] = format_mtime(*options_.mtime);
    meta.hashes = recorded_hashes();
    return meta;
  }

  Status abort(const OpContext& ctx) override {
    S3Request request;
    request.method = "DELETE";
    request.key = key_;
    request.query = {{"uploadId", upload_id_}};
    request.what = fmt::format("AbortMultipartUpload {}", client_->describe(key_));
    Result<http::Response> answer = client_->send(request, ctx);
    if (!answer.ok() && answer.status().code() != ErrorCode::NotFound) return answer.status();
    finished_.store(true);
    return Status::OK();
  }

 private:
  // What md5chksum, cloudsync-sha256 and cloudsync-crc32c say about the object.
  HashSet recorded_hashes() const {
    const HashSet& known = options_.known_hashes;
    HashSet recorded;
    if (known.md5.size() == 32) recorded.md5 = known.md5;
    if (known.sha256.size() == 64) recorded.sha256 = known.sha256;
    if (known.crc32c.size() == 8) recorded.crc32c = known.crc32c;
    return recorded;
  }

  bool object_is_ours(uint64_t size, const OpContext& ctx, ObjectMeta& out) {
    S3Request request;
    request.method = "HEAD";
    request.key = key_;
    request.what = "HEAD " + client_->describe(key_);
    auto answer = client_->send(request, ctx);
    if (!answer.ok()) return false;
    auto meta = meta_from_response(*answer, key_);
    if (!meta.ok() || meta->size != size || recorded_hashes().matches(meta->hashes) != true) return false;
    log(LogLevel::Info, "{}: the completion had gone through before its answer was lost", client_->describe(key_));
    out = std::move(meta).value();
    return true;
  }

  std::shared_ptr<S3Client> client_;
  std::string key_;
  std::string upload_id_;
  PutOptions options_;
  PayloadRules rules_;
  std::shared_ptr<ChecksumLearner> probe_;  ///< null unless this upload asks the store (see upload_part)
  UnansweredProbe unanswered_;              ///< a question the parts never answered is asked again later
  std::mutex mutex_;
  std::map<uint32_t, std::string> checksums_;  ///< part number -> base64 CRC32C (empty when none)
  std::atomic<bool> finished_{false};
};

}  // namespace

std::unique_ptr<MultipartUpload> make_s3_multipart_upload(std::shared_ptr<S3Client> client, std::string key,
                                                          std::string upload_id, PutOptions options, PayloadRules rules,
                                                          std::shared_ptr<ChecksumLearner> probe) {
  return std::make_unique<S3MultipartUpload>(std::move(client), std::move(key), std::move(upload_id),
                                             std::move(options), rules, std::move(probe));
}

}  // namespace cloudsync::s3
