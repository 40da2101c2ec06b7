// The names a record export writes: the window's folder, model names, and the
// ids in data file names made safe for any store's keys. Each depends only on
// its inputs, so a rerun of a window names every object as before.
#pragma once

#include <string>
#include <string_view>

#include "cloudsync/status.hpp"
#include "cloudsync/types.hpp"

namespace cloudsync {

/// The window's folder: the UTC minute it was opened, "YYYYMMDDHHMM".
std::string window_folder_name(TimePoint opened);

/// InvalidArgument unless `name` is 1..128 of letters, digits, '_', '-', '.'
/// and not "." or ".." (a model names a folder).
Status check_model_name(std::string_view name);

/// A record's id (JSON: 42 or "a-17") as it appears in a file name: the
/// string's text or the number, every byte outside [A-Za-z0-9._-]
/// percent-encoded ("a/b" -> "a%2Fb").
std::string key_safe_id(std::string_view json_id);

}  // namespace cloudsync
