// Which format a Google-native file (Docs, Sheets, Slides, Drawings) is
// exported to, and the extension that names it in listings.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cloudsync/status.hpp"

namespace cloudsync::gdrive {

struct ExportFormat {
  std::string extension;  ///< "docx", without the dot
  std::string mime_type;  ///< what files.export is asked for
};

class ExportFormats {
 public:
  /// "docx,xlsx,pptx,pdf": preferred extensions in order; "none" or "" hides
  /// native files. InvalidArgument for an unknown extension.
  static Result<ExportFormats> parse(std::string_view preferences);

  /// The format for a Google-native MIME type, or nullopt when none of the
  /// preferred formats applies to it (such files are not listed).
  std::optional<ExportFormat> for_type(std::string_view google_mime) const;

  /// Extensions that may name an exported file ("docx", ...), for lookups.
  const std::vector<std::string>& extensions() const { return extensions_; }

 private:
  std::vector<std::string> extensions_;
};

}  // namespace cloudsync::gdrive
