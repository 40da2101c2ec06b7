// Helpers for the FsWatcher tests: collecting changes until an expected one
// arrives, and files written the way tools write them.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "watch/fs_watcher.hpp"

namespace cloudsync::test {

/// Waits on `watcher` until `done(changes so far)` holds or `timeout` passes;
/// returns every change seen (REQUIREs each wait to succeed).
std::vector<FsChange> collect_until(FsWatcher& watcher, const std::function<bool(const std::vector<FsChange>&)>& done,
                                    std::chrono::milliseconds timeout = std::chrono::seconds(5));

/// Collects until a change of `kind` for `path` arrives.
std::vector<FsChange> collect_until_change(FsWatcher& watcher, FsChange::Kind kind, const std::string& path,
                                           std::chrono::milliseconds timeout = std::chrono::seconds(5));

/// Whether `changes` holds one of `kind` for `path`.
bool has_change(const std::vector<FsChange>& changes, FsChange::Kind kind, const std::string& path);
/// Whether `changes` mentions `path` at all.
bool mentions(const std::vector<FsChange>& changes, const std::string& path);

/// Every change, one "kind path" line each, for failure messages.
std::string describe(const std::vector<FsChange>& changes);

/// Opens a watcher over `root` (REQUIREs success), ignoring what `ignored` says.
std::unique_ptr<FsWatcher> open_watcher(const std::filesystem::path& root, bool force_polling = false,
                                        std::chrono::milliseconds poll_interval = std::chrono::milliseconds(100),
                                        std::function<bool(std::string_view, bool)> ignored = {});

}  // namespace cloudsync::test
