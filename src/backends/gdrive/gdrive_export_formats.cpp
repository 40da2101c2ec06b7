#include "backends/gdrive/gdrive_export_formats.hpp"

#include <algorithm>
#include <array>

#include "core/error.hpp"

namespace cloudsync::gdrive {

namespace {

struct Known {
  std::string_view extension;
  std::string_view mime;
};

// Export MIME types per extension (developers.google.com/drive/api/guides/ref-export-formats).
constexpr std::array<Known, 15> kKnown{{
    {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    {"pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
    {"pdf", "application/pdf"},
    {"csv", "text/csv"},
    {"tsv", "text/tab-separated-values"},
    {"txt", "text/plain"},
    {"odt", "application/vnd.oasis.opendocument.text"},
    {"ods", "application/vnd.oasis.opendocument.spreadsheet"},
    {"odp", "application/vnd.oasis.opendocument.presentation"},
    {"rtf", "application/rtf"},
    {"epub", "application/epub+zip"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
}};

struct NativeType {
  std::string_view mime;
  std::string_view extensions;  // the formats Google exports this kind to
};

constexpr std::array<NativeType, 4> kNative{{
    {"application/vnd.google-apps.document", "docx,odt,rtf,pdf,txt,epub"},
    {"application/vnd.google-apps.spreadsheet", "xlsx,ods,pdf,csv,tsv"},
    {"application/vnd.google-apps.presentation", "pptx,odp,pdf,txt"},
    {"application/vnd.google-apps.drawing", "pdf,svg,png,jpg"},
}};

bool listed(std::string_view list, std::string_view item) {
  while (!list.empty()) {
    size_t comma = list.find(',');
    if (list.substr(0, comma) == item) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

Result<ExportFormats> ExportFormats::parse(std::string_view preferences) {
  ExportFormats formats;
  if (preferences == "none") return formats;
  while (!preferences.empty()) {
    size_t comma = preferences.find(',');
    std::string ext(preferences.substr(0, comma));
    ext.erase(std::remove(ext.begin(), ext.end(), ' '), ext.end());
    if (!ext.empty() && ext.front() == '.') ext.erase(0, 1);
    for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!ext.empty()) {
      bool known = std::any_of(kKnown.begin(), kKnown.end(), [&](const Known& k) { return k.extension == ext; });
      if (!known) {
        return make_error(ErrorCode::InvalidArgument,
                          "unknown export format '{}' (known: docx, xlsx, pptx, pdf, csv, tsv, txt, odt, ods, odp, "
                          "rtf, epub, svg, png, jpg)",
                          ext);
      }
      if (std::find(formats.extensions_.begin(), formats.extensions_.end(), ext) == formats.extensions_.end()) {
        formats.extensions_.push_back(ext);
      }
    }
    if (comma == std::string_view::npos) break;
    preferences.remove_prefix(comma + 1);
  }
  return formats;
}

std::optional<ExportFormat> ExportFormats::for_type(std::string_view google_mime) const {
  auto native =
      std::find_if(kNative.begin(), kNative.end(), [&](const NativeType& t) { return t.mime == google_mime; });
  if (native == kNative.end()) return std::nullopt;
  for (const std::string& ext : extensions_) {
    if (!listed(native->extensions, ext)) continue;
    for (const Known& k : kKnown) {
      if (k.extension == ext) return ExportFormat{ext, std::string(k.mime)};
    }
  }
  return std::nullopt;
}

}  // namespace cloudsync::gdrive
