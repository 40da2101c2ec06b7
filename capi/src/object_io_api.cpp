// Object transfers of a storage handle: get to a file or a write callback, put
// from a file or a read callback. Files go through the transfer layer (atomic
// verified downloads with resumption, hashed and multipart uploads), with the
// file's folder opened as a local backend; a read callback is spooled to a
// private temporary file first so that its upload gets the same treatment.
#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <memory>

#include "capi_internal.hpp"
#include "cloudsync/backends/local.hpp"
#include "cloudsync/listing.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "transfer/progress_tracker.hpp"
#include "transfer/transfer.hpp"

namespace fs = std::filesystem;
using namespace cloudsync;

namespace cloudsync::capi {
namespace {

/// One object's transfer as the C ABI reports it: progress through the
/// host's callback, cancelled by the host's token or by the callback.
class ObjectTransfer {
 public:
  ObjectTransfer(cloudsync_progress_fn progress, void* user, cloudsync_cancel* cancel)
      : token_(token_of(cancel)), tracker_(progress_adapter(progress, user), &token_) {
    ctx_.cancel = &token_;
  }

  const OpContext& ctx() const { return ctx_; }
  ProgressTracker& tracker() { return tracker_; }

  /// Announces the transfer; a callback that stops it at once (or a token
  /// triggered already) ends it before any byte moves.
  Status start(uint64_t bytes) {
    tracker_.set_totals(1, bytes);
    tracker_.set_phase(ProgressEvent::Phase::Transferring);
    if (token_.is_cancelled()) return Status(ErrorCode::Cancelled, "the transfer was cancelled before it began");
    return Status::OK();
  }

  /// What the caller is told: a transfer stopped by the callback or the token
  /// is CANCELLED, whatever error the interruption caused on the way.
  Status finish(const Status& result, const Path& key) {
    if (result.ok()) {
      tracker_.file_done(key.str());
      tracker_.finish();
      return result;
    }
    if (token_.is_cancelled()) return make_error(ErrorCode::Cancelled, "the transfer of '{}' was cancelled", key.str());
    return result;
  }

 private:
  CancelToken token_;
  ProgressTracker tracker_;
  OpContext ctx_;
};

/// A local file named as a key of a local backend over its folder.
struct LocalFile {
  std::shared_ptr<StorageBackend> folder;
  Path name;
};

Result<LocalFile> local_file(const char* local_path, LocalBackendOptions options = {}) {
  CLOUDSYNC_RETURN_IF_ERROR(require_arg(local_path, "local_path"));
  std::error_code ec;
  fs::path path = fs::absolute(fs::path(local_path), ec);
  if (ec || !path.has_filename()) {
    return make_error(ErrorCode::InvalidArgument, "local_path '{}' does not name a file", local_path);
  }
  LocalFile file;
  CLOUDSYNC_ASSIGN_OR_RETURN(file.name, Path::parse(path.filename().string()));
  CLOUDSYNC_ASSIGN_OR_RETURN(file.folder, make_local_backend(path.parent_path(), options));
  return file;
}

Result<bool> flag_option(const char* options_json, const char* name, bool fallback) {
  std::string_view what = "transfer options";
  CLOUDSYNC_ASSIGN_OR_RETURN(rapidjson::Document doc, parse_request(options_json, what, {name}));
  CLOUDSYNC_ASSIGN_OR_RETURN(auto value, json_bool(doc, name, what));
  return value.value_or(fallback);
}

/// Uploads a local file to `key`, the part cloudsync_storage_put_file and
/// cloudsync_storage_put share.
Status upload(cloudsync_storage* storage, const Path& key, const LocalFile& file, bool create_only,
              ObjectTransfer& transfer, char** entry_json) {
  Result<ObjectMeta> local = file.folder->head(file.name, transfer.ctx());
  if (!local.ok()) return local.status();
  CLOUDSYNC_RETURN_IF_ERROR(transfer.start(local->size));
  DestinationExpectation expect;
  expect.kind = create_only ? DestinationExpectation::Kind::Absent : DestinationExpectation::Kind::Anything;
  Result<TransferResult> sent = transfer_object(*file.folder, file.name, *local, *storage->backend, key, expect,
                                                TransferOptions{}, &transfer.tracker(), transfer.ctx());
  CLOUDSYNC_RETURN_IF_ERROR(transfer.finish(sent.status(), key));
  hand_out(entry_json, listing_entry_to_json(sent->destination));
  return Status::OK();
}

/// Hands a download to the host's write callback, counting progress.
class CallbackSink final : public ByteSink {
 public:
  CallbackSink(cloudsync_write_fn host_write, void* user, ProgressTracker& tracker, const Path& key)
      : write_(host_write), user_(user), tracker_(tracker), key_(key) {}

  Status write(std::string_view data) override {
    if (write_(data.data(), data.size(), user_) != 0) {
      return make_error(ErrorCode::Cancelled, "the write callback stopped the download of '{}'", key_.str());
    }
    written_ += data.size();
    tracker_.add_bytes(static_cast<int64_t>(data.size()), key_.str());
    return Status::OK();
  }
  uint64_t written() const { return written_; }

 private:
  cloudsync_write_fn write_;
  void* user_;
  ProgressTracker& tracker_;
  const Path& key_;
  uint64_t written_ = 0;
};

/// A private folder in the system's temporary folder, removed with everything
/// in it when this goes out of scope.
class SpoolFolder {
 public:
  static Result<std::unique_ptr<SpoolFolder>> create() {
    std::error_code ec;
    fs::path dir = fs::temp_directory_path(ec) / (".cloudsync-spool-" + random_hex(8));
    if (!ec) fs::create_directory(dir, ec);
    if (ec) return errno_error(ec.value(), "create spool folder", dir);
    auto folder = std::unique_ptr<SpoolFolder>(new SpoolFolder(dir));
    fs::permissions(dir, fs::perms::owner_all, ec);  // the host's data: no one else's to read
    if (ec) return errno_error(ec.value(), "restrict spool folder", dir);
    return folder;
  }
  ~SpoolFolder() {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  SpoolFolder(const SpoolFolder&) = delete;
  SpoolFolder& operator=(const SpoolFolder&) = delete;
  const fs::path& path() const { return dir_; }

 private:
  explicit SpoolFolder(fs::path dir) : dir_(std::move(dir)) {}
  fs::path dir_;
};

/// Writes everything `read` produces to `file`; checks the announced size.
Status spool_callback(cloudsync_read_fn read, void* user, int64_t size, const fs::path& file, const OpContext& ctx) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  if (!out) return errno_error(errno, "create spool file", file);
  constexpr size_t kChunk = 1 << 20;
  auto buffer = std::make_unique_for_overwrite<char[]>(kChunk);
  uint64_t total = 0;
  for (;;) {
    if (ctx.cancelled()) return Status(ErrorCode::Cancelled, "the upload was cancelled");
    size_t n = 0;
    if (read(buffer.get(), kChunk, &n, user) != 0) {
      return Status(ErrorCode::Cancelled, "the read callback stopped the upload");
    }
    if (n == 0) break;
    if (n > kChunk) {
      return make_error(ErrorCode::InvalidArgument, "the read callback reported {} bytes in a {}-byte buffer", n,
                        kChunk);
    }
    out.write(buffer.get(), static_cast<std::streamsize>(n));
    if (!out) return errno_error(errno, "write spool file", file);
    total += n;
  }
  out.close();
  if (!out) return errno_error(errno, "write spool file", file);
  if (size >= 0 && total != static_cast<uint64_t>(size)) {
    return make_error(ErrorCode::Integrity, "the read callback produced {} bytes, {} were announced", total, size);
  }
  return Status::OK();
}

}  // namespace
}  // namespace cloudsync::capi

extern "C" {

int cloudsync_storage_get_file(cloudsync_storage* storage, const char* key, const char* local_path,
                               const char* options_json, cloudsync_progress_fn progress, void* user,
                               cloudsync_cancel* cancel, char** entry_json) {
  if (entry_json != nullptr) *entry_json = nullptr;
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(storage, "storage"));
    CLOUDSYNC_ASSIGN_OR_RETURN(Path path, capi::key_arg(key));
    CLOUDSYNC_ASSIGN_OR_RETURN(capi::LocalFile file, capi::local_file(local_path));
    CLOUDSYNC_ASSIGN_OR_RETURN(bool overwrite, capi::flag_option(options_json, "overwrite", true));
    capi::ObjectTransfer transfer(progress, user, cancel);
    CLOUDSYNC_ASSIGN_OR_RETURN(ObjectMeta meta, storage->backend->head(path, transfer.ctx()));
    CLOUDSYNC_RETURN_IF_ERROR(transfer.start(meta.size));
    DestinationExpectation expect;
    expect.kind = overwrite ? DestinationExpectation::Kind::Anything : DestinationExpectation::Kind::Absent;
    Result<TransferResult> got = transfer_object(*storage->backend, path, meta, *file.folder, file.name, expect,
                                                 TransferOptions{}, &transfer.tracker(), transfer.ctx());
    CLOUDSYNC_RETURN_IF_ERROR(transfer.finish(got.status(), path));
    capi::hand_out(entry_json, listing_entry_to_json(got->source));
    return Status::OK();
  });
}

int cloudsync_storage_get(cloudsync_storage* storage, const char* key, const char* options_json,
                          cloudsync_write_fn write, void* write_user, cloudsync_progress_fn progress, void* user,
                          cloudsync_cancel* cancel, char** entry_json) {
  if (entry_json != nullptr) *entry_json = nullptr;
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(storage, "storage"));
    if (write == nullptr) return Status(ErrorCode::InvalidArgument, "write must not be NULL");
    CLOUDSYNC_ASSIGN_OR_RETURN(Path path, capi::key_arg(key));
    std::string_view what = "get options";
    CLOUDSYNC_ASSIGN_OR_RETURN(rapidjson::Document doc, capi::parse_request(options_json, what, {"offset", "length"}));
    CLOUDSYNC_ASSIGN_OR_RETURN(auto offset, capi::uint_member(doc, "offset", what));
    CLOUDSYNC_ASSIGN_OR_RETURN(auto length, capi::uint_member(doc, "length", what));

    capi::ObjectTransfer transfer(progress, user, cancel);
    CLOUDSYNC_ASSIGN_OR_RETURN(ObjectMeta meta, storage->backend->head(path, transfer.ctx()));
    GetOptions get;
    get.if_match = meta.etag;  // one version of the object, even if it is overwritten meanwhile
    uint64_t expected = meta.size;
    if (offset || length) {
      get.range = ByteRange{offset.value_or(0), length};
      uint64_t start = std::min(get.range->offset, meta.size);
      expected = std::min(meta.size - start, length.value_or(meta.size - start));
    }
    CLOUDSYNC_RETURN_IF_ERROR(transfer.start(expected));
    capi::CallbackSink sink(write, write_user, transfer.tracker(), path);
    Result<ObjectMeta> got = storage->backend->get(path, get, sink, transfer.ctx());
    Status result = got.status();
    if (result.code() == ErrorCode::PreconditionFailed) {
      result = make_error(ErrorCode::Conflict, "'{}' changed while it was being read", path.str());
    } else if (result.ok() && meta.kind != ObjectKind::Document && sink.written() != expected) {
      result = make_error(ErrorCode::Integrity, "'{}' arrived with {} bytes, expected {}", path.str(), sink.written(),
                          expected);
    }
    CLOUDSYNC_RETURN_IF_ERROR(transfer.finish(result, path));
    got->key = path.str();
    capi::hand_out(entry_json, listing_entry_to_json(*got));
    return Status::OK();
  });
}

int cloudsync_storage_put_file(cloudsync_storage* storage, const char* key, const char* local_path,
                               const char* options_json, cloudsync_progress_fn progress, void* user,
                               cloudsync_cancel* cancel, char** entry_json) {
  if (entry_json != nullptr) *entry_json = nullptr;
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(storage, "storage"));
    CLOUDSYNC_ASSIGN_OR_RETURN(Path path, capi::key_arg(key));
    CLOUDSYNC_ASSIGN_OR_RETURN(capi::LocalFile file, capi::local_file(local_path));
    CLOUDSYNC_ASSIGN_OR_RETURN(bool create_only, capi::flag_option(options_json, "create_only", false));
    capi::ObjectTransfer transfer(progress, user, cancel);
    return capi::upload(storage, path, file, create_only, transfer, entry_json);
  });
}

int cloudsync_storage_put(cloudsync_storage* storage, const char* key, const char* options_json, cloudsync_read_fn read,
                          void* read_user, int64_t size, cloudsync_progress_fn progress, void* user,
                          cloudsync_cancel* cancel, char** entry_json) {
  if (entry_json != nullptr) *entry_json = nullptr;
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(storage, "storage"));
    if (read == nullptr) return Status(ErrorCode::InvalidArgument, "read must not be NULL");
    CLOUDSYNC_ASSIGN_OR_RETURN(Path path, capi::key_arg(key));
    CLOUDSYNC_ASSIGN_OR_RETURN(bool create_only, capi::flag_option(options_json, "create_only", false));
    capi::ObjectTransfer transfer(progress, user, cancel);
    CLOUDSYNC_ASSIGN_OR_RETURN(auto spool, capi::SpoolFolder::create());
    CLOUDSYNC_RETURN_IF_ERROR(capi::spool_callback(read, read_user, size, spool->path() / "object", transfer.ctx()));
    LocalBackendOptions scratch;
    scratch.fsync = false;
    CLOUDSYNC_ASSIGN_OR_RETURN(capi::LocalFile file, capi::local_file((spool->path() / "object").c_str(), scratch));
    return capi::upload(storage, path, file, create_only, transfer, entry_json);
  });
}

}  // extern "C"
