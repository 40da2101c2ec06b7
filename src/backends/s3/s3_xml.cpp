#include "backends/s3/s3_xml.hpp"

#include <pugixml.hpp>
#include <sstream>

#include "backends/xml_depth.hpp"
#include "core/ascii.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/time.hpp"
#include "core/url.hpp"

namespace cloudsync::s3 {

namespace {

Result<pugi::xml_document> parse_xml(std::string_view body, std::string_view what) {
  pugi::xml_document doc;
  // Keys are data: keep whitespace-only text and "\r\n" exactly as sent.
  constexpr unsigned kFlags = (pugi::parse_default | pugi::parse_ws_pcdata) & ~pugi::parse_eol;
  pugi::xml_parse_result parsed = doc.load_buffer(body.data(), body.size(), kFlags, pugi::encoding_utf8);
  if (!parsed) {
    return make_error(ErrorCode::BadResponse, "malformed {} from S3 ({} at byte {})", what, parsed.description(),
                      parsed.offset);
  }
  if (xml_deeper_than(doc)) {
    return make_error(ErrorCode::BadResponse, "malformed {} from S3 (XML nested deeper than {} levels)", what,
                      kMaxXmlDepth);
  }
  return doc;
}

std::string text_of(const pugi::xml_node& node, const char* child) { return node.child(child).text().as_string(); }

Result<uint64_t> parse_size(std::string_view text) {
  std::optional<uint64_t> value = parse_u64(text);
  if (!value) return make_error(ErrorCode::BadResponse, "S3 listing has a malformed <Size> '{}'", text);
  return *value;
}

// Keys under encoding-type=url arrive form-encoded ("a+b.txt" is "a b.txt",
// "a%2Bb.txt" is "a+b.txt"). A malformed escape is kept verbatim: one odd key
// must not break a whole listing.
std::string decode_key(std::string_view raw, bool url_encoded) {
  if (!url_encoded) return std::string(raw);
  auto decoded = percent_decode(raw, /*plus_is_space=*/true);
  if (!decoded.ok()) {
    log(LogLevel::Warn, "S3 listed key '{}' with a malformed escape; keeping it as sent", raw);
    return std::string(raw);
  }
  return std::move(decoded).value();
}

std::string to_string(const pugi::xml_document& doc) {
  std::ostringstream out;
  doc.save(out, "", pugi::format_raw);
  return out.str();
}

}  // namespace

std::string unquote_etag(std::string_view etag) {
  if (etag.starts_with("W/")) etag.remove_prefix(2);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  return std::string(etag);
}

std::optional<ErrorDocument> parse_error_document(std::string_view body) {
  if (body.find("<Error") == std::string_view::npos) return std::nullopt;
  pugi::xml_document doc;
  if (!doc.load_buffer(body.data(), body.size(), pugi::parse_default, pugi::encoding_utf8)) return std::nullopt;
  if (xml_deeper_than(doc)) return std::nullopt;
  pugi::xml_node error = doc.child("Error");
  if (!error) return std::nullopt;
  ErrorDocument out;
  out.code = text_of(error, "Code");
  out.message = text_of(error, "Message");
  out.request_id = text_of(error, "RequestId");
  out.region = text_of(error, "Region");
  out.endpoint = text_of(error, "Endpoint");
  out.server_time = text_of(error, "ServerTime");
  return out;
}

Result<ListObjectsPage> parse_list_objects_v2(std::string_view body, bool url_encoded) {
  CLOUDSYNC_ASSIGN_OR_RETURN(pugi::xml_document doc, parse_xml(body, "ListObjectsV2 answer"));
  pugi::xml_node root = doc.child("ListBucketResult");
  if (!root) return make_error(ErrorCode::BadResponse, "S3 listing answer has no <ListBucketResult>");
  // A server that ignored encoding-type=url says so by leaving it out.
  bool encoded = url_encoded && std::string_view(root.child("EncodingType").text().as_string()) == "url";
  ListObjectsPage page;
  for (pugi::xml_node c : root.children("Contents")) {
    ListedObject o;
    o.key = decode_key(text_of(c, "Key"), encoded);
    CLOUDSYNC_ASSIGN_OR_RETURN(o.size, parse_size(text_of(c, "Size")));
    o.etag = unquote_etag(text_of(c, "ETag"));
    std::string modified = text_of(c, "LastModified");
    if (!modified.empty()) {
      auto t = parse_rfc3339(modified);
      if (t.ok()) o.last_modified = *t;
    }
    page.objects.push_back(std::move(o));
  }
  for (pugi::xml_node p : root.children("CommonPrefixes")) {
    page.common_prefixes.push_back(decode_key(text_of(p, "Prefix"), encoded));
  }
  page.truncated = std::string_view(root.child("IsTruncated").text().as_string()) == "true";
  page.next_token = text_of(root, "NextContinuationToken");
  return page;
}

Result<std::string> parse_initiate_multipart(std::string_view body) {
  CLOUDSYNC_ASSIGN_OR_RETURN(pugi::xml_document doc, parse_xml(body, "CreateMultipartUpload answer"));
  std::string id = text_of(doc.child("InitiateMultipartUploadResult"), "UploadId");
  if (id.empty()) return make_error(ErrorCode::BadResponse, "S3 CreateMultipartUpload answer has no <UploadId>");
  return id;
}

Result<std::string> parse_complete_multipart(std::string_view body) {
  CLOUDSYNC_ASSIGN_OR_RETURN(pugi::xml_document doc, parse_xml(body, "CompleteMultipartUpload answer"));
  pugi::xml_node root = doc.child("CompleteMultipartUploadResult");
  // moto names it CompleteMultipartUploadResponse.
  if (!root) root = doc.child("CompleteMultipartUploadResponse");
  if (!root) {
    return make_error(ErrorCode::BadResponse, "S3 CompleteMultipartUpload answer has no result: '{}'",
                      body.substr(0, 300));
  }
  return unquote_etag(text_of(root, "ETag"));
}

Result<std::string> parse_copy_result(std::string_view body) {
  CLOUDSYNC_ASSIGN_OR_RETURN(pugi::xml_document doc, parse_xml(body, "copy answer"));
  pugi::xml_node root = doc.child("CopyObjectResult");
  if (!root) root = doc.child("CopyPartResult");
  std::string etag = root ? unquote_etag(text_of(root, "ETag")) : std::string();
  if (etag.empty()) return make_error(ErrorCode::BadResponse, "S3 copy answer has no ETag: '{}'", body.substr(0, 300));
  return etag;
}

std::string build_complete_multipart(std::span<const CompletedPart> parts) {
  pugi::xml_document doc;
  pugi::xml_node root = doc.append_child("CompleteMultipartUpload");
  root.append_attribute("xmlns") = "http://s3.amazonaws.com/doc/2006-03-01/";
  for (const CompletedPart& p : parts) {
    pugi::xml_node part = root.append_child("Part");
    part.append_child("PartNumber").text() = p.number;
    part.append_child("ETag").text() = ("\"" + p.etag + "\"").c_str();
    if (!p.crc32c_b64.empty()) part.append_child("ChecksumCRC32C").text() = p.crc32c_b64.c_str();
  }
  return to_string(doc);
}

std::string build_delete_objects(std::span<const std::string> keys) {
  pugi::xml_document doc;
  pugi::xml_node root = doc.append_child("Delete");
  root.append_attribute("xmlns") = "http://s3.amazonaws.com/doc/2006-03-01/";
  root.append_child("Quiet").text() = "true";
  for (const std::string& key : keys) {
    root.append_child("Object").append_child("Key").text() = key.c_str();
  }
  return to_string(doc);
}

Result<std::vector<DeleteFailure>> parse_delete_result(std::string_view body) {
  CLOUDSYNC_ASSIGN_OR_RETURN(pugi::xml_document doc, parse_xml(body, "DeleteObjects answer"));
  pugi::xml_node root = doc.child("DeleteResult");
  if (!root) return make_error(ErrorCode::BadResponse, "S3 DeleteObjects answer has no <DeleteResult>");
  std::vector<DeleteFailure> out;
  for (pugi::xml_node e : root.children("Error")) {
    out.push_back(DeleteFailure{text_of(e, "Key"), text_of(e, "Code"), text_of(e, "Message")});
  }
  return out;
}

Result<ListUploadsPage> parse_list_multipart_uploads(std::string_view body, bool url_encoded) {
  CLOUDSYNC_ASSIGN_OR_RETURN(pugi::xml_document doc, parse_xml(body, "ListMultipartUploads answer"));
  pugi::xml_node root = doc.child("ListMultipartUploadsResult");
  if (!root) return make_error(ErrorCode::BadResponse, "S3 ListMultipartUploads answer has no result");
  ListUploadsPage page;
  for (pugi::xml_node u : root.children("Upload")) {
    PendingUpload upload;
    upload.key = decode_key(text_of(u, "Key"), url_encoded);
    upload.upload_id = text_of(u, "UploadId");
    if (auto initiated = parse_rfc3339(text_of(u, "Initiated")); initiated.ok()) upload.initiated = *initiated;
    if (!upload.upload_id.empty()) page.uploads.push_back(std::move(upload));
  }
  page.truncated = std::string_view(root.child("IsTruncated").text().as_string()) == "true";
  page.next_key_marker = text_of(root, "NextKeyMarker");
  page.next_upload_id_marker = text_of(root, "NextUploadIdMarker");
  return page;
}

}  // namespace cloudsync::s3
