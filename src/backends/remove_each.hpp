// remove_many for stores that delete one object per request: one Status per
// path, in order; once the operation is cancelled the remaining paths are
// reported Cancelled without being tried.
#pragma once

#include <span>
#include <vector>

#include "cloudsync/backend.hpp"

namespace cloudsync {

template <typename RemoveOne>
std::vector<Status> remove_each(std::span<const Path> paths, const OpContext& ctx, RemoveOne&& remove_one) {
  std::vector<Status> results;
  results.reserve(paths.size());
  for (const Path& path : paths) {
    if (ctx.cancelled()) {
      results.emplace_back(ErrorCode::Cancelled, "delete cancelled");
      continue;
    }
    results.push_back(remove_one(path));
  }
  return results;
}

}  // namespace cloudsync
