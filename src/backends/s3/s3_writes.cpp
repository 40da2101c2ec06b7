// Writes: single PUTs with the payload rules of the store (checksums,
// conditional headers, or a read before the write where the store has no
// conditions), and the start of multipart uploads (s3_multipart.cpp).
#include <algorithm>
#include <optional>
#include <unordered_map>

#include "backends/s3/s3_backend.hpp"
#include "backends/s3/s3_object_meta.hpp"
#include "backends/s3/s3_xml.hpp"
#include "cloudsync/backends/s3.hpp"
#include "core/ascii.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/log.hpp"
#include "core/time.hpp"

namespace cloudsync::s3 {

ChecksumChoice S3Backend::checksum_choice() {
  if (checksum_learner_) return checksum_learner_->choose();
  return {client_->config().checksum, false};
}

PayloadRules S3Backend::payload_rules(const ChecksumChoice& choice) const {
  PayloadRules rules;
  rules.checksum = choice.checksum;
  rules.sign_payload = client_->config().sign_payload;
  rules.with_md5 = choice.probe;
  rules.announce_crc32c = choice.probe;
  return rules;
}

ErrorContext apply_put_mode(const PutOptions& options, bool conditional_writes, http::Headers& headers) {
  switch (options.mode) {
    case PutMode::Overwrite: return ErrorContext::Default;
    case PutMode::Create:
      if (conditional_writes) headers.set("If-None-Match", "*");
      return ErrorContext::CreateOnly;
    case PutMode::Update:
      if (conditional_writes) headers.set("If-Match", "\"" + options.if_match + "\"");
      return ErrorContext::UpdateIfMatch;
  }
  return ErrorContext::Default;
}

Status S3Backend::check_mode_by_reading(const Path& path, const PutOptions& options, const OpContext& ctx) {
  if (options.mode == PutMode::Overwrite || client_->config().conditional_writes) return Status::OK();
  auto current = head(path, ctx);
  if (!current.ok() && current.status().code() != ErrorCode::NotFound) return current.status();
  if (options.mode == PutMode::Create && current.ok()) {
    return make_error(ErrorCode::AlreadyExists, "{} already exists", client_->describe(path.str()));
  }
  if (options.mode == PutMode::Update && (!current.ok() || current->etag != options.if_match)) {
    return make_error(ErrorCode::PreconditionFailed, "{} changed since it was read", client_->describe(path.str()));
  }
  return Status::OK();
}

Result<ObjectMeta> S3Backend::put(const Path& path, ByteSource& data, const PutOptions& options, const OpContext& ctx) {
  CLOUDSYNC_RETURN_IF_ERROR(check_object_key(path));
  const std::string key = path.str();
  std::optional<uint64_t> size = options.size ? options.size : data.size();
  if (options.size && data.size() && *options.size != *data.size()) {
    return make_error(ErrorCode::InvalidArgument, "PUT {}: the source has {} bytes, the options say {}",
                      client_->describe(key), *data.size(), *options.size);
  }
  if (size && *size > kMaxSinglePut) {
    return make_error(ErrorCode::LimitExceeded, "PUT {}: {} bytes is over S3's 5 GiB single-request limit",
                      client_->describe(key), *size);
  }
  CLOUDSYNC_RETURN_IF_ERROR(check_mode_by_reading(path, options, ctx));
  const ChecksumChoice choice = checksum_choice();
  UnansweredProbe unanswered(choice.probe ? checksum_learner_.get() : nullptr);
  PayloadRules rules = payload_rules(choice);
  rules.want_crc32c = true;
  CLOUDSYNC_ASSIGN_OR_RETURN(PayloadPlan plan, plan_payload(data, size, options.known_hashes, rules, ctx));

  S3Request request;
  request.method = "PUT";
  request.key = key;
  request.what = "PUT " + client_->describe(key);
  request.body = &data;
  request.body_size = plan.size;
  request.payload_hash = plan.payload_hash;
  CLOUDSYNC_RETURN_IF_ERROR(add_metadata_headers(request.headers, WriteMetadata{&options, false, plan.whole_crc32c}));
  add_payload_headers(plan, request.headers);
  request.context = apply_put_mode(options, client_->config().conditional_writes, request.headers);

  SendInfo info;
  Result<http::Response> answer = choice.probe
                                      ? send_checksum_probe(*client_, request, *checksum_learner_, true, ctx, &info)
                                      : client_->send(request, ctx, &info);
  if (!answer.ok()) {
    ErrorCode code = answer.status().code();
    HashSet sent;
    sent.md5 = options.known_hashes.md5.empty() ? plan.computed.md5 : options.known_hashes.md5;
    sent.crc32c = plan.whole_crc32c;
    if (info.ambiguous && (code == ErrorCode::AlreadyExists || code == ErrorCode::PreconditionFailed) &&
        !sent.empty()) {
      // An earlier attempt may have gone through before its connection
      // dropped: then the "existing object" is ours.
      auto now = head(path, ctx);
      if (now.ok() && now->size == plan.size && sent.matches(now->hashes) == true) {
        log(LogLevel::Info, "{}: an earlier attempt had stored it", request.what);
        return now;
      }
    }
    return answer.status();
  }
  ObjectMeta meta;
  meta.key = key;
  meta.size = plan.size;
  meta.etag = unquote_etag(answer->headers.get("ETag").value_or(""));
  meta.mtime = options.mtime;
  meta.last_modified = now_utc();
  meta.content_type = options.content_type;
  meta.metadata = options.metadata;
  if (options.mtime) meta.metadata[std::string(kMtimeKey)] = format_mtime(*options.mtime);
  if (auto version = answer->headers.get("x-amz-version-id"); version && *version != "null") {
    meta.version = std::string(*version);
  }
  if (meta.etag.empty()) return make_error(ErrorCode::BadResponse, "{}: the answer has no ETag", request.what);
  meta.hashes.crc32c = plan.whole_crc32c;
  if (etag_is_md5(meta.etag) && !answer->headers.get("x-amz-server-side-encryption-customer-algorithm") &&
      !answer->headers.get("x-amz-server-side-encryption").value_or("").starts_with("aws:kms")) {
    meta.hashes.md5 = ascii_lower(meta.etag);
  }
  return meta;
}

Result<S3Request> S3Backend::create_multipart_request(const std::string& key, const PutOptions& put,
                                                      std::string what) const {
  S3Request request;
  request.method = "POST";
  request.key = key;
  request.query = {{"uploads", ""}};
  request.what = std::move(what);
  CLOUDSYNC_RETURN_IF_ERROR(add_metadata_headers(request.headers, WriteMetadata{&put, true, put.known_hashes.crc32c}));
  return request;
}

Result<std::unique_ptr<MultipartUpload>> S3Backend::start_multipart(const Path& path, const PutOptions& options,
                                                                    const OpContext& ctx) {
  CLOUDSYNC_RETURN_IF_ERROR(check_object_key(path));
  CLOUDSYNC_RETURN_IF_ERROR(check_mode_by_reading(path, options, ctx));
  const std::string key = path.str();
  CLOUDSYNC_ASSIGN_OR_RETURN(S3Request request,
                             create_multipart_request(key, options, "CreateMultipartUpload " + client_->describe(key)));
  const ChecksumChoice choice = checksum_choice();
  // Until its parts take the question over (below), an unanswered probe ends here.
  std::optional<UnansweredProbe> unanswered;
  if (choice.probe) unanswered.emplace(checksum_learner_.get());
  PayloadRules rules = payload_rules(choice);
  if (rules.checksum == S3Checksum::Crc32c) {
    // Declared up front, so that every part must carry its CRC32C.
    request.headers.set("x-amz-checksum-algorithm", "CRC32C");
    rules.require_checksum = true;
  }
  Result<http::Response> response = choice.probe
                                        ? send_checksum_probe(*client_, request, *checksum_learner_, false, ctx)
                                        : client_->send(request, ctx);
  if (!response.ok()) return response.status();
  CLOUDSYNC_ASSIGN_OR_RETURN(std::string upload_id, parse_initiate_multipart(response->body));
  log(LogLevel::Debug, "{}: upload id {}", request.what, upload_id);
  std::shared_ptr<ChecksumLearner> probe;
  if (choice.probe && request.headers.get("x-amz-checksum-algorithm")) {
    probe = checksum_learner_;  // the parts ask, until one has the answer
    unanswered->hand_over();
  } else if (choice.probe) {
    rules = payload_rules(ChecksumChoice{S3Checksum::Md5, false});  // the store refused the declaration
  }
  return make_s3_multipart_upload(client_, key, std::move(upload_id), options, rules, std::move(probe));
}

}  // namespace cloudsync::s3
