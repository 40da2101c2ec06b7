#include "backends/s3/s3_backend.hpp"

#include <algorithm>
#include <unordered_map>

#include "backends/s3/s3_object_meta.hpp"
#include "backends/s3/s3_xml.hpp"
#include "cloudsync/backends/s3.hpp"
#include "core/ascii.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/log.hpp"
#include "core/time.hpp"

namespace cloudsync::s3 {

namespace {

constexpr uint32_t kMaxListPage = 1000;
constexpr size_t kDeleteBatch = 1000;

class DiscardSink final : public ByteSink {
 public:
  Status write(std::string_view) override { return Status::OK(); }
};

Status check_key(const Path& path) {
  if (path.is_root()) return make_error(ErrorCode::InvalidArgument, "the bucket root is not an object");
  if (path.str().size() > kMaxKeyBytes) {
    return make_error(ErrorCode::InvalidArgument, "S3 keys are at most {} bytes; '{}...' has {}", kMaxKeyBytes,
                      path.str().substr(0, 40), path.str().size());
  }
  return Status::OK();
}

}  // namespace

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
    : client_(std::move(client)), caps_(s3_capabilities(client_->config())) {}

std::shared_ptr<S3Backend> make_s3_bucket_backend(S3Config config) {
  auto transport = http::make_curl_transport(config.client);
  auto client = std::make_shared<S3Client>(std::move(config), std::move(transport));
  return std::make_shared<S3Backend>(std::move(client));
}

PayloadRules S3Backend::payload_rules() const {
  PayloadRules rules;
  rules.checksum = client_->config().checksum;
  rules.sign_payload = client_->config().sign_payload;
  return rules;
}

ErrorContext apply_put_mode(const PutOptions& options, bool conditional_writes, http::Headers& headers) {
  switch (options.mode) {
    case PutMode::Overwrite:
      return ErrorContext::Default;
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

Result<ObjectMeta> S3Backend::head_once(const Path& path, const OpContext& ctx) {
  S3Request request;
  request.method = "HEAD";
  request.key = path.str();
  request.what = "HEAD " + client_->describe(request.key);
  CLOUDSYNC_ASSIGN_OR_RETURN(http::Response response, client_->send(request, ctx));
  return meta_from_response(response, path.str());
}

Result<ObjectMeta> S3Backend::head(const Path& path, const OpContext& ctx) {
  if (path.is_root()) return make_error(ErrorCode::NotFound, "the root of {} is not an object", describe());
  Result<ObjectMeta> result = head_once(path, ctx);
  if (result.ok()) return result;
  const Status& failed = result.status();
  if ((failed.http_status() != 400 && failed.http_status() != 403) || !failed.provider_code().empty()) return result;
  // HEAD answers carry no error document, so a 403 cannot tell a wrong secret
  // from a missing permission, nor a skewed clock. A one-byte GET brings the
  // document (and lets the client correct the clock or the region).
  DiscardSink discard;
  S3Request probe;
  probe.key = path.str();
  probe.headers.set("Range", "bytes=0-0");
  probe.sink = &discard;
  probe.what = "HEAD " + client_->describe(probe.key);
  Result<http::Response> probed = client_->send(probe, ctx);
  if (!probed.ok() && probed.status().http_status() != 416) return probed.status();
  return head_once(path, ctx);
}

Result<ObjectMeta> S3Backend::get(const Path& path, const GetOptions& options, ByteSink& sink, const OpContext& ctx) {
  CLOUDSYNC_RETURN_IF_ERROR(check_key(path));
  const std::string key = path.str();
  auto check_etag = [&](const ObjectMeta& meta) -> Status {
    if (!options.if_match.empty() && meta.etag != options.if_match) {
      return make_error(ErrorCode::PreconditionFailed, "{} changed (etag {} instead of {})", client_->describe(key),
                        meta.etag, options.if_match);
    }
    return Status::OK();
  };
  if (options.range && options.range->length && *options.range->length == 0) {
    // An empty range has no HTTP spelling; the metadata is all there is to return.
    CLOUDSYNC_ASSIGN_OR_RETURN(ObjectMeta meta, head(path, ctx));
    CLOUDSYNC_RETURN_IF_ERROR(check_etag(meta));
    return meta;
  }

  S3Request request;
  request.key = key;
  request.what = "GET " + client_->describe(key);
  request.sink = &sink;
  request.context = ErrorContext::ReadIfMatch;
  http::RangeRequest range;
  if (options.range) {
    range.offset = options.range->offset;
    range.length = options.range->length;
  }
  if (!options.if_match.empty()) {
    range.if_match = "\"" + options.if_match + "\"";
    request.headers.set("If-Match", range.if_match);
  }

  Result<http::RangedAnswer> answer = client_->ranged_get(request, range, ctx);
  if (!answer.ok()) {
    // A range starting exactly at the end (resuming a download that had
    // everything) is "not satisfiable" to S3, but simply empty to us.
    if (answer.status().http_status() == 416 && options.range) {
      CLOUDSYNC_ASSIGN_OR_RETURN(ObjectMeta meta, head(path, ctx));
      CLOUDSYNC_RETURN_IF_ERROR(check_etag(meta));
      if (options.range->offset == meta.size) return meta;
      return make_error(ErrorCode::InvalidArgument, "{}: range starts at byte {}, beyond the end ({} bytes)",
                        request.what, options.range->offset, meta.size);
    }
    return answer.status();
  }
  CLOUDSYNC_ASSIGN_OR_RETURN(ObjectMeta meta, meta_from_response(answer->response, key));
  meta.size = answer->total.value_or(answer->delivered);  // the whole object's, not the range's
  CLOUDSYNC_RETURN_IF_ERROR(check_etag(meta));
  return meta;
}

Result<ObjectMeta> S3Backend::put(const Path& path, ByteSource& data, const PutOptions& options, const OpContext& ctx) {
  CLOUDSYNC_RETURN_IF_ERROR(check_key(path));
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
  PayloadRules rules = payload_rules();
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
  Result<http::Response> answer = client_->send(request, ctx, &info);
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

Result<std::unique_ptr<MultipartUpload>> S3Backend::start_multipart(const Path& path, const PutOptions& options,
                                                                    const OpContext& ctx) {
  CLOUDSYNC_RETURN_IF_ERROR(check_key(path));
  CLOUDSYNC_RETURN_IF_ERROR(check_mode_by_reading(path, options, ctx));
  const std::string key = path.str();
  S3Request request;
  request.method = "POST";
  request.key = key;
  request.query = {{"uploads", ""}};
  request.what = "CreateMultipartUpload " + client_->describe(key);
  CLOUDSYNC_RETURN_IF_ERROR(add_metadata_headers(request.headers, WriteMetadata{&options, true, options.known_hashes.crc32c}));
  PayloadRules rules = payload_rules();
  if (rules.checksum == S3Checksum::Crc32c) {
    // Declared up front, so that every part must carry its CRC32C.
    request.headers.set("x-amz-checksum-algorithm", "CRC32C");
    rules.require_checksum = true;
  }
  CLOUDSYNC_ASSIGN_OR_RETURN(http::Response response, client_->send(request, ctx));
  CLOUDSYNC_ASSIGN_OR_RETURN(std::string upload_id, parse_initiate_multipart(response.body));
  log(LogLevel::Debug, "{}: upload id {}", request.what, upload_id);
  return make_s3_multipart_upload(client_, key, std::move(upload_id), options, rules);
}

Result<ListPage> S3Backend::list_page(const ListOptions& options, const OpContext& ctx) {
  S3Request request;
  request.query = {{"list-type", "2"}, {"encoding-type", "url"}};
  if (!options.prefix.empty()) request.query.emplace_back("prefix", options.prefix);
  if (!options.recursive) request.query.emplace_back("delimiter", "/");
  // Without max_keys the server's default page size applies (1000 on AWS).
  if (options.max_keys > 0)
    request.query.emplace_back("max-keys", std::to_string(std::min(options.max_keys, kMaxListPage)));
  if (!options.page_token.empty()) request.query.emplace_back("continuation-token", options.page_token);
  request.what = "ListObjectsV2 " + client_->describe(options.prefix);
  CLOUDSYNC_ASSIGN_OR_RETURN(http::Response response, client_->send(request, ctx));
  CLOUDSYNC_ASSIGN_OR_RETURN(ListObjectsPage listed, parse_list_objects_v2(response.body, true));

  ListPage page;
  page.objects.reserve(listed.objects.size());
  for (ListedObject& o : listed.objects) {
    ObjectMeta meta;
    meta.key = std::move(o.key);
    meta.size = o.size;
    meta.etag = std::move(o.etag);
    meta.last_modified = o.last_modified;
    if (etag_is_md5(meta.etag)) {
      meta.hashes.md5 = ascii_lower(meta.etag);
    }
    if (meta.size == 0 && meta.key.ends_with('/')) meta.kind = ObjectKind::DirectoryMarker;
    page.objects.push_back(std::move(meta));
  }
  page.common_prefixes = std::move(listed.common_prefixes);
  if (listed.truncated) {
    if (listed.next_token.empty()) {
      return make_error(ErrorCode::BadResponse, "{}: the page is truncated but carries no continuation token",
                        request.what);
    }
    // Sent back, that token would have us ask for this page forever (callers
    // that page on their own, like `ls`, have no other guard; list() also
    // catches tokens repeated after other pages).
    if (listed.next_token == options.page_token) {
      return make_error(ErrorCode::BadResponse,
                        "{}: S3 answered with the continuation token it was sent; the listing would never end",
                        request.what);
    }
    page.next_page_token = std::move(listed.next_token);
  }
  return page;
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
