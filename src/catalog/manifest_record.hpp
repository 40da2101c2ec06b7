// One manifest entry packed into a few bytes: how Manifest holds a project's
// tracked files in memory. As ManifestEntry values a hundred thousand files
// cost about 770 bytes each (a dozen strings, the hashes in hex, the path
// twice); packed, a record is the fields that are set, hashes in binary,
// sizes as varints, and the remote key only where it differs from the path.
#pragma once

#include <string>
#include <string_view>

#include "catalog/manifest.hpp"

namespace cloudsync::manifest_record {

/// Appends `entry`'s record (everything but its path) to `out`.
void pack(const ManifestEntry& entry, std::string& out);

/// The entry whose path is `path` and whose record is `record`.
ManifestEntry unpack(std::string_view path, std::string_view record);

/// Its remote key alone, without unpacking the rest.
std::string_view remote_key(std::string_view path, std::string_view record);

/// Its two fingerprints alone.
void unpack_fingerprints(std::string_view record, Fingerprint& remote, Fingerprint& local);

}  // namespace cloudsync::manifest_record
