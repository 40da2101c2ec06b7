// An in-memory backend for tests and for hosts that want a scratch store.
//
// Its capabilities are configurable, so tests can make it behave like a
// case-insensitive store, one without conditional writes or without mtimes,
// and drive the engine down every capability-dependent path. Copies within one store
// are server-side (copy_from).
//
// C++ API: source-stable within a major version, not binary-stable. Use it
// through the static library (cloudsync::cloudsync_static) or add_subdirectory();
// the shared library libcloudsync.so exports the C ABI (cloudsync.h) only.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "cloudsync/backend.hpp"
#include "cloudsync/export.hpp"

namespace cloudsync {

namespace detail {
struct MemoryStore;
}

class CLOUDSYNC_API MemoryBackend : public StorageBackend {
 public:
  /// Capabilities of a fresh memory backend: everything supported, mtimes to
  /// the nanosecond, MD5 and CRC32C hashes, multipart parts of any size.
  static Capabilities default_capabilities();

  explicit MemoryBackend(std::string name = "memory", Capabilities caps = default_capabilities());
  ~MemoryBackend() override;

  std::string scheme() const override { return "mem"; }
  std::string describe() const override;
  const Capabilities& capabilities() const override { return caps_; }
  Result<ObjectMeta> head(const Path& path, const OpContext& ctx) override;
  Result<ObjectMeta> get(const Path& path, const GetOptions& options, ByteSink& sink, const OpContext& ctx) override;
  Result<ObjectMeta> put(const Path& path, ByteSource& data, const PutOptions& options, const OpContext& ctx) override;
  Result<std::unique_ptr<MultipartUpload>> start_multipart(const Path& path, const PutOptions& options,
                                                           const OpContext& ctx) override;
  Result<ListPage> list_page(const ListOptions& options, const OpContext& ctx) override;
  Result<std::vector<Status>> remove_many(std::span<const Path> paths, const OpContext& ctx) override;
  /// Copies within this one store (Capabilities::server_side_copy).
  bool can_copy_from(const StorageBackend& source) const override;
  Result<ObjectMeta> copy_from(const StorageBackend& source, const Path& src_path, const Path& dst_path,
                               const CopyOptions& options, const OpContext& ctx) override;

  /// Stores an object under any key, even one Path would refuse ("../x",
  /// "a//b"): this is how tests play a hostile remote.
  void insert_raw(std::string key, std::string data, std::optional<TimePoint> mtime = std::nullopt);
  /// Number of objects stored.
  size_t object_count() const;

 private:
  std::string name_;
  Capabilities caps_;
  std::unique_ptr<detail::MemoryStore> impl_;
};

/// The process-wide memory backend registered under `name` (created on first
/// use); `mem://name` URLs open it.
CLOUDSYNC_API std::shared_ptr<MemoryBackend> shared_memory_backend(const std::string& name);

}  // namespace cloudsync
