// What open_backend() knows about each URL scheme, for checks made before a
// backend is opened (integration add stores options without opening one).
#pragma once

#include <string_view>

#include "cloudsync/backend.hpp"

namespace cloudsync {

/// Checks option names (not values: those are checked when the backend opens)
/// against what the provider of `url` takes. InvalidArgument for an unknown
/// name; OK for a scheme this build does not know (a host's own factory).
Status check_option_names(std::string_view url, const BackendOptions& options);

}  // namespace cloudsync
