// The S3 XML parsers (ListObjectsV2 pages, error documents, multipart and
// DeleteObjects answers) on arbitrary bytes: errors, never crashes, and
// values never longer than the document they came from.
#include "backends/s3/s3_xml.hpp"
#include "fuzz_check.hpp"

using namespace cloudsync;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body = fuzz::as_text(data, size);
  for (bool url_encoded : {true, false}) {
    Result<s3::ListObjectsPage> page = s3::parse_list_objects_v2(body, url_encoded);
    if (page.ok()) {
      for (const s3::ListedObject& o : page->objects) FUZZ_CHECK(o.etag.size() <= body.size());
    } else {
      FUZZ_CHECK(page.status().code() == ErrorCode::BadResponse);
    }
  }
  if (auto error = s3::parse_error_document(body)) FUZZ_CHECK(error->code.size() <= body.size());
  (void)s3::parse_initiate_multipart(body);
  (void)s3::parse_complete_multipart(body);
  (void)s3::parse_delete_result(body);
  (void)s3::unquote_etag(body);
  return 0;
}
