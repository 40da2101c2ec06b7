// The CLI's own JSON documents (--json). Plans, reports, operation results and
// integrations come from the library's serialisers (plan_to_json, ...); this
// file wraps them into one document per command and writes what the library
// has no serialiser for: tracked files and errors. Listings come from the
// library's ListingJsonWriter (cloudsync/listing.hpp), the C ABI's form.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cloudsync/backend.hpp"
#include "cloudsync/workspace.hpp"

namespace cloudsync::cli {

/// An object whose members are already-serialised JSON values.
std::string json_object(const std::vector<std::pair<std::string_view, std::string>>& raw_members);
/// An array of already-serialised JSON values.
std::string json_array(const std::vector<std::string>& raw_values);

/// A JSON string (invalid UTF-8 replaced), and an array of them.
std::string json_string_value(std::string_view text);
std::string json_strings(const std::vector<std::string>& items);

/// {"code","message","exit_status", and the provider's details when known}.
std::string error_to_json(const Status& status);
/// {"integration","files":[{"path","origin","size","remote_etag","sha256"}]}.
std::string tracked_files_to_json(std::string_view integration, const std::vector<TrackedFile>& files);

}  // namespace cloudsync::cli
