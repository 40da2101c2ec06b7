#include "cloudsync/backends/memory.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/time.hpp"

namespace cloudsync {

namespace {

constexpr uint32_t kMemoryPageSize = 1000;

Result<std::string> read_source(ByteSource& data, const OpContext& ctx) {
  std::string out;
  if (auto n = data.size()) out.reserve(static_cast<size_t>(*n));
  std::vector<char> buf(1 << 16);
  for (;;) {
    if (ctx.cancelled()) return Status(ErrorCode::Cancelled, "upload cancelled");
    CLOUDSYNC_ASSIGN_OR_RETURN(size_t n, data.read(buf));
    if (n == 0) break;
    out.append(buf.data(), n);
  }
  return out;
}

}  // namespace

struct detail::MemoryStore {
  struct StoredObject {
    std::shared_ptr<const std::string> data;
    ObjectMeta meta;
  };
  mutable std::shared_mutex mutex;
  std::map<std::string, StoredObject> objects;  // ordered: listings come out in key order
  uint64_t next_version = 1;

  // Builds and stores the object; the caller holds the lock.
  ObjectMeta store(std::string key, std::string data, const PutOptions& options) {
    Hasher hasher(HashKind::Md5 | HashKind::Crc32c);
    hasher.update(data);
    ObjectMeta meta;
    meta.key = key;
    meta.size = data.size();
    meta.hashes = hasher.finish();
    meta.etag = fmt::format("{}-{}", meta.hashes.md5.substr(0, 16), next_version);
    meta.version = std::to_string(next_version++);
    meta.last_modified = now_utc();
    meta.mtime = options.mtime ? options.mtime : meta.last_modified;
    meta.content_type = options.content_type;
    meta.metadata = options.metadata;
    objects[key] = StoredObject{std::make_shared<const std::string>(std::move(data)), meta};
    return meta;
  }

  Status check_mode(const std::string& key, const PutOptions& options) const {
    auto it = objects.find(key);
    if (options.mode == PutMode::Create && it != objects.end()) {
      return make_error(ErrorCode::AlreadyExists, "'{}' already exists", key);
    }
    if (options.mode == PutMode::Update && (it == objects.end() || it->second.meta.etag != options.if_match)) {
      return make_error(ErrorCode::PreconditionFailed, "'{}' changed since it was read", key);
    }
    return Status::OK();
  }
};

namespace {

class MemoryMultipartUpload final : public MultipartUpload {
 public:
  MemoryMultipartUpload(detail::MemoryStore* impl, std::string key, PutOptions options, Capabilities::Multipart caps)
      : impl_(impl), key_(std::move(key)), options_(std::move(options)), caps_(caps) {}

  Result<PartInfo> upload_part(uint32_t number, ByteSource& data, const OpContext& ctx) override {
    if (number == 0 || (caps_.max_parts && number > caps_.max_parts)) {
      return make_error(ErrorCode::InvalidArgument, "part number {} out of range", number);
    }
    CLOUDSYNC_ASSIGN_OR_RETURN(std::string bytes, read_source(data, ctx));
    if (caps_.max_part_size && bytes.size() > caps_.max_part_size) {
      return make_error(ErrorCode::InvalidArgument, "part {} is larger than {} bytes", number, caps_.max_part_size);
    }
    PartInfo info{number, bytes.size(), md5_digest(bytes).substr(0, 8)};
    info.etag = to_hex(info.etag);
    std::lock_guard lock(mutex_);
    parts_[number] = std::move(bytes);
    return info;
  }

  Result<ObjectMeta> complete(std::vector<PartInfo> parts, const OpContext&) override {
    std::sort(parts.begin(), parts.end(), [](const PartInfo& a, const PartInfo& b) { return a.number < b.number; });
    std::string data;
    {
      std::lock_guard lock(mutex_);
      for (size_t i = 0; i < parts.size(); ++i) {
        auto it = parts_.find(parts[i].number);
        if (it == parts_.end() || it->second.size() != parts[i].size) {
          return make_error(ErrorCode::InvalidArgument, "part {} of '{}' is missing or has another size",
                            parts[i].number, key_);
        }
        bool last = i + 1 == parts.size();
        if (!last && caps_.min_part_size && it->second.size() < caps_.min_part_size) {
          return make_error(ErrorCode::InvalidArgument, "part {} is smaller than the minimum part size",
                            parts[i].number);
        }
        if (!last && caps_.equal_parts && it->second.size() != parts.front().size) {
          return make_error(ErrorCode::InvalidArgument, "parts of '{}' must all have the same size", key_);
        }
        data += it->second;
      }
      parts_.clear();
      done_ = true;
    }
    std::unique_lock lock(impl_->mutex);
    CLOUDSYNC_RETURN_IF_ERROR(impl_->check_mode(key_, options_));
    return impl_->store(key_, std::move(data), options_);
  }

  Status abort(const OpContext&) override {
    std::lock_guard lock(mutex_);
    parts_.clear();
    done_ = true;
    return Status::OK();
  }

 private:
  detail::MemoryStore* impl_;
  std::string key_;
  PutOptions options_;
  Capabilities::Multipart caps_;
  std::mutex mutex_;
  std::map<uint32_t, std::string> parts_;
  bool done_ = false;
};

}  // namespace

Capabilities MemoryBackend::default_capabilities() {
  Capabilities caps;
  caps.mtime_precision = std::chrono::nanoseconds(1);
  caps.hashes = HashKind::Md5 | HashKind::Crc32c;
  caps.conditional_create = true;
  caps.conditional_update = true;
  caps.case_sensitive = true;
  caps.ranged_get = true;
  caps.max_batch_delete = 1000;
  caps.server_side_copy = true;
  caps.multipart.supported = true;
  caps.multipart.parallel = true;
  caps.multipart.equal_parts = true;
  caps.multipart.min_part_size = 1;
  caps.multipart.max_part_size = uint64_t{5} << 30;
  caps.multipart.max_parts = 10000;
  caps.multipart.default_part_size = 8ull << 20;
  caps.multipart.threshold = 16ull << 20;
  return caps;
}

MemoryBackend::MemoryBackend(std::string name, Capabilities caps)
    : name_(std::move(name)), caps_(caps), impl_(std::make_unique<detail::MemoryStore>()) {}
MemoryBackend::~MemoryBackend() = default;

std::string MemoryBackend::describe() const { return "mem://" + name_; }

Result<ObjectMeta> MemoryBackend::head(const Path& path, const OpContext&) {
  std::shared_lock lock(impl_->mutex);
  auto it = impl_->objects.find(path.str());
  if (it == impl_->objects.end())
    return make_error(ErrorCode::NotFound, "'{}' not found in {}", path.str(), describe());
  return it->second.meta;
}

Result<ObjectMeta> MemoryBackend::get(const Path& path, const GetOptions& options, ByteSink& sink,
                                      const OpContext& ctx) {
  detail::MemoryStore::StoredObject obj;
  {
    std::shared_lock lock(impl_->mutex);
    auto it = impl_->objects.find(path.str());
    if (it == impl_->objects.end()) {
      return make_error(ErrorCode::NotFound, "'{}' not found in {}", path.str(), describe());
    }
    obj = it->second;
  }
  if (!options.if_match.empty() && options.if_match != obj.meta.etag) {
    return make_error(ErrorCode::PreconditionFailed, "'{}' changed (etag mismatch)", path.str());
  }
  std::string_view data = *obj.data;
  if (options.range) {
    if (options.range->offset > data.size()) {
      return make_error(ErrorCode::InvalidArgument, "range starts beyond the end of '{}'", path.str());
    }
    data = data.substr(static_cast<size_t>(options.range->offset),
                       options.range->length ? static_cast<size_t>(*options.range->length) : std::string_view::npos);
  }
  constexpr size_t kChunk = 1 << 16;
  while (!data.empty()) {
    if (ctx.cancelled()) return Status(ErrorCode::Cancelled, "download cancelled");
    size_t n = std::min(kChunk, data.size());
    CLOUDSYNC_RETURN_IF_ERROR(sink.write(data.substr(0, n)));
    data.remove_prefix(n);
  }
  return obj.meta;
}

Result<ObjectMeta> MemoryBackend::put(const Path& path, ByteSource& data, const PutOptions& options,
                                      const OpContext& ctx) {
  if (path.is_root()) return make_error(ErrorCode::InvalidArgument, "cannot write the root as an object");
  if (caps_.max_key_bytes && path.str().size() > caps_.max_key_bytes) {
    return make_error(ErrorCode::InvalidArgument, "key is longer than {} bytes", caps_.max_key_bytes);
  }
  CLOUDSYNC_ASSIGN_OR_RETURN(std::string bytes, read_source(data, ctx));
  if (options.size && bytes.size() != *options.size) {
    return make_error(ErrorCode::Integrity, "'{}': source produced {} bytes, expected {}", path.str(), bytes.size(),
                      *options.size);
  }
  std::unique_lock lock(impl_->mutex);
  CLOUDSYNC_RETURN_IF_ERROR(impl_->check_mode(path.str(), options));
  return impl_->store(path.str(), std::move(bytes), options);
}

Result<std::unique_ptr<MultipartUpload>> MemoryBackend::start_multipart(const Path& path, const PutOptions& options,
                                                                        const OpContext&) {
  if (!caps_.multipart.supported) return StorageBackend::start_multipart(path, options, OpContext{});
  if (path.is_root()) return make_error(ErrorCode::InvalidArgument, "cannot write the root as an object");
  return std::unique_ptr<MultipartUpload>(
      std::make_unique<MemoryMultipartUpload>(impl_.get(), path.str(), options, caps_.multipart));
}

bool MemoryBackend::can_copy_from(const StorageBackend& source) const {
  return caps_.server_side_copy && source.locate(Path()).store == this;
}

Result<ObjectMeta> MemoryBackend::copy_from(const StorageBackend& source, const Path& src_path, const Path& dst_path,
                                            const CopyOptions& options, const OpContext& ctx) {
  StoredObjectRef from = source.locate(src_path);
  if (!caps_.server_side_copy || from.store != this) {
    return StorageBackend::copy_from(source, src_path, dst_path, options, ctx);
  }
  if (dst_path.is_root()) return make_error(ErrorCode::InvalidArgument, "cannot write the root as an object");
  std::unique_lock lock(impl_->mutex);
  auto it = impl_->objects.find(from.key.str());
  if (it == impl_->objects.end()) {
    return make_error(ErrorCode::NotFound, "'{}' not found in {}", from.key.str(), describe());
  }
  if (!options.source_if_match.empty() && options.source_if_match != it->second.meta.etag) {
    return make_error(ErrorCode::PreconditionFailed, "'{}' changed (etag mismatch)", from.key.str());
  }
  CLOUDSYNC_RETURN_IF_ERROR(impl_->check_mode(dst_path.str(), options.put));
  std::string bytes = *it->second.data;
  return impl_->store(dst_path.str(), std::move(bytes), options.put);
}

Result<ListPage> MemoryBackend::list_page(const ListOptions& options, const OpContext&) {
  ListPage page;
  uint32_t limit = options.max_keys ? options.max_keys : kMemoryPageSize;
  std::shared_lock lock(impl_->mutex);
  auto it = options.page_token.empty() ? impl_->objects.lower_bound(options.prefix)
                                       : impl_->objects.upper_bound(options.page_token);
  std::string last_prefix;
  for (; it != impl_->objects.end(); ++it) {
    const std::string& key = it->first;
    if (key.compare(0, options.prefix.size(), options.prefix) != 0) break;
    if (!options.recursive) {
      size_t slash = key.find('/', options.prefix.size());
      if (slash != std::string::npos) {
        std::string dir = key.substr(0, slash + 1);
        if (dir == last_prefix || (!options.page_token.empty() && dir <= options.page_token)) continue;
        if (page.objects.size() + page.common_prefixes.size() >= limit) {
          page.next_page_token = std::max(last_prefix, page.objects.empty() ? std::string() : page.objects.back().key);
          return page;
        }
        page.common_prefixes.push_back(dir);
        last_prefix = dir;
        // The token for a rolled-up folder must skip all of its keys.
        continue;
      }
    }
    if (page.objects.size() + page.common_prefixes.size() >= limit) {
      page.next_page_token = std::max(last_prefix, page.objects.empty() ? std::string() : page.objects.back().key);
      return page;
    }
    page.objects.push_back(it->second.meta);
  }
  return page;
}

Result<std::vector<Status>> MemoryBackend::remove_many(std::span<const Path> paths, const OpContext&) {
  std::vector<Status> results;
  std::unique_lock lock(impl_->mutex);
  for (const Path& p : paths) {
    impl_->objects.erase(p.str());
    results.push_back(Status::OK());
  }
  return results;
}

void MemoryBackend::insert_raw(std::string key, std::string data, std::optional<TimePoint> mtime) {
  PutOptions options;
  options.mtime = mtime;
  std::unique_lock lock(impl_->mutex);
  impl_->store(std::move(key), std::move(data), options);
}

size_t MemoryBackend::object_count() const {
  std::shared_lock lock(impl_->mutex);
  return impl_->objects.size();
}

std::shared_ptr<MemoryBackend> shared_memory_backend(const std::string& name) {
  static std::mutex mutex;
  static std::unordered_map<std::string, std::shared_ptr<MemoryBackend>> registry;
  std::lock_guard lock(mutex);
  auto& slot = registry[name];
  if (!slot) slot = std::make_shared<MemoryBackend>(name);
  return slot;
}

}  // namespace cloudsync
