// A backend wrapper that counts calls and injects failures, so that tests can
// prove what happens when a download drops half way, a checksum lies, a
// listing fails or an upload is refused.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cloudsync/backend.hpp"

namespace cloudsync::test {

class FaultBackend : public StorageBackend {
 public:
  explicit FaultBackend(std::shared_ptr<StorageBackend> inner) : inner_(std::move(inner)) {}

  // Failures to inject (each applies `times` times; -1 = always).
  struct GetFault {
    std::string key;  ///< empty: any key
    uint64_t after_bytes = 0;
    ErrorCode code = ErrorCode::Network;
    int times = 1;
    bool corrupt = false;  ///< flip a byte instead of failing
  };
  void inject_get(GetFault fault);
  void fail_put(std::string key, ErrorCode code, int times = 1);
  void fail_list(ErrorCode code, int times = 1);
  void fail_head(ErrorCode code, int times = 1);
  // The same with a whole Status, for callers that read its provider details
  // (HTTP status, provider code) as a real store would send them.
  void fail_put(std::string key, Status status, int times = 1);
  void fail_list(Status status, int times = 1);
  /// Fails the next `times` paths remove_many() is given (-1 = all), leaving
  /// their objects in place.
  void fail_remove(Status status, int times = 1);
  /// The options of the last get() and put() (nullopt before the first).
  std::optional<GetOptions> last_get_options();
  std::optional<PutOptions> last_put_options();
  /// Pretend to be another kind of store.
  void override_capabilities(Capabilities caps) { caps_ = caps; }
  /// Hide the inner store's local folder (a file:// store), so that writes
  /// to it go through put() and its injected failures instead of straight
  /// to the files.
  void hide_local_root() { hide_local_root_ = true; }
  /// Listings vouch for no hash and answers only for `kinds`, like an S3
  /// multipart object another tool wrote (no MD5 ETag, md5chksum metadata).
  void vouch_only_on_get(HashKinds kinds) { vouch_on_get_ = kinds; }
  /// Listings report an MD5-shaped value that is not the content's MD5, as
  /// an S3 listing does for an SSE-KMS object's ETag (applied after
  /// vouch_only_on_get's clearing).
  void misreport_listed_md5() { misreport_md5_ = true; }

  std::atomic<int> gets{0}, puts{0}, heads{0}, lists{0}, deletes{0}, multiparts{0};

  std::string scheme() const override { return inner_->scheme(); }
  std::string describe() const override { return inner_->describe(); }
  const Capabilities& capabilities() const override { return caps_ ? *caps_ : inner_->capabilities(); }
  Result<ObjectMeta> head(const Path& path, const OpContext& ctx) override;
  Result<ObjectMeta> get(const Path& path, const GetOptions& options, ByteSink& sink, const OpContext& ctx) override;
  Result<ObjectMeta> put(const Path& path, ByteSource& data, const PutOptions& options, const OpContext& ctx) override;
  Result<std::unique_ptr<MultipartUpload>> start_multipart(const Path& path, const PutOptions& options,
                                                           const OpContext& ctx) override;
  Result<ListPage> list_page(const ListOptions& options, const OpContext& ctx) override;
  Result<std::vector<Status>> remove_many(std::span<const Path> paths, const OpContext& ctx) override;
  std::optional<LocalFolder> local_root() const override {
    return hide_local_root_ ? std::nullopt : inner_->local_root();
  }
  Result<uint64_t> sweep_interrupted_uploads(const SweepOptions& options, const OpContext& ctx) override {
    return inner_->sweep_interrupted_uploads(options, ctx);
  }

 private:
  bool take(int& times);
  std::shared_ptr<StorageBackend> inner_;
  std::optional<Capabilities> caps_;
  std::atomic<bool> hide_local_root_{false};
  std::optional<HashKinds> vouch_on_get_;
  bool misreport_md5_ = false;
  std::mutex mutex_;
  std::vector<GetFault> get_faults_;
  std::optional<GetOptions> last_get_;
  std::optional<PutOptions> last_put_;
  std::string put_key_;
  Status put_status_;
  int put_times_ = 0;
  Status list_status_;
  int list_times_ = 0;
  ErrorCode head_code_ = ErrorCode::Ok;
  int head_times_ = 0;
  Status remove_status_;
  int remove_times_ = 0;
};

}  // namespace cloudsync::test
