#include "backends/azure/azure_reads.hpp"

#include <algorithm>

#include "backends/azure/azure_meta.hpp"
#include "backends/azure/azure_xml.hpp"
#include "core/error.hpp"
#include "core/url.hpp"

namespace cloudsync::azure {

namespace {

Result<ObjectMeta> head_request(AzureClient& client, const std::string& key, const std::string& if_match,
                                const OpContext& ctx) {
  CLOUDSYNC_RETURN_IF_ERROR(client.check_sas("r", SasScope::Object));
  AzureCall call;
  call.method = "HEAD";
  call.url = client.blob_url(key);
  call.what = "HEAD " + client.describe(key);
  if (!if_match.empty()) call.headers.set("If-Match", quoted_etag(if_match));
  CLOUDSYNC_ASSIGN_OR_RETURN(http::Response response, client.send(call, ctx));
  return meta_from_headers(key, response.headers);
}

// A range that starts at (or past) the end reads nothing: the object's
// metadata after checking the etag, or an error for a start past the end.
Result<ObjectMeta> empty_range(AzureClient& client, const std::string& key, const GetOptions& options,
                               const OpContext& ctx) {
  CLOUDSYNC_ASSIGN_OR_RETURN(ObjectMeta meta, head_request(client, key, options.if_match, ctx));
  if (options.range->offset > meta.size) {
    return make_error(ErrorCode::InvalidArgument, "GET {}: the range starts at byte {}, beyond the end ({} bytes)",
                      client.describe(key), options.range->offset, meta.size);
  }
  return meta;
}

}  // namespace

Result<ObjectMeta> head_blob(AzureClient& client, const std::string& key, const OpContext& ctx) {
  return head_request(client, key, {}, ctx);
}

Result<ObjectMeta> get_blob(AzureClient& client, const std::string& key, const GetOptions& options, ByteSink& sink,
                            const OpContext& ctx) {
  CLOUDSYNC_RETURN_IF_ERROR(client.check_sas("r", SasScope::Object));
  AzureCall call;
  call.method = "GET";
  call.url = client.blob_url(key);
  call.what = "GET " + client.describe(key);
  http::RangeRequest range;
  range.header = "x-ms-range";
  if (options.range) {
    if (options.range->length && *options.range->length == 0) return empty_range(client, key, options, ctx);
    range.offset = options.range->offset;
    range.length = options.range->length;
  }
  if (!options.if_match.empty()) {
    range.if_match = quoted_etag(options.if_match);
    call.headers.set("If-Match", range.if_match);
  }
  call.sink = &sink;
  Result<http::RangedAnswer> answer = client.ranged_get(call, range, ctx);
  if (!answer.ok()) {
    // 416: the range starts at the end (a resumption after the last byte
    // arrived) or beyond it.
    bool ranged = range.offset > 0 || range.length;
    if (ranged && answer.status().provider_code() == "InvalidRange" && call.sink_bytes == 0) {
      return empty_range(client, key, options, ctx);
    }
    return answer.status();
  }
  ObjectMeta meta = meta_from_headers(key, answer->response.headers);
  meta.size = answer->total.value_or(answer->delivered);  // the whole blob's, not the range's
  if (answer->partial) {
    // Only x-ms-blob-content-md5 describes the whole blob on a range answer.
    std::optional<std::string_view> blob_md5 = answer->response.headers.get("x-ms-blob-content-md5");
    meta.hashes.md5 = blob_md5 ? md5_hex_from_base64(*blob_md5) : std::string();
  }
  return meta;
}

}  // namespace cloudsync::azure
