// The non-virtual conveniences of StorageBackend, written once over the core methods.
#include "cloudsync/backend.hpp"

#include "core/error.hpp"

namespace cloudsync {

Result<std::unique_ptr<MultipartUpload>> StorageBackend::start_multipart(const Path& path, const PutOptions&,
                                                                         const OpContext&) {
  return make_error(ErrorCode::Unsupported, "{} does not support multipart uploads (writing '{}')", describe(),
                    path.str());
}

std::optional<LocalFolder> StorageBackend::local_root() const { return std::nullopt; }

Result<uint64_t> StorageBackend::sweep_interrupted_uploads(const SweepOptions&, const OpContext&) { return 0; }

Status StorageBackend::remove(const Path& path, const OpContext& ctx) {
  CLOUDSYNC_ASSIGN_OR_RETURN(std::vector<Status> results, remove_many(std::span<const Path>(&path, 1), ctx));
  if (results.size() != 1) return make_error(ErrorCode::Internal, "remove_many returned {} results for 1 path", results.size());
  return results.front();
}

Status StorageBackend::list(ListOptions options, const std::function<Status(const ObjectMeta&)>& visit,
                            const OpContext& ctx, const std::function<void(const UnreadableEntry&)>& unreadable) {
  std::optional<UnreadableEntry> first_unreadable;
  auto finish = [&]() -> Status {
    if (!first_unreadable) return Status::OK();
    return first_unreadable->reason.with_context(
        fmt::format("listing {} could not read '{}'", describe(), first_unreadable->key));
  };
  for (;;) {
    if (ctx.cancelled()) return Status(ErrorCode::Cancelled, "listing cancelled");
    CLOUDSYNC_ASSIGN_OR_RETURN(ListPage page, list_page(options, ctx));
    for (const UnreadableEntry& entry : page.unreadable) {
      if (unreadable) {
        unreadable(entry);
      } else if (!first_unreadable) {
        first_unreadable = entry;
      }
    }
    for (const ObjectMeta& meta : page.objects) CLOUDSYNC_RETURN_IF_ERROR(visit(meta));
    if (!options.recursive) {
      for (const std::string& prefix : page.common_prefixes) {
        ObjectMeta dir;
        dir.key = prefix;
        dir.kind = ObjectKind::DirectoryMarker;
        CLOUDSYNC_RETURN_IF_ERROR(visit(dir));
      }
    }
    if (page.next_page_token.empty()) return finish();
    if (page.next_page_token == options.page_token) {
      return make_error(ErrorCode::Internal, "{} returned the same page token twice", describe());
    }
    options.page_token = std::move(page.next_page_token);
  }
}

Result<std::vector<ObjectMeta>> StorageBackend::list_all(ListOptions options, const OpContext& ctx) {
  std::vector<ObjectMeta> out;
  CLOUDSYNC_RETURN_IF_ERROR(list(std::move(options), [&](const ObjectMeta& m) {
    out.push_back(m);
    return Status::OK();
  }, ctx));
  return out;
}

Result<std::string> StorageBackend::read_all(const Path& path, const OpContext& ctx) {
  StringSink sink;
  CLOUDSYNC_RETURN_IF_ERROR(get(path, GetOptions{}, sink, ctx));
  return std::move(sink.out);
}

Result<ObjectMeta> StorageBackend::write_all(const Path& path, std::string_view data, const PutOptions& options,
                                             const OpContext& ctx) {
  MemorySource source(data);
  return put(path, source, options, ctx);
}

}  // namespace cloudsync
