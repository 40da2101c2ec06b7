// Checks shared by the tests that compare a plan with what applying it did.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "cloudsync/sync.hpp"

namespace cloudsync::test {

/// Every add, update and delete of `plan` is Done in `report`, and nothing
/// else is; afterwards each transferred file in `local` holds what
/// `remote_content(path)` returns and each deleted one is gone.
void check_applied_exactly(const Plan& plan, const SyncReport& report, const std::filesystem::path& local,
                           const std::function<std::string(const std::string&)>& remote_content);

}  // namespace cloudsync::test
