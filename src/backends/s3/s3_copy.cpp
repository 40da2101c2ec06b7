// Server-side copies between buckets of one endpoint signed with the same
// credentials: CopyObject below the multipart threshold (and S3's 5 GiB
// single-request limit), UploadPartCopy with x-amz-copy-source-range above
// it. Every request is pinned to the source's etag
// (x-amz-copy-source-if-match), so a source changed since it was listed is a
// PreconditionFailed and never a copy of the new version. The metadata is
// replaced (x-amz-metadata-directive: REPLACE) with what a put writes: the
// mtime and the checksums the caller knows. A CopyObject or UploadPartCopy
// can fail after its 200 has been sent: the <Error> in the body is read.
#include <algorithm>
#include <vector>

#include "auth/aws/sigv4.hpp"
#include "backends/s3/s3_backend.hpp"
#include "backends/s3/s3_object_meta.hpp"
#include "backends/s3/s3_xml.hpp"
#include "core/ascii.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/parallel.hpp"
#include "core/time.hpp"

namespace cloudsync::s3 {

namespace {

/// UploadPartCopy requests of one copy in flight at once.
constexpr size_t kPartCopyConcurrency = 4;

// The same credentials: one provider, or keys that never change and are equal.
bool same_credentials(const S3Config& a, const S3Config& b) {
  if (a.anonymous || b.anonymous || !a.credentials || !b.credentials) return false;
  if (a.credentials == b.credentials) return true;
  if (a.credentials->can_refresh() || b.credentials->can_refresh()) return false;
  auto ka = a.credentials->credentials(OpContext{});
  auto kb = b.credentials->credentials(OpContext{});
  return ka.ok() && kb.ok() && ka->access_key_id == kb->access_key_id &&
         ka->secret_access_key == kb->secret_access_key && ka->session_token == kb->session_token;
}

// The headers that name the source version: "/bucket/key" URL-encoded, and its etag.
void add_copy_source(http::Headers& headers, const S3Client& from, const Path& src_key, const std::string& etag) {
  headers.set("x-amz-copy-source",
              "/" + auth::uri_encode_s3_key(from.config().bucket) + "/" + auth::uri_encode_s3_key(src_key.str()));
  if (!etag.empty()) headers.set("x-amz-copy-source-if-match", "\"" + etag + "\"");
}

// What the copy is, as a put would have described it.
ObjectMeta copied_meta(const std::string& key, const std::string& etag, const CopyOptions& options,
                       const http::Headers& answer, bool multipart) {
  const PutOptions& put = options.put;
  ObjectMeta meta;
  meta.key = key;
  meta.size = options.source_size;
  meta.etag = etag;
  meta.mtime = put.mtime;
  meta.last_modified = now_utc();
  meta.content_type = put.content_type;
  meta.metadata = put.metadata;
  if (put.mtime) meta.metadata[std::string(kMtimeKey)] = format_mtime(*put.mtime);
  if (auto version = answer.get("x-amz-version-id"); version && *version != "null")
    meta.version = std::string(*version);
  // The checksums the copy now carries in its metadata, and the ETag when it
  // is the content's MD5 (one CopyObject of an unencrypted object).
  if (put.known_hashes.crc32c.size() == 8) meta.hashes.crc32c = put.known_hashes.crc32c;
  if (multipart) {
    if (put.known_hashes.md5.size() == 32) meta.hashes.md5 = put.known_hashes.md5;
    if (put.known_hashes.sha256.size() == 64) meta.hashes.sha256 = put.known_hashes.sha256;
  } else if (etag_is_md5(etag) && !etag_hides_md5(answer)) {
    meta.hashes.md5 = ascii_lower(etag);
  }
  return meta;
}

}  // namespace

const S3Backend* S3Backend::copy_peer(const StorageBackend& source) const {
  const auto* peer = dynamic_cast<const S3Backend*>(source.locate(Path()).store);
  if (peer == nullptr || !caps_.server_side_copy) return nullptr;
  const S3Config& mine = client_->config();
  const S3Config& theirs = peer->client().config();
  if (client_->endpoint() != peer->client().endpoint() || mine.path_style != theirs.path_style) return nullptr;
  return same_credentials(mine, theirs) ? peer : nullptr;
}

bool S3Backend::can_copy_from(const StorageBackend& source) const { return copy_peer(source) != nullptr; }

Result<ObjectMeta> S3Backend::copy_from(const StorageBackend& source, const Path& src_path, const Path& dst_path,
                                        const CopyOptions& options, const OpContext& ctx) {
  const S3Backend* from = copy_peer(source);
  if (from == nullptr) return StorageBackend::copy_from(source, src_path, dst_path, options, ctx);
  CLOUDSYNC_RETURN_IF_ERROR(check_object_key(dst_path));
  const Path src_key = source.locate(src_path).key;
  CLOUDSYNC_RETURN_IF_ERROR(check_object_key(src_key));
  const uint64_t threshold = client_->config().multipart_threshold;
  if (options.source_size > kMaxSinglePut || (threshold > 0 && options.source_size >= threshold)) {
    return copy_in_parts(*from, src_key, dst_path, options, ctx);
  }
  return copy_in_one_request(*from, src_key, dst_path, options, ctx);
}

Result<ObjectMeta> S3Backend::copy_in_one_request(const S3Backend& from, const Path& src_key, const Path& dst_path,
                                                  const CopyOptions& options, const OpContext& ctx) {
  CLOUDSYNC_RETURN_IF_ERROR(check_mode_by_reading(dst_path, options.put, ctx));
  const std::string key = dst_path.str();
  S3Request request;
  request.method = "PUT";
  request.key = key;
  request.what = fmt::format("CopyObject {} to {}", from.client().describe(src_key.str()), client_->describe(key));
  add_copy_source(request.headers, from.client(), src_key, options.source_if_match);
  request.headers.set("x-amz-metadata-directive", "REPLACE");
  CLOUDSYNC_RETURN_IF_ERROR(
      add_metadata_headers(request.headers, WriteMetadata{&options.put, false, options.put.known_hashes.crc32c}));
  request.context = apply_put_mode(options.put, client_->config().conditional_writes, request.headers);
  request.error_in_200 = true;
  CLOUDSYNC_ASSIGN_OR_RETURN(http::Response answer, client_->send(request, ctx));
  CLOUDSYNC_ASSIGN_OR_RETURN(std::string etag, parse_copy_result(answer.body));
  return copied_meta(key, etag, options, answer.headers, false);
}

Result<ObjectMeta> S3Backend::copy_in_parts(const S3Backend& from, const Path& src_key, const Path& dst_path,
                                            const CopyOptions& options, const OpContext& ctx) {
  CLOUDSYNC_RETURN_IF_ERROR(check_mode_by_reading(dst_path, options.put, ctx));
  const std::string key = dst_path.str();
  const uint64_t size = options.source_size;
  // No x-amz-checksum-algorithm here: the parts are the store's own bytes,
  // and a declared algorithm would require a checksum per part we never see.
  CLOUDSYNC_ASSIGN_OR_RETURN(
      S3Request create,
      create_multipart_request(key, options.put, "CreateMultipartUpload (copy) " + client_->describe(key)));
  CLOUDSYNC_ASSIGN_OR_RETURN(http::Response created, client_->send(create, ctx));
  CLOUDSYNC_ASSIGN_OR_RETURN(std::string upload_id, parse_initiate_multipart(created.body));
  // Completion and abort (also on an early return) as for any upload.
  std::unique_ptr<MultipartUpload> upload = make_s3_multipart_upload(
      client_, key, upload_id, options.put, payload_rules(ChecksumChoice{client_->config().checksum, false}));

  const uint64_t part_size =
      std::clamp<uint64_t>(std::max(caps_.multipart.default_part_size, (size + kMaxParts - 1) / kMaxParts),
                           std::max<uint64_t>(caps_.multipart.min_part_size, 1), kMaxPartSize);
  const auto count = static_cast<size_t>(size == 0 ? 1 : (size + part_size - 1) / part_size);
  std::vector<PartInfo> parts(count);
  CancelToken stop(ctx.cancel);
  OpContext part_ctx = ctx;
  part_ctx.cancel = &stop;
  auto copy_part = [&](size_t i) -> Status {
    const uint64_t offset = i * part_size;
    const uint64_t length = std::min(part_size, size - offset);
    S3Request request;
    request.method = "PUT";
    request.key = key;
    request.query = {{"partNumber", std::to_string(i + 1)}, {"uploadId", upload_id}};
    add_copy_source(request.headers, from.client(), src_key, options.source_if_match);
    if (size > 0)
      request.headers.set("x-amz-copy-source-range", fmt::format("bytes={}-{}", offset, offset + length - 1));
    request.error_in_200 = true;
    request.what = fmt::format("UploadPartCopy {} #{}", client_->describe(key), i + 1);
    CLOUDSYNC_ASSIGN_OR_RETURN(http::Response answer, client_->send(request, part_ctx));
    CLOUDSYNC_ASSIGN_OR_RETURN(std::string etag, parse_copy_result(answer.body));
    // No lock: each part writes its own slot.
    parts[i] = PartInfo{static_cast<uint32_t>(i + 1), length, std::move(etag)};
    return Status::OK();
  };
  Status copied = parallel_for_until_error(count, kPartCopyConcurrency, stop, copy_part, "copy cancelled");
  if (!copied.ok()) {
    Status aborted = upload->abort(OpContext{});
    if (!aborted.ok())
      log(LogLevel::Warn, "could not abort the copy to {}: {}", client_->describe(key), aborted.to_string());
    return copied;
  }
  CLOUDSYNC_ASSIGN_OR_RETURN(ObjectMeta done, upload->complete(std::move(parts), ctx));
  ObjectMeta meta = copied_meta(key, done.etag, options, http::Headers{}, true);
  return meta;
}

}  // namespace cloudsync::s3
