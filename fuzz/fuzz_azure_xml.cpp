// The Azure XML parsers (List Blobs pages, error documents) on arbitrary
// bytes: errors, never crashes; an empty blob named "x/" is a folder marker.
#include "backends/azure/azure_errors.hpp"
#include "backends/azure/azure_xml.hpp"
#include "fuzz_check.hpp"

using namespace cloudsync;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body = fuzz::as_text(data, size);
  Result<ListPage> page = azure::parse_list_blobs(body);
  if (page.ok()) {
    for (const ObjectMeta& m : page->objects) {
      if (m.key.ends_with('/') && m.size == 0) FUZZ_CHECK(m.kind == ObjectKind::DirectoryMarker);
    }
  } else {
    FUZZ_CHECK(page.status().code() == ErrorCode::BadResponse);
  }
  http::Response response;
  response.status = 400;
  response.body = std::string(body);
  azure::AzureError error = azure::parse_azure_error(response);
  FUZZ_CHECK(error.code.size() <= body.size());
  return 0;
}
