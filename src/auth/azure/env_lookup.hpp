// Environment variables as the Azure credential code reads them: through a
// lookup that tests replace, so that no test changes the process environment.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace cloudsync::auth {

/// Looks an environment variable up; nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;
/// The process environment.
EnvLookup process_environment();

}  // namespace cloudsync::auth
