// Downloads: binary files by alt=media (ranges allowed), Google-native
// documents by export in a configured format.
#include "backends/gdrive/gdrive_backend.hpp"
#include "core/error.hpp"
#include "core/log.hpp"

namespace cloudsync::gdrive {

namespace {

// Exports are held in memory until complete (a failed export then leaves no
// prefix behind); files.export itself stops at 10 MB, exportLinks go further.
constexpr size_t kExportCap = 256u << 20;

}  // namespace

Result<ObjectMeta> DriveBackend::get(const Path& path, const GetOptions& options, ByteSink& sink,
                                     const OpContext& ctx) {
  if (path.is_root()) return make_error(ErrorCode::NotFound, "the root of {} is not an object", describe());
  CLOUDSYNC_ASSIGN_OR_RETURN(Found found, paths_.find(path, ctx));
  CLOUDSYNC_ASSIGN_OR_RETURN(Entry entry, paths_.single(found, path));
  ObjectMeta meta = object_meta(entry.file, path.str());
  if (!options.if_match.empty() && options.if_match != meta.etag) {
    return make_error(ErrorCode::PreconditionFailed, "'{}' changed in {} (version {} is no longer current)", path.str(),
                      describe(), options.if_match);
  }
  if (meta.kind == ObjectKind::Document) return export_document(entry.file, std::move(meta), options, sink, ctx);

  uint64_t offset = options.range ? options.range->offset : 0;
  if (offset > meta.size) {
    return make_error(ErrorCode::InvalidArgument, "range starts at {} beyond the end of '{}' ({} bytes)", offset,
                      path.str(), meta.size);
  }
  uint64_t length = meta.size - offset;
  if (options.range && options.range->length) length = std::min(length, *options.range->length);
  if (length == 0) return meta;  // nothing to fetch (Drive answers 416 to an empty range)
  http::RangeRequest range;
  range.offset = offset;
  if (offset > 0 || length < meta.size) range.length = length;
  std::string what = fmt::format("download of '{}'", path.str());
  CLOUDSYNC_ASSIGN_OR_RETURN(http::RangedAnswer answer, client_->download(entry.file.id, range, sink, what, ctx));
  if (answer.delivered != length) {
    return make_error(ErrorCode::Network, "{}: {} of {} bytes arrived", what, answer.delivered, length);
  }
  return meta;
}

Result<ObjectMeta> DriveBackend::export_document(const DriveFile& file, ObjectMeta meta, const GetOptions& options,
                                                 ByteSink& sink, const OpContext& ctx) {
  std::optional<ExportFormat> format = settings_.export_formats.for_type(file.mime_type);
  if (!format) return make_error(ErrorCode::Unsupported, "'{}' cannot be exported", meta.key);
  std::string what = fmt::format("export of '{}' as {}", meta.key, format->extension);
  Result<std::string> data = client_->export_file(file.id, format->mime_type, kExportCap, what, ctx);
  if (!data.ok() && data.status().provider_code() == "exportSizeLimitExceeded") {
    auto link = file.export_links.find(format->mime_type);
    if (link == file.export_links.end()) return data.status();
    log(LogLevel::Info, "{}: too large for files.export; using the file's export link", what);
    Result<std::string> via_link = client_->fetch_export_link(link->second, kExportCap, what, ctx);
    if (!via_link.ok()) {
      return via_link.status().with_context(
          fmt::format("{} (files.export refused it as too large, and its export link failed too)", what));
    }
    data = std::move(via_link);
  }
  if (!data.ok()) return data.status();
  // An export has no stable bytes to resume into; a range is cut from a whole export.
  std::string_view bytes = *data;
  if (options.range) {
    if (options.range->offset > bytes.size()) {
      return make_error(ErrorCode::InvalidArgument, "range starts beyond the end of the export of '{}'", meta.key);
    }
    bytes = bytes.substr(static_cast<size_t>(options.range->offset),
                         options.range->length ? static_cast<size_t>(*options.range->length) : std::string_view::npos);
  }
  if (!bytes.empty()) CLOUDSYNC_RETURN_IF_ERROR(sink.write(bytes));
  // The metadata stays what listings and head() say (no size: a document
  // has none of its own), so that the version recorded after a download
  // matches the next look at the document.
  return meta;
}

}  // namespace cloudsync::gdrive
