// Reads: HEAD (with its fallback to a ranged GET where HEAD is refused) and
// checked ranged GETs.
#include <algorithm>
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

namespace {

class DiscardSink final : public ByteSink {
 public:
  Status write(std::string_view) override { return Status::OK(); }
};

}  // namespace

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
  CLOUDSYNC_RETURN_IF_ERROR(check_object_key(path));
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

}  // namespace cloudsync::s3
