// The non-virtual conveniences of StorageBackend, written once over the core methods.
#include "cloudsync/backend.hpp"

#include <unordered_set>

#include "core/error.hpp"
#include "core/hash.hpp"

namespace cloudsync {

Result<std::unique_ptr<MultipartUpload>> StorageBackend::start_multipart(const Path& path, const PutOptions&,
                                                                         const OpContext&) {
  return make_error(ErrorCode::Unsupported, "{} does not support multipart uploads (writing '{}')", describe(),
                    path.str());
}

std::optional<LocalFolder> StorageBackend::local_root() const { return std::nullopt; }

Result<uint64_t> StorageBackend::sweep_interrupted_uploads(const SweepOptions&, const OpContext&) { return 0; }

StoredObjectRef StorageBackend::locate(const Path& path) const { return StoredObjectRef{this, path}; }

bool StorageBackend::can_copy_from(const StorageBackend&) const { return false; }

Result<ObjectMeta> StorageBackend::copy_from(const StorageBackend& source, const Path& src_path, const Path& dst_path,
                                             const CopyOptions&, const OpContext&) {
  return make_error(ErrorCode::Unsupported, "{} cannot copy '{}' of {} server-side (writing '{}')", describe(),
                    src_path.str(), source.describe(), dst_path.str());
}

Status StorageBackend::remove(const Path& path, const OpContext& ctx) {
  CLOUDSYNC_ASSIGN_OR_RETURN(std::vector<Status> results, remove_many(std::span<const Path>(&path, 1), ctx));
  if (results.size() != 1)
    return make_error(ErrorCode::Internal, "remove_many returned {} results for 1 path", results.size());
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
  const uint64_t max_pages = options.max_pages > 0 ? options.max_pages : kDefaultMaxListPages;
  // Every token sent in this listing (as digests: some backends' tokens are
  // large). A server that hands out one of them again (even after other
  // pages: A, B, A, ...) would keep the listing going round forever,
  // returning the same entries again and again.
  std::unordered_set<std::string> sent;
  if (!options.page_token.empty()) sent.insert(sha256_digest(options.page_token));
  for (uint64_t pages = 1;; ++pages) {
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
    if (!sent.insert(sha256_digest(page.next_page_token)).second) {
      return make_error(ErrorCode::BadResponse,
                        "listing {}: the server repeated a page token it had already given (after page {}); the "
                        "listing would never end",
                        describe(), pages);
    }
    if (pages >= max_pages) {
      return make_error(ErrorCode::LimitExceeded, "listing {}: still more after {} pages; giving up (max_pages)",
                        describe(), pages);
    }
    options.page_token = std::move(page.next_page_token);
  }
}

Result<std::vector<ObjectMeta>> StorageBackend::list_all(ListOptions options, const OpContext& ctx) {
  std::vector<ObjectMeta> out;
  CLOUDSYNC_RETURN_IF_ERROR(list(
      std::move(options),
      [&](const ObjectMeta& m) {
        out.push_back(m);
        return Status::OK();
      },
      ctx));
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
