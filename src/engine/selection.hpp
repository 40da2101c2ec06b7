// Import selections: which remote objects "data/", "a.csv" and "**/*.json" mean.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "cloudsync/backend.hpp"

namespace cloudsync {

/// Resolves selectors against a backend: an exact key, a folder (trailing '/'
/// or a name with objects below it; folder boundaries respected), or a glob
/// ('*' and '?' within a segment, '**' across). Each selector must match
/// something (NotFound otherwise). Each selected object is handed to `visit`
/// once, as it is listed (nothing is collected here: a selection of a million
/// objects is held only as compactly as the caller holds it). Keys that are
/// not valid Paths are handed over too, so that the plan can report them as
/// skipped.
Status resolve_selection(StorageBackend& backend, const std::vector<std::string>& selectors,
                         const std::function<void(const ObjectMeta&)>& visit, const OpContext& ctx);

}  // namespace cloudsync
