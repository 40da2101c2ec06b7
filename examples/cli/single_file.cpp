#include "single_file.hpp"

#include <filesystem>
#include <optional>
#include <system_error>

#include <fmt/format.h>

namespace cloudsync::cli {

namespace {

class SingleObjectView final : public StorageBackend {
 public:
  SingleObjectView(std::shared_ptr<StorageBackend> inner, Path inner_key, Path shown_key)
      : inner_(std::move(inner)), inner_key_(std::move(inner_key)), shown_key_(std::move(shown_key)) {}

  std::string scheme() const override { return inner_->scheme(); }
  std::string describe() const override {
    std::string folder = inner_->describe();
    return folder + (folder.ends_with("/") ? "" : "/") + inner_key_.str();
  }
  const Capabilities& capabilities() const override { return inner_->capabilities(); }

  Result<ObjectMeta> head(const Path& path, const OpContext& ctx) override {
    CLOUDSYNC_RETURN_IF_ERROR(check(path));
    return shown(inner_->head(inner_key_, ctx));
  }
  Result<ObjectMeta> get(const Path& path, const GetOptions& options, ByteSink& sink, const OpContext& ctx) override {
    CLOUDSYNC_RETURN_IF_ERROR(check(path));
    return shown(inner_->get(inner_key_, options, sink, ctx));
  }
  Result<ObjectMeta> put(const Path& path, ByteSource& data, const PutOptions& options, const OpContext& ctx) override {
    CLOUDSYNC_RETURN_IF_ERROR(check(path));
    return shown(inner_->put(inner_key_, data, options, ctx));
  }
  Result<std::unique_ptr<MultipartUpload>> start_multipart(const Path& path, const PutOptions& options,
                                                           const OpContext& ctx) override {
    CLOUDSYNC_RETURN_IF_ERROR(check(path));
    return inner_->start_multipart(inner_key_, options, ctx);
  }
  Result<ListPage> list_page(const ListOptions& options, const OpContext& ctx) override {
    ListPage page;
    if (!shown_key_.str().starts_with(options.prefix)) return page;
    auto meta = head(shown_key_, ctx);
    if (meta.ok()) {
      page.objects.push_back(std::move(*meta));
    } else if (meta.status().code() != ErrorCode::NotFound) {
      return meta.status();
    }
    return page;
  }
  Result<std::vector<Status>> remove_many(std::span<const Path> paths, const OpContext& ctx) override {
    for (const Path& path : paths) CLOUDSYNC_RETURN_IF_ERROR(check(path));
    std::vector<Path> inner_paths(paths.size(), inner_key_);
    return inner_->remove_many(inner_paths, ctx);
  }
  // The folder of plain files below the view, when the shown key names the
  // same file there: transfers then write the file directly (a download
  // streams into its temporary) instead of treating it as a remote store.
  std::optional<LocalFolder> local_root() const override {
    auto inner = inner_->local_root();
    if (!inner) return std::nullopt;
    const std::string& full = inner_key_.str();
    const std::string& shown = shown_key_.str();
    if (full == shown) return inner;
    if (!full.ends_with("/" + shown)) return std::nullopt;
    auto parent = Path::parse(std::string_view(full).substr(0, full.size() - shown.size() - 1));
    if (!parent.ok()) return std::nullopt;
    return LocalFolder{inner->anchor, inner->below.join(*parent)};
  }
  Result<uint64_t> sweep_interrupted_uploads(const SweepOptions& options, const OpContext& ctx) override {
    SweepOptions own = options;
    own.prefix = inner_key_.str();  // only what an upload of this one object left
    return inner_->sweep_interrupted_uploads(own, ctx);
  }
  StoredObjectRef locate(const Path& path) const override {
    if (!check(path).ok()) return StoredObjectRef{this, path};
    return inner_->locate(inner_key_);
  }
  bool can_copy_from(const StorageBackend& source) const override { return inner_->can_copy_from(source); }
  Result<ObjectMeta> copy_from(const StorageBackend& source, const Path& src_path, const Path& dst_path,
                               const CopyOptions& options, const OpContext& ctx) override {
    CLOUDSYNC_RETURN_IF_ERROR(check(dst_path));
    return shown(inner_->copy_from(source, src_path, inner_key_, options, ctx));
  }

 private:
  Status check(const Path& path) const {
    if (path == shown_key_) return Status::OK();
    return Status(ErrorCode::InvalidArgument,
                  fmt::format("'{}' is outside the single file this command works on", path.str()));
  }
  Result<ObjectMeta> shown(Result<ObjectMeta> meta) const {
    if (meta.ok()) meta->key = shown_key_.str();
    return meta;
  }

  std::shared_ptr<StorageBackend> inner_;
  Path inner_key_;
  Path shown_key_;
};

bool is_local(const std::string& url) { return url.find("://") == std::string::npos || url.starts_with("file://"); }

// "s3://bucket/docs/a.pdf" -> {"s3://bucket/docs", "a.pdf"}; nullopt when the
// URL names a bucket (container, Drive folder, mem store) or ends with '/'.
std::optional<FileUrl> split(const std::string& url) {
  if (url.empty() || url.ends_with("/")) return std::nullopt;
  size_t slash = url.rfind('/');
  if (!is_local(url)) {
    size_t bucket_end = url.find('/', url.find("://") + 3);
    if (bucket_end == std::string::npos || slash < bucket_end) return std::nullopt;
  }
  if (slash == std::string::npos) return FileUrl{".", url};
  std::string folder = url.substr(0, slash);
  if (folder.empty() || folder == "file://") folder += "/";  // "/a.txt", "file:///a.txt"
  return FileUrl{folder, url.substr(slash + 1)};
}

}  // namespace

std::optional<FileUrl> existing_file(const std::string& url, const BackendOptions& options) {
  auto parts = split(url);
  if (!parts || parts->name == "." || parts->name == "..") return std::nullopt;
  if (is_local(url)) {
    std::error_code ec;
    std::string path = url.starts_with("file://") ? url.substr(7) : url;
    return std::filesystem::is_regular_file(path, ec) ? parts : std::nullopt;
  }
  auto name = Path::parse(parts->name);
  if (!name.ok()) return std::nullopt;
  auto folder = open_backend(parts->folder, options);
  if (!folder.ok()) return std::nullopt;  // opening URL itself reports the problem
  auto meta = (*folder)->head(*name, OpContext{});
  return meta.ok() && meta->kind == ObjectKind::File ? parts : std::nullopt;
}

std::shared_ptr<StorageBackend> make_single_object_view(std::shared_ptr<StorageBackend> inner, Path inner_key,
                                                        Path shown_key) {
  return std::make_shared<SingleObjectView>(std::move(inner), std::move(inner_key), std::move(shown_key));
}

}  // namespace cloudsync::cli
