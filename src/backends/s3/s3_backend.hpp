// The S3 StorageBackend over one bucket (make_s3_backend() adds the key
// prefix with the shared prefix adapter). Internal: tests reach the resolved
// configuration and the client's diagnostics (region, clock offset) here.
#pragma once

#include <memory>

#include "backends/s3/s3_checksum_learning.hpp"
#include "backends/s3/s3_client.hpp"
#include "backends/s3/s3_payload.hpp"
#include "cloudsync/backend.hpp"

namespace cloudsync::s3 {

/// What this configuration can do, truthfully (see backend.hpp).
Capabilities s3_capabilities(const S3Config& config);

/// InvalidArgument for the bucket root and for keys longer than S3 allows.
Status check_object_key(const Path& path);

class S3Backend final : public StorageBackend {
 public:
  explicit S3Backend(std::shared_ptr<S3Client> client);

  std::string scheme() const override { return "s3"; }
  std::string describe() const override { return client_->describe(""); }
  const Capabilities& capabilities() const override { return caps_; }

  Result<ObjectMeta> head(const Path& path, const OpContext& ctx) override;
  Result<ObjectMeta> get(const Path& path, const GetOptions& options, ByteSink& sink, const OpContext& ctx) override;
  Result<ObjectMeta> put(const Path& path, ByteSource& data, const PutOptions& options, const OpContext& ctx) override;
  Result<std::unique_ptr<MultipartUpload>> start_multipart(const Path& path, const PutOptions& options,
                                                           const OpContext& ctx) override;
  Result<ListPage> list_page(const ListOptions& options, const OpContext& ctx) override;
  Result<std::vector<Status>> remove_many(std::span<const Path> paths, const OpContext& ctx) override;
  Result<uint64_t> sweep_interrupted_uploads(const SweepOptions& options, const OpContext& ctx) override;
  /// Any bucket of the same endpoint, signed with the same credentials
  /// (s3_copy.cpp: CopyObject, or UploadPartCopy above the multipart threshold).
  bool can_copy_from(const StorageBackend& source) const override;
  Result<ObjectMeta> copy_from(const StorageBackend& source, const Path& src_path, const Path& dst_path,
                               const CopyOptions& options, const OpContext& ctx) override;

  S3Client& client() noexcept { return *client_; }
  const S3Client& client() const noexcept { return *client_; }

 private:
  Result<ObjectMeta> head_once(const Path& path, const OpContext& ctx);
  /// For stores without conditional writes: checks the mode by reading first
  /// (racy, but the best such a store allows).
  Status check_mode_by_reading(const Path& path, const PutOptions& options, const OpContext& ctx);
  /// CreateMultipartUpload for `key` with the metadata a put of `put` records
  /// (`what` names it in errors and logs).
  Result<S3Request> create_multipart_request(const std::string& key, const PutOptions& put, std::string what) const;
  /// The payload rules of an upload that sends `choice`.
  PayloadRules payload_rules(const ChecksumChoice& choice) const;
  /// What the next upload sends: the configured checksum, or what is learned
  /// (or being asked) of an unknown endpoint.
  ChecksumChoice checksum_choice();
  /// The bucket backend behind `source`, when this one can copy from it.
  const S3Backend* copy_peer(const StorageBackend& source) const;
  Result<ObjectMeta> copy_in_one_request(const S3Backend& from, const Path& src_key, const Path& dst_path,
                                         const CopyOptions& options, const OpContext& ctx);
  Result<ObjectMeta> copy_in_parts(const S3Backend& from, const Path& src_key, const Path& dst_path,
                                   const CopyOptions& options, const OpContext& ctx);

  std::shared_ptr<S3Client> client_;
  Capabilities caps_;
  std::shared_ptr<ChecksumLearner> checksum_learner_;  ///< null unless checksum=auto on an unknown endpoint
};

/// Opens the bucket backend of a resolved configuration (no prefix applied).
std::shared_ptr<S3Backend> make_s3_bucket_backend(S3Config config);

/// The multipart upload of `key` (S3 UploadId `upload_id`). `probe`: the
/// learner this upload asks for (its parts probe until one answers), or null.
std::unique_ptr<MultipartUpload> make_s3_multipart_upload(std::shared_ptr<S3Client> client, std::string key,
                                                          std::string upload_id, PutOptions options, PayloadRules rules,
                                                          std::shared_ptr<ChecksumLearner> probe = nullptr);

/// "If-None-Match: *" / "If-Match: \"etag\"" for a write mode, and the
/// ErrorContext that reads its failures.
ErrorContext apply_put_mode(const PutOptions& options, bool conditional_writes, http::Headers& headers);

}  // namespace cloudsync::s3
