// Import selections: which remote objects "data/", "a.csv" and "**/*.json" mean.
#pragma once

#include <string>
#include <vector>

#include "cloudsync/backend.hpp"

namespace cloudsync {

/// Resolves selectors against a backend: an exact key, a folder (trailing '/'
/// or a name with objects below it; folder boundaries respected), or a glob
/// ('*' and '?' within a segment, '**' across). Each selector must match
/// something (NotFound otherwise). Keys that are not valid Paths are returned
/// too, so that the plan can report them as skipped.
Result<std::vector<ObjectMeta>> resolve_selection(StorageBackend& backend, const std::vector<std::string>& selectors,
                                                  const OpContext& ctx);

}  // namespace cloudsync
