#include "backends/azure/azure_xml.hpp"

#include <pugixml.hpp>

#include "backends/azure/azure_meta.hpp"
#include "backends/xml_depth.hpp"
#include "core/ascii.hpp"
#include "core/error.hpp"
#include "core/time.hpp"
#include "core/url.hpp"
#include "http/http_date.hpp"

namespace cloudsync::azure {

namespace {

// Blob names are data: whitespace-only names and carriage returns must
// survive, so whitespace PCDATA is kept and line ends are not normalised.
constexpr unsigned kParseFlags = (pugi::parse_default | pugi::parse_ws_pcdata) & ~pugi::parse_eol;

Result<std::string> name_of(const pugi::xml_node& entry) {
  pugi::xml_node name = entry.child("Name");
  std::string text = name.text().get();
  if (name.attribute("Encoded").as_bool()) {
    Result<std::string> decoded = percent_decode(text);
    if (!decoded.ok()) return make_error(ErrorCode::BadResponse, "List Blobs returned a badly encoded name");
    return decoded;
  }
  return text;
}

Result<ObjectMeta> object_of(const pugi::xml_node& blob) {
  ObjectMeta meta;
  CLOUDSYNC_ASSIGN_OR_RETURN(meta.key, name_of(blob));
  pugi::xml_node props = blob.child("Properties");
  std::string_view length = props.child_value("Content-Length");
  std::optional<uint64_t> size = parse_u64(length);
  if (!size) {
    return make_error(ErrorCode::BadResponse, "List Blobs returned no valid Content-Length for '{}'", meta.key);
  }
  meta.size = *size;
  meta.etag = quoted_etag(props.child_value("Etag"));
  if (Result<TimePoint> t = parse_http_date(props.child_value("Last-Modified")); t.ok()) meta.last_modified = *t;
  meta.hashes.md5 = md5_hex_from_base64(props.child_value("Content-MD5"));
  meta.content_type = props.child_value("Content-Type");
  meta.version = blob.child_value("VersionId");
  for (pugi::xml_node m : blob.child("Metadata").children()) {
    if (m.type() != pugi::node_element) continue;
    std::string key = m.name();
    for (char& c : key) c = ascii_lower(c);
    meta.metadata[key] = m.text().get();
  }
  apply_metadata(meta);
  // Hierarchical-namespace accounts (ADLS Gen2) list real directories.
  if (std::string_view(props.child_value("ResourceType")) == "directory") meta.kind = ObjectKind::DirectoryMarker;
  return meta;
}

}  // namespace

Result<ListPage> parse_list_blobs(std::string_view xml) {
  pugi::xml_document doc;
  pugi::xml_parse_result parsed = doc.load_buffer(xml.data(), xml.size(), kParseFlags);
  pugi::xml_node root = doc.child("EnumerationResults");
  if (!parsed || !root) return make_error(ErrorCode::BadResponse, "List Blobs returned a malformed document");
  if (xml_deeper_than(doc)) {
    return make_error(ErrorCode::BadResponse,
                      "List Blobs returned a malformed document (XML nested deeper than {} levels)", kMaxXmlDepth);
  }
  ListPage page;
  for (pugi::xml_node entry : root.child("Blobs").children()) {
    std::string_view kind = entry.name();
    if (kind == "Blob") {
      CLOUDSYNC_ASSIGN_OR_RETURN(ObjectMeta meta, object_of(entry));
      page.objects.push_back(std::move(meta));
    } else if (kind == "BlobPrefix") {
      CLOUDSYNC_ASSIGN_OR_RETURN(std::string prefix, name_of(entry));
      page.common_prefixes.push_back(std::move(prefix));
    }
  }
  page.next_page_token = root.child("NextMarker").text().get();
  return page;
}

std::string block_list_xml(const std::vector<std::string>& block_ids) {
  // Block ids are base64 (no characters XML would need escaped).
  std::string out = "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>";
  for (const std::string& id : block_ids) out += "<Latest>" + id + "</Latest>";
  out += "</BlockList>";
  return out;
}

}  // namespace cloudsync::azure
