// Drive names <-> key segments, and the search-query text that finds them.
//
// A key segment is the Drive name with '/' shown as U+FF0F (a '/' cannot be
// part of a key segment); a Google-native file's segment adds its export
// extension ("Budget" -> "Budget.xlsx").
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "backends/gdrive/gdrive_export_formats.hpp"
#include "backends/gdrive/gdrive_file.hpp"

namespace cloudsync::gdrive {

/// The key segment naming `file`; nullopt for a native file no export format
/// applies to (such files are not listed).
std::optional<std::string> key_segment(const DriveFile& file, const ExportFormats& formats);

/// The Drive names that may appear as `segment`: itself, with U+FF0F turned
/// back into '/', and without an export extension (a native document).
std::vector<std::string> candidate_names(std::string_view segment, const ExportFormats& formats);

/// A string literal for a files.list query: quoted, with '\' and '\'' escaped
/// (developers.google.com/drive/api/guides/ref-search-terms).
std::string query_literal(std::string_view text);

/// "('a' in parents or 'b' in parents)" for one or more folder IDs.
std::string parents_clause(const std::vector<std::string>& folder_ids);

}  // namespace cloudsync::gdrive
