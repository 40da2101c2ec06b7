// Checks the rclone interop tests of every provider share: files rclone wrote
// arrive byte-identical with their mtimes, and rclone agrees with what
// cloudsync wrote (`rclone check`, `rclone lsl`).
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>

#include "cloudsync/types.hpp"
#include "cloudsync/workspace.hpp"

namespace cloudsync::test {

/// The pull transferred every one of `files` (key -> content) into `folder`,
/// byte-identical and with its mtime from `mtimes`.
void check_pulled_files(const Result<OperationResult>& pulled, const std::filesystem::path& folder,
                        const std::map<std::string, std::string>& files,
                        const std::map<std::string, TimePoint>& mtimes);

/// `rclone check` found `matching` files alike; with `every_hash_checked`,
/// also none whose hash it could not compare.
void check_rclone_agrees(int exit_code, const std::string& output, size_t matching, bool every_hash_checked = true);

/// `rclone lsl` (run with TZ=UTC) listed each of `files` with the mtime its
/// copy in `folder` has, to the nanosecond.
void check_rclone_lists_mtimes(int exit_code, const std::string& output, const std::filesystem::path& folder,
                               const std::map<std::string, std::string>& files);

}  // namespace cloudsync::test
