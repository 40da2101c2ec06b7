// The User-Agent header of every request the library sends.
//
// Stores log it, and their operators (and a host's own support staff reading
// S3 server access logs or Azure's storage analytics) use it to tell which
// application a request came from, so a host names itself here once.
//
// C++ API: source-stable within a major version, not binary-stable (see log.hpp).
#pragma once

#include <string>
#include <string_view>

#include "cloudsync/export.hpp"
#include "cloudsync/status.hpp"

namespace cloudsync {

/// Appends the host's product tokens (RFC 9110 §10.1.5, e.g.
/// "notebook-server/2.3" or "labeller/5.1 (org 42)") to the library's own
/// "cloudsync/<version>" for every request sent from now on, by every backend,
/// including those already open. An empty `product` removes it. Process-wide
/// and thread-safe. InvalidArgument when `product` has characters outside
/// printable ASCII (a header must not carry a line break) or is longer than
/// 256 bytes; the previous value is kept then.
CLOUDSYNC_API Status set_user_agent_product(std::string_view product);

/// The User-Agent requests carry now: "cloudsync/<version>", then the host's
/// product tokens when set.
CLOUDSYNC_API std::string user_agent();

}  // namespace cloudsync
