#include "backends/azure/azure_list.hpp"

#include <algorithm>

#include "backends/azure/azure_xml.hpp"
#include "core/error.hpp"
#include "core/url.hpp"

namespace cloudsync::azure {

namespace {

// A page of up to 1000 entries stays well below the transport's 8 MiB cap on
// buffered answers even with 1 KiB names and metadata; callers may ask for more.
constexpr uint32_t kDefaultListPage = 1000;

}  // namespace

Result<ListPage> list_blobs(AzureClient& client, const ListOptions& options, const OpContext& ctx) {
  CLOUDSYNC_RETURN_IF_ERROR(client.check_sas("l", SasScope::Container));
  uint32_t max_results = std::min(options.max_keys ? options.max_keys : kDefaultListPage, kMaxListPage);
  AzureCall call;
  call.method = "GET";
  call.url = client.container_url() +
             "?restype=container&comp=list&include=metadata&maxresults=" + std::to_string(max_results);
  if (!options.prefix.empty()) call.url += "&prefix=" + percent_encode(options.prefix);
  if (!options.recursive) call.url += "&delimiter=%2F";
  if (!options.page_token.empty()) call.url += "&marker=" + percent_encode(options.page_token);
  call.what = "list " + client.describe(options.prefix);
  CLOUDSYNC_ASSIGN_OR_RETURN(http::Response response, client.send(call, ctx));
  Result<ListPage> page = parse_list_blobs(response.body);
  if (!page.ok()) return page.status().with_context(call.what);
  // Sent back, that marker would have us ask for this page forever (callers
  // that page on their own, like `ls`, have no other guard; list() also
  // catches markers repeated after other pages).
  if (!options.page_token.empty() && page->next_page_token == options.page_token) {
    return make_error(ErrorCode::BadResponse,
                      "{}: Azure answered with the NextMarker it was sent; the listing would never end", call.what);
  }
  return page;
}

}  // namespace cloudsync::azure
