// The two XML documents of the Blob service this backend exchanges: the List
// Blobs answer and the Put Block List request.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cloudsync/backend.hpp"

namespace cloudsync::azure {

/// Parses an EnumerationResults document: Blob entries (name, properties,
/// metadata) as objects, BlobPrefix entries as common prefixes, NextMarker as
/// the next page token. Names the service percent-encoded (Encoded="true",
/// for characters XML cannot carry) are decoded. Internal on a malformed answer.
Result<ListPage> parse_list_blobs(std::string_view xml);

/// <BlockList><Latest>id</Latest>...</BlockList> for base64 block ids.
std::string block_list_xml(const std::vector<std::string>& block_ids);

}  // namespace cloudsync::azure
