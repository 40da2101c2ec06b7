#include "backends/gdrive/gdrive_names.hpp"

#include <algorithm>

namespace cloudsync::gdrive {

namespace {

constexpr std::string_view kFullwidthSolidus = "\xEF\xBC\x8F";  // U+FF0F

std::string replace_all(std::string_view text, std::string_view from, std::string_view to) {
  std::string out;
  for (size_t pos = 0;;) {
    size_t hit = text.find(from, pos);
    out.append(text.substr(pos, hit == std::string_view::npos ? std::string_view::npos : hit - pos));
    if (hit == std::string_view::npos) return out;
    out.append(to);
    pos = hit + from.size();
  }
}

void add_unique(std::vector<std::string>& names, std::string name) {
  if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(std::move(name));
}

}  // namespace

std::optional<std::string> key_segment(const DriveFile& file, const ExportFormats& formats) {
  std::string segment = replace_all(file.name, "/", kFullwidthSolidus);
  if (!file.is_native_document()) return segment;
  std::optional<ExportFormat> format = formats.for_type(file.mime_type);
  if (!format) return std::nullopt;
  return segment + "." + format->extension;
}

std::vector<std::string> candidate_names(std::string_view segment, const ExportFormats& formats) {
  std::vector<std::string> names;
  auto add_with_slashes = [&](std::string_view s) {
    add_unique(names, std::string(s));
    if (s.find(kFullwidthSolidus) != std::string_view::npos) add_unique(names, replace_all(s, kFullwidthSolidus, "/"));
  };
  add_with_slashes(segment);
  for (const std::string& ext : formats.extensions()) {
    if (segment.size() > ext.size() + 1 && segment.ends_with("." + ext)) {
      add_with_slashes(segment.substr(0, segment.size() - ext.size() - 1));
    }
  }
  return names;
}

std::string query_literal(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\\' || c == '\'') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

std::string parents_clause(const std::vector<std::string>& folder_ids) {
  std::string out;
  for (const std::string& id : folder_ids) {
    out += out.empty() ? "" : " or ";
    out += query_literal(id) + " in parents";
  }
  return folder_ids.size() > 1 ? "(" + out + ")" : out;
}

}  // namespace cloudsync::gdrive
