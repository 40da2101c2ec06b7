// Byte sizes as people type them, for every size option (the CLI's
// --max-file-size and the providers' part_size, block_size, ...): one parser,
// one meaning of "k".
//
// C++ API: source-stable within a major version, not binary-stable. Use it
// through the static library (cloudsync::cloudsync_static) or add_subdirectory();
// the shared library libcloudsync.so exports the C ABI (cloudsync.h) only.
#pragma once

#include <cstdint>
#include <string_view>

#include "cloudsync/export.hpp"
#include "cloudsync/status.hpp"

namespace cloudsync {

/// "8388608", "512K", "8M", "8MiB", "8mb", "1G", "2T" -> bytes. Multiples are
/// binary (K = 1024), as in rclone and the providers' documentation. Anything
/// else -- a sign, a fraction, an exponent ("1e23"), spaces, a value beyond
/// 2^64 - 1 -- is InvalidArgument; the message quotes the text.
CLOUDSYNC_API Result<uint64_t> parse_size(std::string_view text);

}  // namespace cloudsync
