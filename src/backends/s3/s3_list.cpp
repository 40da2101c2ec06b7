// ListObjectsV2, one page per call.
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

constexpr uint32_t kMaxListPage = 1000;

}  // namespace

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

}  // namespace cloudsync::s3
