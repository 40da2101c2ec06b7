// A view of another backend below a key prefix (s3://bucket/a/b is the bucket
// backend seen through the prefix "a/b"). One adapter serves every provider.
#include <utility>

#include "cloudsync/backend.hpp"
#include "core/error.hpp"

namespace cloudsync {
namespace {

class PrefixedUpload final : public MultipartUpload {
 public:
  PrefixedUpload(std::unique_ptr<MultipartUpload> inner, std::string key)
      : inner_(std::move(inner)), key_(std::move(key)) {}
  Result<PartInfo> upload_part(uint32_t n, ByteSource& data, const OpContext& ctx) override {
    return inner_->upload_part(n, data, ctx);
  }
  Result<ObjectMeta> complete(std::vector<PartInfo> parts, const OpContext& ctx) override {
    CLOUDSYNC_ASSIGN_OR_RETURN(ObjectMeta meta, inner_->complete(std::move(parts), ctx));
    meta.key = key_;
    return meta;
  }
  Status abort(const OpContext& ctx) override { return inner_->abort(ctx); }

 private:
  std::unique_ptr<MultipartUpload> inner_;
  std::string key_;
};

class PrefixedBackend final : public StorageBackend {
 public:
  PrefixedBackend(std::shared_ptr<StorageBackend> inner, Path prefix)
      : inner_(std::move(inner)),
        prefix_(std::move(prefix)),
        key_prefix_(prefix_.str() + "/"),
        caps_(inner_->capabilities()) {
    // Keys get the prefix in front: the longest key shrinks by its length.
    if (caps_.max_key_bytes > 0) {
      caps_.max_key_bytes = caps_.max_key_bytes > key_prefix_.size()
                                ? caps_.max_key_bytes - static_cast<uint32_t>(key_prefix_.size())
                                : 1;
    }
  }

  std::string scheme() const override { return inner_->scheme(); }
  std::string describe() const override {
    std::string base = inner_->describe();
    if (!base.empty() && base.back() != '/') base += '/';
    return base + prefix_.str();
  }
  const Capabilities& capabilities() const override { return caps_; }

  Result<ObjectMeta> head(const Path& path, const OpContext& ctx) override {
    return strip(inner_->head(prefix_.join(path), ctx));
  }
  Result<ObjectMeta> get(const Path& path, const GetOptions& options, ByteSink& sink, const OpContext& ctx) override {
    return strip(inner_->get(prefix_.join(path), options, sink, ctx));
  }
  Result<ObjectMeta> put(const Path& path, ByteSource& data, const PutOptions& options, const OpContext& ctx) override {
    return strip(inner_->put(prefix_.join(path), data, options, ctx));
  }
  Result<std::unique_ptr<MultipartUpload>> start_multipart(const Path& path, const PutOptions& options,
                                                           const OpContext& ctx) override {
    CLOUDSYNC_ASSIGN_OR_RETURN(auto upload, inner_->start_multipart(prefix_.join(path), options, ctx));
    return std::unique_ptr<MultipartUpload>(std::make_unique<PrefixedUpload>(std::move(upload), path.str()));
  }
  Result<ListPage> list_page(const ListOptions& options, const OpContext& ctx) override {
    ListOptions inner_options = options;
    inner_options.prefix = key_prefix_ + options.prefix;
    CLOUDSYNC_ASSIGN_OR_RETURN(ListPage page, inner_->list_page(inner_options, ctx));
    ListPage out;
    out.next_page_token = std::move(page.next_page_token);
    for (ObjectMeta& meta : page.objects) {
      if (meta.key.compare(0, key_prefix_.size(), key_prefix_) != 0) continue;  // not ours
      meta.key.erase(0, key_prefix_.size());
      out.objects.push_back(std::move(meta));
    }
    for (std::string& p : page.common_prefixes) {
      if (p.compare(0, key_prefix_.size(), key_prefix_) != 0) continue;
      out.common_prefixes.push_back(p.substr(key_prefix_.size()));
    }
    return out;
  }
  Result<std::vector<Status>> remove_many(std::span<const Path> paths, const OpContext& ctx) override {
    std::vector<Path> full;
    full.reserve(paths.size());
    for (const Path& p : paths) full.push_back(prefix_.join(p));
    return inner_->remove_many(full, ctx);
  }
  Result<uint64_t> sweep_interrupted_uploads(const SweepOptions& options, const OpContext& ctx) override {
    SweepOptions inner = options;
    inner.prefix = key_prefix_ + options.prefix;
    return inner_->sweep_interrupted_uploads(inner, ctx);
  }
  StoredObjectRef locate(const Path& path) const override { return inner_->locate(prefix_.join(path)); }
  bool can_copy_from(const StorageBackend& source) const override { return inner_->can_copy_from(source); }
  Result<ObjectMeta> copy_from(const StorageBackend& source, const Path& src_path, const Path& dst_path,
                               const CopyOptions& options, const OpContext& ctx) override {
    return strip(inner_->copy_from(source, src_path, prefix_.join(dst_path), options, ctx));
  }
  std::optional<LocalFolder> local_root() const override {
    auto root = inner_->local_root();
    if (!root) return std::nullopt;
    return LocalFolder{root->anchor, root->below.join(prefix_)};
  }

 private:
  Result<ObjectMeta> strip(Result<ObjectMeta> r) const {
    if (!r.ok()) return r;
    ObjectMeta& meta = r.value();
    if (meta.key.compare(0, key_prefix_.size(), key_prefix_) == 0) meta.key.erase(0, key_prefix_.size());
    return r;
  }

  std::shared_ptr<StorageBackend> inner_;
  Path prefix_;
  std::string key_prefix_;
  Capabilities caps_;
};

}  // namespace

std::shared_ptr<StorageBackend> make_prefixed_backend(std::shared_ptr<StorageBackend> inner, Path prefix) {
  if (prefix.is_root()) return inner;
  return std::make_shared<PrefixedBackend>(std::move(inner), std::move(prefix));
}

}  // namespace cloudsync
