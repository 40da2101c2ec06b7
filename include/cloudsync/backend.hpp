// StorageBackend: the provider-agnostic interface every store implements.
//
// The interface has object-store semantics, not filesystem semantics: stateless
// calls, whole-object atomic writes, flat keys with '/' as a convention. The
// local filesystem, memory, S3, Azure Blob and Google Drive all fit below it;
// the transfer layer and the sync engine only ever talk to this interface and
// read Capabilities instead of asking which provider they have.
//
// Threading: every method may be called concurrently from several threads on
// the same backend object. A MultipartUpload may receive parts concurrently
// when Capabilities::multipart.parallel is true, else strictly in order.
//
// C++ API: source-stable within a major version, not binary-stable. Use it
// through the static library (cloudsync::cloudsync_static) or add_subdirectory();
// the shared library libcloudsync.so exports the C ABI (cloudsync.h) only.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cloudsync/cancel.hpp"
#include "cloudsync/export.hpp"
#include "cloudsync/io.hpp"
#include "cloudsync/path.hpp"
#include "cloudsync/status.hpp"
#include "cloudsync/types.hpp"

namespace cloudsync {

/// What a backend can do. The engine consults this; it never special-cases a
/// provider by name.
struct Capabilities {
  /// Granularity of the mtimes the store keeps; zero when it keeps none (then
  /// comparisons fall back to size and hashes).
  std::chrono::nanoseconds mtime_precision{0};
  /// Hash kinds reported in ObjectMeta::hashes for ordinary objects.
  HashKinds hashes = 0;
  /// get() answers with every hash the store vouches for (S3, Azure): a
  /// download is then verified against the answer alone, not against what a
  /// listing guessed (an S3 listing cannot tell that an MD5-shaped ETag of an
  /// SSE-KMS object is no MD5; the GET answer can).
  bool get_reports_hashes = false;
  /// Hash kinds put() needs before it sends data (e.g. MD5 for Content-MD5).
  /// The transfer layer computes them and passes them in PutOptions::known_hashes.
  HashKinds upload_hashes = 0;
  /// put() honours PutMode::Create atomically (If-None-Match: *).
  bool conditional_create = false;
  /// put() honours PutMode::Update atomically (If-Match: etag).
  bool conditional_update = false;
  /// "a.txt" and "A.txt" are different objects.
  bool case_sensitive = true;
  /// Two objects in one folder may share a name (Google Drive).
  bool duplicate_names = false;
  /// Keys are real paths: "a" cannot be a file while "a/b" exists (filesystems).
  bool hierarchical = false;
  /// get() honours GetOptions::range.
  bool ranged_get = true;
  /// Longest key the store accepts, in UTF-8 bytes (0 = no documented limit).
  uint32_t max_key_bytes = 0;
  /// Longest segment of a key ("name" in "dir/name"), in bytes (0 = no
  /// limit of its own): 255 on local filesystems (NAME_MAX).
  uint32_t max_name_bytes = 0;
  /// Names shaped like the library's own temporaries (".x.cloudsync-….partial")
  /// are invisible here and swept as leftovers: an object so named is never
  /// written to this store (it would be taken for debris and removed).
  bool reserves_temporary_names = false;
  /// Most keys remove_many() sends in one request (1 = one by one).
  uint32_t max_batch_delete = 1;
  /// copy_from() copies objects within the store without their bytes passing
  /// through this process (S3 CopyObject, Azure Copy Blob, Drive files.copy).
  /// Which sources qualify is can_copy_from()'s to say.
  bool server_side_copy = false;

  struct Multipart {
    bool supported = false;
    bool parallel = true;        ///< parts may be uploaded concurrently
    bool equal_parts = true;     ///< all parts but the last must be the same size
    uint64_t min_part_size = 0;  ///< except the last part
    uint64_t max_part_size = 0;
    uint64_t part_size_multiple = 1;  ///< e.g. 256 KiB for Drive
    uint32_t max_parts = 0;
    uint64_t default_part_size = 0;
    /// Objects at least this large are uploaded in parts.
    uint64_t threshold = 0;
  } multipart;
};

class RetryBudget;  // internal: one operation's shared allowance of retries (src/http/retry_budget.hpp)

/// Per-call context. Extended by appending fields.
struct OpContext {
  const CancelToken* cancel = nullptr;
  /// Shared by every request of one operation so that retries and resumes
  /// stay bounded across files; null: each request retries on its own.
  RetryBudget* retry_budget = nullptr;
  bool cancelled() const noexcept { return cancel != nullptr && cancel->is_cancelled(); }
};

struct ByteRange {
  uint64_t offset = 0;
  std::optional<uint64_t> length;  ///< to the end when absent
};

struct GetOptions {
  std::optional<ByteRange> range;
  /// Fail with PreconditionFailed unless the object still has this etag. Used
  /// to resume a download without mixing two versions of an object.
  std::string if_match;
};

enum class PutMode {
  Overwrite,  ///< unconditional
  Create,     ///< fail with AlreadyExists if the key exists
  Update,     ///< fail with PreconditionFailed unless the current etag == if_match
};

struct PutOptions {
  PutMode mode = PutMode::Overwrite;
  std::string if_match;            ///< etag for PutMode::Update
  std::optional<TimePoint> mtime;  ///< the file's mtime, kept where the store allows
  std::string content_type;
  /// Hashes of the content the caller already computed; backends use them
  /// (Content-MD5, checksums, metadata) instead of hashing the data again.
  HashSet known_hashes;
  std::map<std::string, std::string> metadata;
  /// Total size, when the source cannot tell (resumable/multipart uploads).
  std::optional<uint64_t> size;
};

/// A server-side copy (StorageBackend::copy_from).
struct CopyOptions {
  /// The write at the destination, as for put(): mode and if_match (honoured
  /// as put() honours them), mtime, content type, metadata, and the hashes of
  /// the content the caller knows (recorded as a put records them).
  PutOptions put;
  /// Fail with PreconditionFailed unless the source still has this etag, so
  /// that a source changed since it was listed is never copied. Empty: any.
  std::string source_if_match;
  /// The source's size as listed: large objects are copied in parts.
  uint64_t source_size = 0;
};

class StorageBackend;

/// Where an object really is: the backend below every adapter (prefixes,
/// labels) and the key there. Server-side copies compare and address sources
/// through it.
struct StoredObjectRef {
  const StorageBackend* store = nullptr;
  Path key;
};

struct ListOptions {
  /// Raw key prefix. "data/" lists inside folder data; "data" also matches
  /// "data2/x" (callers wanting folder semantics append the '/').
  std::string prefix;
  /// false: one level only; deeper keys are rolled up into common_prefixes.
  bool recursive = true;
  std::string page_token;  ///< from the previous ListPage; empty to start
  uint32_t max_keys = 0;   ///< 0 = the backend's default page size
  /// Most pages list() fetches before it gives up: a server that keeps
  /// answering "there is more" must not keep a listing going forever.
  /// 0 = kDefaultMaxListPages.
  uint64_t max_pages = 0;
};

/// An entry a listing could not read: a folder it may not open, an entry that
/// vanished or changed while it was walked. What lies at or below `key` is
/// unknown, so nothing there may be taken as absent (and deleted elsewhere).
struct UnreadableEntry {
  std::string key;  ///< "dir/" for a folder, "dir/file" for a file
  Status reason;
};

/// The default of ListOptions::max_pages: a billion keys in S3's pages of 1000.
inline constexpr uint64_t kDefaultMaxListPages = 1'000'000;

struct ListPage {
  std::vector<ObjectMeta> objects;
  std::vector<std::string> common_prefixes;  ///< "dir/" entries when !recursive
  std::string next_page_token;               ///< empty when this was the last page
  /// Entries of this page's span that could not be read (stores that list
  /// all or nothing never report any).
  std::vector<UnreadableEntry> unreadable;
};

/// Which leftovers of interrupted uploads a sweep removes.
struct SweepOptions {
  /// Only below this key prefix ("" for everything the backend shows).
  std::string prefix;
  /// Leftovers whose upload may still be running elsewhere (an S3 multipart
  /// upload has no owner we can ask) are left alone until this old. Local
  /// temporaries are told apart exactly: their writer holds a lock on them.
  std::chrono::seconds older_than{std::chrono::hours(24)};
  /// A local temporary younger than this is left alone even if unlocked: its
  /// writer may not have locked it yet. Zero when the caller knows no other
  /// writer can be at work (it holds the project's lock).
  std::chrono::milliseconds temporary_grace{2000};
};

/// A folder of plain files holding a backend's objects: the object at key k is
/// the file anchor/below/k. The anchor is taken as given (the host chose it);
/// every component below it is opened without following a symbolic link, so
/// nothing outside the anchor is ever read, written or deleted, whatever the
/// keys or the engine's state say.
struct LocalFolder {
  std::filesystem::path anchor;
  Path below;

  /// The folder itself, for messages.
  std::filesystem::path path() const { return below.is_root() ? anchor : anchor / below.str(); }
  /// Key `key` of the backend as a path below the anchor.
  Path key_path(const Path& key) const { return below.join(key); }
};

struct PartInfo {
  uint32_t number = 0;  ///< 1-based
  uint64_t size = 0;
  std::string etag;
};

/// An upload in parts; finished by complete() or abort(). Destroying an
/// unfinished upload aborts it on a best-effort basis.
class CLOUDSYNC_API MultipartUpload {
 public:
  virtual ~MultipartUpload() = default;
  virtual Result<PartInfo> upload_part(uint32_t part_number, ByteSource& data, const OpContext& ctx) = 0;
  /// Commits the parts (in part-number order) atomically.
  virtual Result<ObjectMeta> complete(std::vector<PartInfo> parts, const OpContext& ctx) = 0;
  virtual Status abort(const OpContext& ctx) = 0;
};

class CLOUDSYNC_API StorageBackend {
 public:
  virtual ~StorageBackend() = default;

  /// URL scheme: "file", "mem", "s3", "az", "gdrive".
  virtual std::string scheme() const = 0;
  /// Where this backend points, as a URL without credentials.
  virtual std::string describe() const = 0;
  virtual const Capabilities& capabilities() const = 0;

  /// Metadata of one object; NotFound if absent.
  virtual Result<ObjectMeta> head(const Path& path, const OpContext& ctx) = 0;

  /// Streams an object (or a range of it) into `sink` and returns its metadata.
  /// On failure the sink may have received a prefix of the data; the caller can
  /// resume with a range and if_match = the etag.
  virtual Result<ObjectMeta> get(const Path& path, const GetOptions& options, ByteSink& sink, const OpContext& ctx) = 0;

  /// Writes a whole object atomically: readers see the old or the new content,
  /// never a mix or a prefix.
  virtual Result<ObjectMeta> put(const Path& path, ByteSource& data, const PutOptions& options,
                                 const OpContext& ctx) = 0;

  /// Starts an upload in parts. Unsupported unless capabilities().multipart.supported.
  virtual Result<std::unique_ptr<MultipartUpload>> start_multipart(const Path& path, const PutOptions& options,
                                                                   const OpContext& ctx);

  /// One page of a listing. Order within and across pages is unspecified.
  virtual Result<ListPage> list_page(const ListOptions& options, const OpContext& ctx) = 0;

  /// Deletes objects; one Status per path, in order. A path that does not exist
  /// counts as deleted. The outer Result fails only if nothing could be tried.
  virtual Result<std::vector<Status>> remove_many(std::span<const Path> paths, const OpContext& ctx) = 0;

  /// For backends that keep objects as plain files below a local folder: that
  /// folder, so transfers can read and write files directly (always through
  /// open_dir_below-style walks that follow no symlink). Others return nullopt.
  virtual std::optional<LocalFolder> local_root() const;

  /// Removes what interrupted uploads left behind (a killed process, a lost
  /// machine): local temporaries whose writer is gone, S3 multipart uploads
  /// begun more than options.older_than ago, which are billed until aborted.
  /// Returns how many it removed. Stores whose leftovers expire by themselves
  /// (Azure's uncommitted blocks and Drive's upload sessions, after a week)
  /// have nothing to do.
  virtual Result<uint64_t> sweep_interrupted_uploads(const SweepOptions& options, const OpContext& ctx);

  /// The store object behind `path`. Adapters answer with their inner
  /// backend's reference of the key they would send it; the default is
  /// {this, path}.
  virtual StoredObjectRef locate(const Path& path) const;

  /// True when copy_from() can copy objects of `source` here server-side:
  /// the same store, reached with the same endpoint and credentials (S3: any bucket of one endpoint;
  /// Azure: any container of one blob endpoint, the source read authorised (azure_copy.hpp); Drive: one account).
  /// A true answer is a promise to try, not to succeed: copy_from() may
  /// still be refused (PermissionDenied, Unsupported), and the caller then
  /// copies by streaming. Default: false.
  virtual bool can_copy_from(const StorageBackend& source) const;

  /// Copies `src_path` of `source` to `dst_path` here, without the bytes
  /// passing through this process, and returns the new object's metadata as
  /// the store reports it (its etag and the hashes it vouches for). Errors:
  /// PreconditionFailed when the source no longer has
  /// options.source_if_match, or for PutMode::Update when the destination
  /// changed (as put() reports it); AlreadyExists for PutMode::Create;
  /// Unsupported when `source` is not one can_copy_from() accepts (the
  /// default). Never leaves a partial object at `dst_path`.
  virtual Result<ObjectMeta> copy_from(const StorageBackend& source, const Path& src_path, const Path& dst_path,
                                       const CopyOptions& options, const OpContext& ctx);

  // Conveniences built on the methods above.

  /// Deletes one object (absent counts as deleted).
  Status remove(const Path& path, const OpContext& ctx);
  /// Visits every entry of a listing across all pages; stops at the first error
  /// returned by the backend or by `visit`. An entry the backend could not
  /// read goes to `unreadable` when given; without it the listing fails
  /// (after visiting the rest), so that no caller mistakes a partial listing
  /// for a whole one.
  Status list(ListOptions options, const std::function<Status(const ObjectMeta&)>& visit, const OpContext& ctx,
              const std::function<void(const UnreadableEntry&)>& unreadable = {});
  /// Collects a whole listing (small listings and tests only).
  Result<std::vector<ObjectMeta>> list_all(ListOptions options, const OpContext& ctx);
  /// Reads a whole object into memory (small objects and tests only).
  Result<std::string> read_all(const Path& path, const OpContext& ctx);
  /// Writes a whole object from memory.
  Result<ObjectMeta> write_all(const Path& path, std::string_view data, const PutOptions& options,
                               const OpContext& ctx);
};

/// Options for opening a backend from a URL: string keys such as "region",
/// "endpoint", "access_key_id", as documented per backend. Unknown keys are an
/// error so that typos do not silently change behaviour.
using BackendOptions = std::map<std::string, std::string>;

/// Opens the backend a URL names:
///   file:///abs/dir, /abs/dir, ./rel/dir  the local filesystem (a directory as a bucket)
///   mem://name[/prefix]                   a process-wide named in-memory store
/// A path after the bucket/container/folder scopes the backend to that prefix.
CLOUDSYNC_API Result<std::shared_ptr<StorageBackend>> open_backend(std::string_view url,
                                                                   const BackendOptions& options = {});

/// A backend that shows only the keys under `prefix` of `inner`, with the
/// prefix removed (keys under "a/b" of inner appear as keys of this backend).
CLOUDSYNC_API std::shared_ptr<StorageBackend> make_prefixed_backend(std::shared_ptr<StorageBackend> inner, Path prefix);

}  // namespace cloudsync
