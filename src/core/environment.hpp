// The process environment, read in one place (credential chains read many
// variables; each reader used to carry its own getenv wrapper).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cloudsync {

/// The value of the environment variable `name`; nullopt when it is unset
/// (set but empty is "", which some credential chains treat differently).
std::optional<std::string> environment_variable(std::string_view name);

}  // namespace cloudsync
