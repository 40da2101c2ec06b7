#include "cloudsync/backends/local.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <memory>
#include <mutex>
#include <vector>

#include "backends/remove_each.hpp"
#include "core/error.hpp"
#include "core/file_io.hpp"
#include "core/hash.hpp"
#include "core/log.hpp"
#include "core/time.hpp"

namespace cloudsync {

namespace fs = std::filesystem;

namespace {

constexpr size_t kIoChunk = 1 << 20;
constexpr uint32_t kLocalPageSize = 1000;
constexpr size_t kNameMax = 255;

ObjectMeta meta_from(std::string key, const FileInfo& info) {
  ObjectMeta meta;
  meta.key = std::move(key);
  meta.size = info.size;
  meta.mtime = info.mtime;
  meta.last_modified = info.mtime;
  meta.etag = local_file_etag(info);
  return meta;
}

Status check_name_lengths(const Path& path) {
  for (std::string_view seg : path.segments()) {
    if (seg.size() > kNameMax) {
      return make_error(ErrorCode::InvalidArgument, "name '{}…' is longer than the filesystem allows ({} bytes)",
                        seg.substr(0, 40), kNameMax);
    }
  }
  return Status::OK();
}

// Probes whether the filesystem holding the folder `dir_fd` folds case.
bool probe_case_sensitive(int dir_fd) {
  std::string suffix = random_hex(4);
  std::string lower = ".cloudsync-case-" + suffix + "-a.partial";
  std::string upper = ".CLOUDSYNC-CASE-" + suffix + "-A.PARTIAL";
  UniqueFd fd(::openat(dir_fd, lower.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) return true;
  struct stat st {};
  bool sensitive = ::fstatat(dir_fd, upper.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0;
  ::unlinkat(dir_fd, lower.c_str(), 0);
  return sensitive;
}

class LocalBackend;

// Parts are hidden temporaries next to the target; complete() splices them into
// one temporary with copy_file_range (no user-space copy) and renames it.
class LocalMultipartUpload final : public MultipartUpload {
 public:
  // `anchor` and `rel`: where the target lives (see LocalFolder); `key`: its key.
  LocalMultipartUpload(fs::path anchor, Path rel, Path key, PutOptions options, bool fsync, UniqueFd dir)
      : root_(std::move(anchor)),
        rel_(std::move(rel)),
        path_(std::move(key)),
        options_(std::move(options)),
        fsync_(fsync),
        dir_(std::move(dir)),
        id_(random_hex(6)) {}
  ~LocalMultipartUpload() override {
    if (!finished_) (void)abort(OpContext{});
  }

  Result<PartInfo> upload_part(uint32_t number, ByteSource& data, const OpContext& ctx) override;
  Result<ObjectMeta> complete(std::vector<PartInfo> parts, const OpContext& ctx) override;
  Status abort(const OpContext& ctx) override;

 private:
  std::string part_name(uint32_t number) const {
    return fmt::format(".{}.cloudsync-{}-part{}.partial", std::string(path_.name()).substr(0, 180), id_, number);
  }

  fs::path root_;
  Path rel_;
  Path path_;
  PutOptions options_;
  bool fsync_;
  UniqueFd dir_;
  std::string id_;
  std::mutex mutex_;
  std::vector<uint32_t> written_parts_;
  bool finished_ = false;
};

class LocalBackend final : public StorageBackend, public std::enable_shared_from_this<LocalBackend> {
 public:
  LocalBackend(fs::path anchor, Path below, LocalBackendOptions options)
      : root_(below.is_root() ? anchor : anchor / below.str()),
        anchor_(std::move(anchor)),
        below_(std::move(below)),
        options_(std::move(options)) {
    caps_.mtime_precision = std::chrono::nanoseconds(1);
    caps_.hashes = 0;  // computed by the engine when needed, never stored
    caps_.conditional_create = true;
    caps_.conditional_update = true;
    auto root_dir = open_dir_below(anchor_, below_, false);
    caps_.case_sensitive = !root_dir.ok() || probe_case_sensitive(root_dir->get());
    caps_.hierarchical = true;
    caps_.ranged_get = true;
    caps_.max_batch_delete = 1000;
    caps_.max_name_bytes = kNameMax;
    caps_.reserves_temporary_names = true;
    caps_.multipart.supported = true;
    caps_.multipart.parallel = true;
    caps_.multipart.equal_parts = false;
    caps_.multipart.min_part_size = 1;
    caps_.multipart.max_part_size = uint64_t{1} << 40;
    caps_.multipart.max_parts = 10000;
    caps_.multipart.default_part_size = 64ull << 20;
    // A single streaming write is already optimal on a local disk.
    caps_.multipart.threshold = UINT64_MAX;
  }

  std::string scheme() const override { return "file"; }
  std::string describe() const override { return "file://" + root_.string(); }
  const Capabilities& capabilities() const override { return caps_; }

  Result<ObjectMeta> head(const Path& path, const OpContext&) override {
    if (path.is_root()) return make_error(ErrorCode::NotFound, "the root of {} is not an object", describe());
    auto info = stat_file_below(anchor_, rel(path));
    if (!info.ok()) return not_found_for_folders(info.status(), path);
    return meta_from(path.str(), *info);
  }

  Result<ObjectMeta> get(const Path& path, const GetOptions& options, ByteSink& sink, const OpContext& ctx) override {
    if (path.is_root()) return make_error(ErrorCode::NotFound, "the root of {} is not an object", describe());
    auto dir = open_dir_below(anchor_, rel(path.parent()), false);
    if (!dir.ok()) return not_found_for_folders(dir.status(), path);
    std::string name(path.name());
    UniqueFd fd(::openat(dir->get(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) return not_found_for_folders(errno_error(errno, "open", root_ / path.str()), path);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return errno_error(errno, "stat", root_ / path.str());
    if (!S_ISREG(st.st_mode)) return make_error(ErrorCode::NotFound, "'{}' is not a file", path.str());
    ObjectMeta meta = meta_from(path.str(), file_info_from_stat(st));
    if (!options.if_match.empty() && options.if_match != meta.etag) {
      return make_error(ErrorCode::PreconditionFailed, "'{}' changed (etag {} != {})", path.str(), meta.etag,
                        options.if_match);
    }
    uint64_t offset = 0, end = meta.size;
    if (options.range) {
      offset = options.range->offset;
      if (offset > meta.size) {
        return make_error(ErrorCode::InvalidArgument, "range starts at {} beyond the end of '{}' ({} bytes)", offset,
                          path.str(), meta.size);
      }
      if (options.range->length) end = std::min(meta.size, offset + *options.range->length);
    }
    std::vector<char> buf(static_cast<size_t>(std::min<uint64_t>(kIoChunk, std::max<uint64_t>(end - offset, 1))));
    while (offset < end) {
      if (ctx.cancelled()) return Status(ErrorCode::Cancelled, "download cancelled");
      size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), end - offset));
      ssize_t n = ::pread(fd.get(), buf.data(), want, static_cast<off_t>(offset));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return errno_error(errno, "read", root_ / path.str());
      if (n == 0) return make_error(ErrorCode::Network, "'{}' was truncated while it was read", path.str());
      CLOUDSYNC_RETURN_IF_ERROR(sink.write(std::string_view(buf.data(), static_cast<size_t>(n))));
      offset += static_cast<uint64_t>(n);
    }
    return meta;
  }

  Result<ObjectMeta> put(const Path& path, ByteSource& data, const PutOptions& options, const OpContext& ctx) override {
    CLOUDSYNC_RETURN_IF_ERROR(check_writable(path));
    // Conditional updates compare-and-rename under a lock, which makes them
    // atomic among writers in this process (the filesystem has no If-Match).
    std::unique_lock<std::mutex> lock(update_mutex_, std::defer_lock);
    if (options.mode == PutMode::Update) {
      lock.lock();
      auto current = head(path, ctx);
      if (!current.ok()) {
        if (current.status().code() == ErrorCode::NotFound) {
          return make_error(ErrorCode::PreconditionFailed, "'{}' no longer exists", path.str());
        }
        return current.status();
      }
      if (current->etag != options.if_match) {
        return make_error(ErrorCode::PreconditionFailed, "'{}' changed since it was read", path.str());
      }
    }
    AtomicFileWriter::Options wopts;
    wopts.fsync = options_.fsync;
    wopts.no_replace = options.mode == PutMode::Create;
    if (options.mode == PutMode::Create) {
      // Fail early (before streaming the data) when the name is obviously taken;
      // the rename below still decides atomically.
      auto exists = stat_file_below(anchor_, rel(path));
      if (exists.ok()) return make_error(ErrorCode::AlreadyExists, "'{}' already exists", path.str());
    }
    CLOUDSYNC_ASSIGN_OR_RETURN(auto writer, AtomicFileWriter::create(anchor_, rel(path), wopts));
    std::vector<char> buf(kIoChunk);
    for (;;) {
      if (ctx.cancelled()) return Status(ErrorCode::Cancelled, "upload cancelled");
      CLOUDSYNC_ASSIGN_OR_RETURN(size_t n, data.read(buf));
      if (n == 0) break;
      CLOUDSYNC_RETURN_IF_ERROR(writer->write(std::string_view(buf.data(), n)));
    }
    if (options.size && writer->bytes_written() != *options.size) {
      return make_error(ErrorCode::Integrity, "'{}': source produced {} bytes, expected {}", path.str(),
                        writer->bytes_written(), *options.size);
    }
    CLOUDSYNC_RETURN_IF_ERROR(writer->commit(options.mtime));
    CLOUDSYNC_ASSIGN_OR_RETURN(FileInfo info, stat_file_below(anchor_, rel(path)));
    return meta_from(path.str(), info);
  }

  Result<std::unique_ptr<MultipartUpload>> start_multipart(const Path& path, const PutOptions& options,
                                                           const OpContext&) override {
    CLOUDSYNC_RETURN_IF_ERROR(check_writable(path));
    if (options.mode == PutMode::Update) {
      return make_error(ErrorCode::Unsupported, "conditional updates are not supported for multipart uploads");
    }
    CLOUDSYNC_ASSIGN_OR_RETURN(UniqueFd dir, open_dir_below(anchor_, rel(path.parent()), true));
    return std::unique_ptr<MultipartUpload>(
        std::make_unique<LocalMultipartUpload>(anchor_, rel(path), path, options, options_.fsync, std::move(dir)));
  }

  Result<ListPage> list_page(const ListOptions& options, const OpContext& ctx) override {
    {
      auto root_dir = open_dir_below(anchor_, below_, false);
      if (!root_dir.ok()) {
        if (root_dir.status().code() != ErrorCode::NotFound) return root_dir.status();
        return make_error(ErrorCode::NotFound, "folder '{}' does not exist", root_.string());
      }
    }
    // List below the folder part of the prefix; filter by the rest.
    std::string_view prefix = options.prefix;
    size_t slash = prefix.rfind('/');
    std::string dir_text = slash == std::string_view::npos ? std::string() : std::string(prefix.substr(0, slash));
    auto dir_path = Path::parse(dir_text);
    if (!dir_path.ok()) return dir_path.status().with_context("list prefix");
    auto dir = open_dir_below(anchor_, rel(*dir_path), false);
    if (!dir.ok()) {
      ErrorCode c = dir.status().code();
      if (c == ErrorCode::NotFound || c == ErrorCode::Conflict) return ListPage{};  // nothing under that prefix
      return dir.status();
    }
    Walk walk{options, options.max_keys ? options.max_keys : kLocalPageSize, {}, ctx};
    std::string base = dir_text.empty() ? std::string() : dir_text + "/";
    CLOUDSYNC_RETURN_IF_ERROR(walk_dir(walk, dir->get(), base));
    return std::move(walk.page);
  }

  Result<std::vector<Status>> remove_many(std::span<const Path> paths, const OpContext& ctx) override {
    return remove_each(paths, ctx, [&](const Path& path) { return remove_one(path); });
  }

  std::optional<LocalFolder> local_root() const override { return LocalFolder{anchor_, below_}; }

  Result<uint64_t> sweep_interrupted_uploads(const SweepOptions& options, const OpContext& ctx) override {
    std::string_view prefix = options.prefix;
    size_t slash = prefix.rfind('/');
    auto folder = Path::parse(slash == std::string_view::npos ? std::string_view() : prefix.substr(0, slash));
    if (!folder.ok()) return folder.status().with_context("sweep prefix");
    auto dir = open_dir_below(anchor_, rel(*folder), false);
    if (!dir.ok()) {
      ErrorCode c = dir.status().code();
      return (c == ErrorCode::NotFound || c == ErrorCode::Conflict) ? Result<uint64_t>(uint64_t{0}) : dir.status();
    }
    uint64_t removed = 0;
    sweep_dir(dir->get(), root_ / folder->str(), options, now_utc(), removed, 0, ctx);
    return removed;
  }

 private:
  struct Walk {
    const ListOptions& options;
    uint32_t limit;
    ListPage page;
    const OpContext& ctx;
  };

  // Key `key` as a path below the anchor.
  Path rel(const Path& key) const { return below_.join(key); }

  // A missing file or a folder in the way both mean "no such object".
  Status not_found_for_folders(const Status& s, const Path& path) const {
    if (s.code() == ErrorCode::NotFound || s.code() == ErrorCode::Conflict) {
      return make_error(ErrorCode::NotFound, "'{}' not found in {}", path.str(), describe());
    }
    return s;
  }

  Status check_writable(const Path& path) const {
    if (path.is_root()) return make_error(ErrorCode::InvalidArgument, "cannot write the root as an object");
    CLOUDSYNC_RETURN_IF_ERROR(check_name_lengths(path));
    if (is_partial_file_name(path.name())) {
      return make_error(ErrorCode::InvalidArgument, "'{}' is a name reserved for temporary files", path.str());
    }
    return Status::OK();
  }

  struct Child {
    std::string sort_key;
    std::string name;
    bool is_dir;
    FileInfo info;
  };
  // One folder as read: its files and folders sorted by key, and what could
  // not be read in it.
  struct FolderRead {
    std::vector<Child> children;
    std::vector<UnreadableEntry> unreadable;
  };

  Result<std::shared_ptr<const FolderRead>> read_folder(int dir_fd, const std::string& base) const {
    int fd = ::dup(dir_fd);
    if (fd < 0) return errno_error(errno, "open directory", root_ / base);
    DIR* dp = ::fdopendir(fd);
    if (dp == nullptr) {
      ::close(fd);
      return errno_error(errno, "open directory", root_ / base);
    }
    ::rewinddir(dp);
    auto read = std::make_shared<FolderRead>();
    std::vector<Child>& children = read->children;
    std::vector<UnreadableEntry>& unreadable = read->unreadable;
    for (;;) {
      errno = 0;
      dirent* de = ::readdir(dp);
      if (de == nullptr) {
        // The rest of this folder is unknown: the whole folder counts as unread.
        if (errno != 0) unreadable.push_back({base, errno_error(errno, "read directory", root_ / base)});
        break;
      }
      std::string name = de->d_name;
      if (name == "." || name == ".." || is_partial_file_name(name)) continue;
      struct stat st {};
      if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        // Vanished or unreadable while we looked: if it was a folder (a rename
        // in progress), everything below it is unknown, so it is not "absent".
        bool maybe_dir = de->d_type == DT_DIR || de->d_type == DT_UNKNOWN;
        // A file removed since readdir is simply absent, as in a listing taken
        // a moment later (another writer's temporary, a status probe's object).
        if (errno == ENOENT && !maybe_dir) continue;
        unreadable.push_back({base + name + (maybe_dir ? "/" : ""), errno_error(errno, "stat", root_ / (base + name))});
        continue;
      }
      if (S_ISDIR(st.st_mode)) {
        children.push_back({name + "/", name, true, {}});
      } else if (S_ISREG(st.st_mode)) {
        children.push_back({name, name, false, file_info_from_stat(st)});
      } else {
        log(LogLevel::Debug, "listing {}: skipping '{}{}' (not a regular file or folder)", describe(), base, name);
      }
    }
    ::closedir(dp);
    std::sort(children.begin(), children.end(), [](const Child& a, const Child& b) { return a.sort_key < b.sort_key; });
    return std::shared_ptr<const FolderRead>(std::move(read));
  }

  // The folders the last pages read, for the pages after them. A page
  // resumes below its token: without these, it would read (and stat every
  // entry of) each folder on the token's path again, which made a listing of
  // folders of a thousand files cost 3.3 stats a file. A read is reused only
  // by a resumed page, whose token's folders the page before it read, and
  // only while the folder is unchanged (the same inode and mtime: adding,
  // removing or renaming an entry changes the mtime).
  struct RecentRead {
    std::string base;
    ino_t inode;
    timespec mtime;
    std::shared_ptr<const FolderRead> read;
  };
  static constexpr size_t kRecentReads = 16;

  std::shared_ptr<const FolderRead> recent_read(const std::string& base, const struct stat& now) const {
    std::lock_guard lock(recent_mutex_);
    for (const RecentRead& r : recent_reads_) {
      if (r.base == base && r.inode == now.st_ino && r.mtime.tv_sec == now.st_mtim.tv_sec &&
          r.mtime.tv_nsec == now.st_mtim.tv_nsec) {
        return r.read;
      }
    }
    return nullptr;
  }

  void remember_read(const std::string& base, const struct stat& now, std::shared_ptr<const FolderRead> read) const {
    std::lock_guard lock(recent_mutex_);
    std::erase_if(recent_reads_, [&](const RecentRead& r) { return r.base == base; });
    if (recent_reads_.size() >= kRecentReads) recent_reads_.erase(recent_reads_.begin());
    recent_reads_.push_back({base, now.st_ino, now.st_mtim, std::move(read)});
  }

  // Depth-first walk in key order. Children are sorted by name, with folders
  // sorted as "name/" so that the emitted keys come out in byte order, which is
  // what makes "last key returned" a valid page token.
  Status walk_dir(Walk& walk, int dir_fd, const std::string& base) {
    if (walk.ctx.cancelled()) return Status(ErrorCode::Cancelled, "listing cancelled");
    struct stat dir_stat {};
    if (::fstat(dir_fd, &dir_stat) != 0) return errno_error(errno, "stat directory", root_ / base);
    std::shared_ptr<const FolderRead> read;
    if (!walk.options.page_token.empty()) read = recent_read(base, dir_stat);
    if (!read) {
      CLOUDSYNC_ASSIGN_OR_RETURN(read, read_folder(dir_fd, base));
      remember_read(base, dir_stat, read);
    }
    const std::vector<Child>& children = read->children;
    // Reported on the page that reaches their folder; a resumed page does not repeat them.
    const std::string& resume_token = walk.options.page_token;
    // Resuming inside a folder that is gone (renamed or deleted between two
    // pages): the rest of it was never listed.
    if (resume_token.size() > base.size() && resume_token.starts_with(base)) {
      size_t slash = resume_token.find('/', base.size());
      if (slash != std::string::npos) {
        std::string_view sort_key = std::string_view(resume_token).substr(base.size(), slash + 1 - base.size());
        bool present = std::any_of(children.begin(), children.end(),
                                   [&](const Child& c) { return c.is_dir && c.sort_key == sort_key; });
        if (!present) {
          std::string key = resume_token.substr(0, slash + 1);
          walk.page.unreadable.push_back(
              {key, make_error(ErrorCode::NotFound, "'{}' vanished while it was listed", key)});
        }
      }
    }
    for (const UnreadableEntry& entry : read->unreadable) {
      if (resume_token.empty() || entry.key > resume_token) walk.page.unreadable.push_back(entry);
    }

    const std::string& prefix = walk.options.prefix;
    const std::string& token = walk.options.page_token;
    for (const Child& child : children) {
      std::string key = base + child.sort_key;  // folders end with '/'
      // Entirely before the prefix or the page token, or not matching the prefix: skip.
      bool matches_prefix =
          key.compare(0, prefix.size(), prefix) == 0 || (child.is_dir && prefix.compare(0, key.size(), key) == 0);
      if (!matches_prefix) continue;
      bool before_token = !token.empty() && key <= token;
      if (child.is_dir) {
        bool rolls_up = !walk.options.recursive && key.size() > prefix.size();
        if (rolls_up) {
          if (before_token) continue;
          if (walk.page.objects.size() + walk.page.common_prefixes.size() >= walk.limit) {
            walk.page.next_page_token = last_key(walk.page);
            return Status::OK();
          }
          walk.page.common_prefixes.push_back(key);
          continue;
        }
        // A folder before the token may still hold the token (and keys after it).
        if (before_token && token.compare(0, key.size(), key) != 0) continue;
        int sub = ::openat(dir_fd, child.name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0) {
          // Locked, vanished or replaced by a symlink while we looked: its
          // contents are unknown (a symlink is not ours to follow).
          walk.page.unreadable.push_back({key, errno_error(errno, "open directory", root_ / key)});
          continue;
        }
        UniqueFd sub_fd(sub);
        CLOUDSYNC_RETURN_IF_ERROR(walk_dir(walk, sub_fd.get(), key));
        if (!walk.page.next_page_token.empty()) return Status::OK();
      } else {
        if (before_token) continue;
        if (walk.page.objects.size() + walk.page.common_prefixes.size() >= walk.limit) {
          walk.page.next_page_token = last_key(walk.page);
          return Status::OK();
        }
        walk.page.objects.push_back(meta_from(key, child.info));
      }
    }
    return Status::OK();
  }

  // Removes the temporaries below `dir_fd` whose writer is gone: a live
  // writer holds an exclusive flock on its temporary (AtomicFileWriter), so
  // one we can lock is debris. Multipart part files are written piecewise by
  // an upload that may be paused between parts: they also have to be older
  // than options.older_than.
  void sweep_dir(int dir_fd, const fs::path& shown, const SweepOptions& options, TimePoint now, uint64_t& removed,
                 int depth, const OpContext& ctx) {
    if (depth > 256 || ctx.cancelled()) return;
    int fd = ::dup(dir_fd);
    if (fd < 0) return;
    DIR* dp = ::fdopendir(fd);
    if (dp == nullptr) {
      ::close(fd);
      return;
    }
    ::rewinddir(dp);
    std::vector<std::string> folders, temporaries;
    while (dirent* de = ::readdir(dp)) {
      std::string name = de->d_name;
      if (name == "." || name == "..") continue;
      if (is_partial_file_name(name)) {
        temporaries.push_back(std::move(name));
      } else if (de->d_type == DT_DIR || de->d_type == DT_UNKNOWN) {
        folders.push_back(std::move(name));
      }
    }
    ::closedir(dp);
    for (const std::string& name : temporaries) {
      UniqueFd file(::openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
      struct stat st {};
      if (!file || ::fstat(file.get(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      if (::flock(file.get(), LOCK_EX | LOCK_NB) != 0) continue;  // its writer is alive
      auto age = now - file_info_from_stat(st).mtime;
      bool part = name.find("-part") != std::string::npos;
      // The grace covers a writer between creating its temporary and locking it.
      if (age < (part ? std::chrono::duration_cast<std::chrono::nanoseconds>(options.older_than)
                      : std::chrono::duration_cast<std::chrono::nanoseconds>(options.temporary_grace))) {
        continue;
      }
      if (::unlinkat(dir_fd, name.c_str(), 0) == 0) {
        log(LogLevel::Info, "removed '{}', left behind by an interrupted transfer", (shown / name).string());
        ++removed;
      }
    }
    for (const std::string& name : folders) {
      UniqueFd sub(::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (sub) sweep_dir(sub.get(), shown / name, options, now, removed, depth + 1, ctx);
    }
  }

  static std::string last_key(const ListPage& page) {
    std::string last;
    if (!page.objects.empty()) last = page.objects.back().key;
    if (!page.common_prefixes.empty() && page.common_prefixes.back() > last) last = page.common_prefixes.back();
    return last;
  }

  Status remove_one(const Path& path) {
    if (path.is_root()) return make_error(ErrorCode::InvalidArgument, "cannot delete the root");
    auto dir = open_dir_below(anchor_, rel(path.parent()), false);
    if (!dir.ok()) {
      ErrorCode c = dir.status().code();
      return (c == ErrorCode::NotFound || c == ErrorCode::Conflict) ? Status::OK() : dir.status();
    }
    std::string name(path.name());
    struct stat st {};
    if (::fstatat(dir->get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      return errno == ENOENT ? Status::OK() : errno_error(errno, "stat", root_ / path.str());
    }
    if (S_ISDIR(st.st_mode)) return Status::OK();  // a folder is not an object
    if (::unlinkat(dir->get(), name.c_str(), 0) != 0 && errno != ENOENT) {
      return errno_error(errno, "delete", root_ / path.str());
    }
    prune_empty_parents(path.parent());
    return Status::OK();
  }

  // Folders exist only while they hold files, as on an object store.
  void prune_empty_parents(Path dir) {
    while (!dir.is_root()) {
      auto parent = open_dir_below(anchor_, rel(dir.parent()), false);
      if (!parent.ok()) return;
      std::string name(dir.name());
      if (::unlinkat(parent->get(), name.c_str(), AT_REMOVEDIR) != 0) return;  // not empty (or gone)
      dir = dir.parent();
    }
  }

  fs::path root_;    // anchor_/below_, for messages
  fs::path anchor_;  // trusted as given
  Path below_;       // never traversed through a symlink
  LocalBackendOptions options_;
  Capabilities caps_;
  std::mutex update_mutex_;
  mutable std::mutex recent_mutex_;
  mutable std::vector<RecentRead> recent_reads_;
};

Result<PartInfo> LocalMultipartUpload::upload_part(uint32_t number, ByteSource& data, const OpContext& ctx) {
  if (number == 0) return make_error(ErrorCode::InvalidArgument, "part numbers start at 1");
  std::string name = part_name(number);
  UniqueFd fd(::openat(dir_.get(), name.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0666));
  if (!fd) return errno_error(errno, "create part file for", root_ / path_.str());
  {
    std::lock_guard lock(mutex_);
    if (std::find(written_parts_.begin(), written_parts_.end(), number) == written_parts_.end()) {
      written_parts_.push_back(number);
    }
  }
  std::vector<char> buf(kIoChunk);
  uint64_t size = 0;
  for (;;) {
    if (ctx.cancelled()) return Status(ErrorCode::Cancelled, "upload cancelled");
    CLOUDSYNC_ASSIGN_OR_RETURN(size_t n, data.read(buf));
    if (n == 0) break;
    for (size_t off = 0; off < n;) {
      ssize_t w = ::write(fd.get(), buf.data() + off, n - off);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return errno_error(errno, "write part of", root_ / path_.str());
      off += static_cast<size_t>(w);
    }
    size += n;
  }
  return PartInfo{number, size, fmt::format("part-{}-{}", number, size)};
}

Result<ObjectMeta> LocalMultipartUpload::complete(std::vector<PartInfo> parts, const OpContext& ctx) {
  std::sort(parts.begin(), parts.end(), [](const PartInfo& a, const PartInfo& b) { return a.number < b.number; });
  AtomicFileWriter::Options wopts;
  wopts.fsync = fsync_;
  wopts.no_replace = options_.mode == PutMode::Create;
  CLOUDSYNC_ASSIGN_OR_RETURN(auto writer, AtomicFileWriter::create(root_, rel_, wopts));
  std::string temp_path = writer->target().parent_path().string();
  for (const PartInfo& part : parts) {
    if (ctx.cancelled()) return Status(ErrorCode::Cancelled, "upload cancelled");
    std::string name = part_name(part.number);
    UniqueFd in(::openat(dir_.get(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!in)
      return make_error(ErrorCode::InvalidArgument, "part {} of '{}' was never uploaded", part.number, path_.str());
    struct stat st {};
    ::fstat(in.get(), &st);
    if (static_cast<uint64_t>(st.st_size) != part.size) {
      return make_error(ErrorCode::Integrity, "part {} of '{}' has {} bytes, expected {}", part.number, path_.str(),
                        st.st_size, part.size);
    }
    // Stream through the writer so that the same atomic commit path is used.
    std::vector<char> buf(kIoChunk);
    for (;;) {
      ssize_t n = ::read(in.get(), buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return errno_error(errno, "read part of", root_ / path_.str());
      if (n == 0) break;
      CLOUDSYNC_RETURN_IF_ERROR(writer->write(std::string_view(buf.data(), static_cast<size_t>(n))));
    }
  }
  if (options_.size && writer->bytes_written() != *options_.size) {
    return make_error(ErrorCode::Integrity, "'{}': parts hold {} bytes, expected {}", path_.str(),
                      writer->bytes_written(), *options_.size);
  }
  CLOUDSYNC_RETURN_IF_ERROR(writer->commit(options_.mtime));
  CLOUDSYNC_RETURN_IF_ERROR(abort(ctx));  // removes the part files
  CLOUDSYNC_ASSIGN_OR_RETURN(FileInfo info, stat_file_below(root_, rel_));
  return meta_from(path_.str(), info);
}

Status LocalMultipartUpload::abort(const OpContext&) {
  std::lock_guard lock(mutex_);
  for (uint32_t n : written_parts_) ::unlinkat(dir_.get(), part_name(n).c_str(), 0);
  written_parts_.clear();
  finished_ = true;
  return Status::OK();
}

}  // namespace

Result<std::shared_ptr<StorageBackend>> make_local_backend(const fs::path& root, LocalBackendOptions options) {
  if (root.empty()) return make_error(ErrorCode::InvalidArgument, "the local backend needs a folder");
  std::error_code ec;
  fs::path abs = fs::absolute(root, ec).lexically_normal();
  if (ec) return errno_error(ec.value(), "resolve", root);
  std::string text = abs.string();
  while (text.size() > 1 && text.back() == '/') text.pop_back();
  if (fs::exists(text, ec) && !fs::is_directory(text, ec)) {
    return make_error(ErrorCode::InvalidArgument, "'{}' is a file, not a folder", text);
  }
  fs::path anchor(text);
  Path below;
  if (!options.anchor.empty()) {
    fs::path base = fs::absolute(options.anchor, ec).lexically_normal();
    if (ec) return errno_error(ec.value(), "resolve", options.anchor);
    std::string rel = fs::path(text).lexically_relative(base).string();
    Result<Path> parsed = rel == "." ? Result<Path>(Path()) : Path::parse(rel);
    if (rel.empty() || !parsed.ok()) {
      return make_error(ErrorCode::PermissionDenied, "refusing the folder '{}': it is not inside '{}'", text,
                        base.string());
    }
    anchor = base;
    below = std::move(parsed).value();
    // A symlink on the way is refused now rather than at the first operation.
    auto opened = open_dir_below(anchor, below, false);
    if (!opened.ok() && opened.status().code() == ErrorCode::PermissionDenied) return opened.status();
  }
  return std::shared_ptr<StorageBackend>(std::make_shared<LocalBackend>(std::move(anchor), std::move(below), options));
}

}  // namespace cloudsync
