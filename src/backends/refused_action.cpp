#include "backends/refused_action.hpp"

#include <utility>

namespace cloudsync::backends {
namespace {

constexpr std::string_view kList = "list";
constexpr std::string_view kRead = "read";
constexpr std::string_view kWrite = "write";
constexpr std::string_view kDelete = "delete";

Status labelled(const Status& status, std::string_view action) { return status.with_missing_action(action); }

template <class T>
Result<T> labelled(Result<T> result, std::string_view action) {
  if (result.ok()) return result;
  return labelled(result.status(), action);
}

class LabelledUpload final : public MultipartUpload {
 public:
  explicit LabelledUpload(std::unique_ptr<MultipartUpload> inner) : inner_(std::move(inner)) {}
  Result<PartInfo> upload_part(uint32_t n, ByteSource& data, const OpContext& ctx) override {
    return labelled(inner_->upload_part(n, data, ctx), kWrite);
  }
  Result<ObjectMeta> complete(std::vector<PartInfo> parts, const OpContext& ctx) override {
    return labelled(inner_->complete(std::move(parts), ctx), kWrite);
  }
  Status abort(const OpContext& ctx) override { return labelled(inner_->abort(ctx), kWrite); }

 private:
  std::unique_ptr<MultipartUpload> inner_;
};

class LabelledBackend final : public StorageBackend {
 public:
  explicit LabelledBackend(std::shared_ptr<StorageBackend> inner) : inner_(std::move(inner)) {}

  std::string scheme() const override { return inner_->scheme(); }
  std::string describe() const override { return inner_->describe(); }
  const Capabilities& capabilities() const override { return inner_->capabilities(); }

  Result<ObjectMeta> head(const Path& path, const OpContext& ctx) override {
    return labelled(inner_->head(path, ctx), kRead);
  }
  Result<ObjectMeta> get(const Path& path, const GetOptions& options, ByteSink& sink, const OpContext& ctx) override {
    return labelled(inner_->get(path, options, sink, ctx), kRead);
  }
  Result<ObjectMeta> put(const Path& path, ByteSource& data, const PutOptions& options, const OpContext& ctx) override {
    return labelled(inner_->put(path, data, options, ctx), kWrite);
  }
  Result<std::unique_ptr<MultipartUpload>> start_multipart(const Path& path, const PutOptions& options,
                                                           const OpContext& ctx) override {
    auto upload = inner_->start_multipart(path, options, ctx);
    if (!upload.ok()) return labelled(upload.status(), kWrite);
    return std::unique_ptr<MultipartUpload>(std::make_unique<LabelledUpload>(std::move(upload).value()));
  }
  Result<ListPage> list_page(const ListOptions& options, const OpContext& ctx) override {
    return labelled(inner_->list_page(options, ctx), kList);
  }
  Result<std::vector<Status>> remove_many(std::span<const Path> paths, const OpContext& ctx) override {
    auto results = inner_->remove_many(paths, ctx);
    if (!results.ok()) return labelled(results.status(), kDelete);
    for (Status& status : results.value()) status = labelled(status, kDelete);
    return results;
  }
  std::optional<LocalFolder> local_root() const override { return inner_->local_root(); }
  StoredObjectRef locate(const Path& path) const override { return inner_->locate(path); }
  bool can_copy_from(const StorageBackend& source) const override { return inner_->can_copy_from(source); }
  // A refused copy is the destination's write refused (a refused read of the
  // source is reported by the source's own backend when the caller streams).
  Result<ObjectMeta> copy_from(const StorageBackend& source, const Path& src_path, const Path& dst_path,
                               const CopyOptions& options, const OpContext& ctx) override {
    return labelled(inner_->copy_from(source, src_path, dst_path, options, ctx), kWrite);
  }
  Result<uint64_t> sweep_interrupted_uploads(const SweepOptions& options, const OpContext& ctx) override {
    return labelled(inner_->sweep_interrupted_uploads(options, ctx), kDelete);
  }

 private:
  std::shared_ptr<StorageBackend> inner_;
};

}  // namespace

std::shared_ptr<StorageBackend> label_refused_actions(std::shared_ptr<StorageBackend> inner) {
  return std::make_shared<LabelledBackend>(std::move(inner));
}

}  // namespace cloudsync::backends
