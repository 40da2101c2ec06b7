#include "core/file_io.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/time.hpp"

namespace cloudsync {

namespace fs = std::filesystem;

namespace {
constexpr std::string_view kPartialMarker = ".cloudsync-";
constexpr std::string_view kPartialSuffix = ".partial";

timespec to_timespec(TimePoint t) {
  int64_t ns = to_unix_nanos(t);
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
  ts.tv_nsec = static_cast<long>(ns % 1'000'000'000);
  if (ts.tv_nsec < 0) {
    ts.tv_nsec += 1'000'000'000;
    ts.tv_sec -= 1;
  }
  return ts;
}
}  // namespace

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

UniqueFd& UniqueFd::operator=(UniqueFd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.release();
  }
  return *this;
}

bool is_partial_file_name(std::string_view name) {
  return name.size() > kPartialSuffix.size() && name.front() == '.' &&
         name.substr(name.size() - kPartialSuffix.size()) == kPartialSuffix &&
         name.find(kPartialMarker) != std::string_view::npos;
}

std::string partial_file_name(std::string_view name) {
  // At most 200 bytes of the name, cut where no UTF-8 sequence is split: a
  // store that takes names as Unicode (Drive) refuses or mangles half a character.
  size_t keep = std::min<size_t>(name.size(), 200);
  while (keep > 0 && keep < name.size() && (static_cast<unsigned char>(name[keep]) & 0xC0) == 0x80) --keep;
  return fmt::format(".{}{}{}{}", name.substr(0, keep), kPartialMarker, random_hex(6), kPartialSuffix);
}

namespace {

// The whole walk in one call where the kernel has openat2 (Linux 5.6):
// RESOLVE_NO_SYMLINKS refuses a symbolic link in any component, as the walk
// below does one openat at a time, and RESOLVE_BENEATH keeps it under `dir`.
// An import opens a file's folder this way several times a file, and the
// walk's open and close a component were most of its system calls. Any
// failure (a missing folder, a link) leaves the answer to the walk, which
// says precisely what is wrong; a kernel or seccomp filter without openat2
// (ENOSYS, EPERM) is not asked again.
std::optional<UniqueFd> open_beneath_in_one_call(int dir, const Path& rel) {
  static std::atomic<bool> unavailable{false};
  if (rel.segments().empty() || unavailable.load(std::memory_order_relaxed)) return std::nullopt;
  open_how how{};
  how.flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
  how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  long fd = ::syscall(SYS_openat2, dir, rel.str().c_str(), &how, sizeof how);
  if (fd < 0) {
    if (errno == ENOSYS || errno == EPERM) unavailable.store(true, std::memory_order_relaxed);
    return std::nullopt;
  }
  return UniqueFd(static_cast<int>(fd));
}

}  // namespace

Result<UniqueFd> open_dir_below(const fs::path& root, const Path& rel, bool create) {
  if (create) {
    std::error_code ec;
    fs::create_directories(root, ec);
    if (ec) return errno_error(ec.value(), "create directory", root);
  }
  UniqueFd dir(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir) return errno_error(errno, "open directory", root);
  if (auto direct = open_beneath_in_one_call(dir.get(), rel)) return std::move(*direct);
  fs::path sofar = root;
  for (std::string_view seg : rel.segments()) {
    std::string name(seg);
    sofar /= name;
    int fd = ::openat(dir.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && create) {
      if (::mkdirat(dir.get(), name.c_str(), 0777) != 0 && errno != EEXIST) {
        return errno_error(errno, "create directory", sofar);
      }
      fd = ::openat(dir.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (fd < 0) {
      int err = errno;
      struct stat st {};
      if (::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
        if (S_ISLNK(st.st_mode)) {
          return make_error(ErrorCode::PermissionDenied, "refusing to follow the symbolic link '{}'", sofar.string());
        }
        if (!S_ISDIR(st.st_mode)) {
          return make_error(ErrorCode::Conflict, "'{}' is a file, but a folder of that name is needed", sofar.string());
        }
      }
      return errno_error(err, "open directory", sofar);
    }
    dir = UniqueFd(fd);
  }
  return dir;
}

Result<FileInfo> stat_file_below(const fs::path& root, const Path& rel) {
  CLOUDSYNC_ASSIGN_OR_RETURN(UniqueFd dir, open_dir_below(root, rel.parent(), false));
  struct stat st {};
  std::string name(rel.name());
  if (::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return errno_error(errno, "stat", root / rel.str());
  }
  if (S_ISDIR(st.st_mode)) return make_error(ErrorCode::Conflict, "'{}' is a folder", (root / rel.str()).string());
  if (!S_ISREG(st.st_mode)) {
    return make_error(ErrorCode::Unsupported, "'{}' is not a regular file", (root / rel.str()).string());
  }
  return file_info_from_stat(st);
}

FileInfo file_info_from_stat(const struct ::stat& st) {
  FileInfo info;
  info.size = static_cast<uint64_t>(st.st_size);
  info.mtime = from_unix_nanos(static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec);
  info.inode = st.st_ino;
  info.device = st.st_dev;
  return info;
}

std::string local_file_etag(const FileInfo& info) {
  return fmt::format("{:x}-{:x}-{:x}", info.size, to_unix_nanos(info.mtime), info.inode);
}

// ---- FileSource --------------------------------------------------------------

Result<std::unique_ptr<FileSource>> FileSource::open(const fs::path& file, uint64_t offset,
                                                     std::optional<uint64_t> length) {
  UniqueFd fd(::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) return errno_error(errno, "open", file);
  return from_fd(std::move(fd), file, offset, length);
}

Result<std::unique_ptr<FileSource>> FileSource::open_below(const fs::path& root, const Path& rel, uint64_t offset,
                                                           std::optional<uint64_t> length) {
  if (rel.is_root()) return make_error(ErrorCode::InvalidArgument, "'{}' is a folder", root.string());
  CLOUDSYNC_ASSIGN_OR_RETURN(UniqueFd dir, open_dir_below(root, rel.parent(), false));
  std::string name(rel.name());
  UniqueFd fd(::openat(dir.get(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) return errno_error(errno, "open", root / rel.str());
  return from_fd(std::move(fd), root / rel.str(), offset, length);
}

Result<std::unique_ptr<FileSource>> FileSource::from_fd(UniqueFd fd, const fs::path& file, uint64_t offset,
                                                        std::optional<uint64_t> length) {
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return errno_error(errno, "stat", file);
  if (!S_ISREG(st.st_mode)) return make_error(ErrorCode::Unsupported, "'{}' is not a regular file", file.string());
  auto size = static_cast<uint64_t>(st.st_size);
  if (offset > size) return make_error(ErrorCode::InvalidArgument, "offset beyond the end of '{}'", file.string());
  uint64_t len = length ? std::min(*length, size - offset) : size - offset;
  return std::unique_ptr<FileSource>(new FileSource(std::move(fd), file, offset, len));
}

Result<size_t> FileSource::read(std::span<char> buf) {
  uint64_t remaining = length_ - pos_;
  if (remaining == 0 || buf.empty()) return size_t{0};
  size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), remaining));
  for (;;) {
    ssize_t n = ::pread(fd_.get(), buf.data(), want, static_cast<off_t>(offset_ + pos_));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error(errno, "read", file_);
    if (n == 0) return make_error(ErrorCode::Integrity, "'{}' shrank while it was being read", file_.string());
    pos_ += static_cast<uint64_t>(n);
    return static_cast<size_t>(n);
  }
}

Result<std::string> read_small_file(const fs::path& file, size_t max_bytes) {
  CLOUDSYNC_ASSIGN_OR_RETURN(auto source, FileSource::open(file));
  uint64_t size = *source->size();
  if (size > max_bytes)
    return make_error(ErrorCode::LimitExceeded, "'{}' is larger than {} bytes", file.string(), max_bytes);
  std::string text(static_cast<size_t>(size), '\0');
  size_t off = 0;
  while (off < text.size()) {
    CLOUDSYNC_ASSIGN_OR_RETURN(size_t n, source->read(std::span<char>(text.data() + off, text.size() - off)));
    if (n == 0) break;
    off += n;
  }
  text.resize(off);
  return text;
}

Status write_file_atomically(const fs::path& file, std::string_view content, unsigned mode) {
  CLOUDSYNC_ASSIGN_OR_RETURN(Path name, Path::parse(file.filename().string()));
  AtomicFileWriter::Options options;
  options.mode = mode;
  CLOUDSYNC_ASSIGN_OR_RETURN(auto writer, AtomicFileWriter::create(file.parent_path(), name, options));
  CLOUDSYNC_RETURN_IF_ERROR(writer->write(content));
  return writer->commit();
}

namespace {
// Empties the folder `dir_fd` and removes it as `name` from `parent_fd`.
Status remove_tree_at(int parent_fd, const std::string& name, const fs::path& shown, int depth) {
  if (depth > 4096) return make_error(ErrorCode::LimitExceeded, "'{}' is nested too deeply", shown.string());
  int fd = ::openat(parent_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::OK();
    return errno_error(errno, "open directory", shown);
  }
  DIR* dp = ::fdopendir(fd);
  if (dp == nullptr) {
    ::close(fd);
    return errno_error(errno, "open directory", shown);
  }
  std::vector<std::pair<std::string, bool>> entries;
  for (;;) {
    errno = 0;
    dirent* de = ::readdir(dp);
    if (de == nullptr) {
      if (errno != 0) {
        int err = errno;
        ::closedir(dp);
        return errno_error(err, "read directory", shown);
      }
      break;
    }
    std::string child = de->d_name;
    if (child == "." || child == "..") continue;
    struct stat st {};
    if (::fstatat(::dirfd(dp), child.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;  // gone meanwhile
    entries.emplace_back(std::move(child), S_ISDIR(st.st_mode));
  }
  Status first;
  for (const auto& [child, is_dir] : entries) {
    Status s = is_dir ? remove_tree_at(::dirfd(dp), child, shown / child, depth + 1)
                      : (::unlinkat(::dirfd(dp), child.c_str(), 0) == 0 || errno == ENOENT
                             ? Status::OK()
                             : errno_error(errno, "delete", shown / child));
    if (!s.ok() && first.ok()) first = s;
  }
  ::closedir(dp);
  if (!first.ok()) return first;
  if (::unlinkat(parent_fd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) {
    return errno_error(errno, "delete folder", shown);
  }
  return Status::OK();
}
}  // namespace

Status remove_tree_below(const fs::path& root, const Path& rel) {
  if (rel.is_root()) return make_error(ErrorCode::InvalidArgument, "refusing to delete '{}' itself", root.string());
  auto parent = open_dir_below(root, rel.parent(), false);
  if (!parent.ok()) return parent.status().code() == ErrorCode::NotFound ? Status::OK() : parent.status();
  return remove_tree_at(parent->get(), std::string(rel.name()), root / rel.str(), 0);
}

// ---- AtomicFileWriter ---------------------------------------------------------

Status rename_in_dir(int dir_fd, const std::string& from, const std::string& to, bool no_replace) {
  unsigned flags = no_replace ? RENAME_NOREPLACE : 0;
  if (::renameat2(dir_fd, from.c_str(), dir_fd, to.c_str(), flags) == 0) return Status::OK();
  int err = errno;
  if (err == EEXIST) return make_error(ErrorCode::AlreadyExists, "'{}' already exists", to);
  if (err == EISDIR || err == ENOTEMPTY) {
    return make_error(ErrorCode::Conflict, "'{}' is a folder, but a file of that name is needed", to);
  }
  return errno_error(err, "rename to", to);
}

Result<std::unique_ptr<AtomicFileWriter>> AtomicFileWriter::create(const fs::path& root, const Path& rel,
                                                                   Options options) {
  if (rel.is_root()) return make_error(ErrorCode::InvalidArgument, "cannot write the root as a file");
  std::unique_ptr<AtomicFileWriter> w(new AtomicFileWriter());
  CLOUDSYNC_ASSIGN_OR_RETURN(w->dir_, open_dir_below(root, rel.parent(), true));
  w->final_name_ = std::string(rel.name());
  w->target_ = root / rel.str();
  w->options_ = options;
  for (int attempt = 0; attempt < 8; ++attempt) {
    w->temp_name_ = partial_file_name(w->final_name_);
    int fd = ::openat(w->dir_.get(), w->temp_name_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                      static_cast<mode_t>(options.mode));
    if (fd >= 0) {
      w->file_ = UniqueFd(fd);
      // Held until the rename: a sweep that can take this lock knows the
      // writer died (kill -9) and that the temporary is debris.
      ::flock(fd, LOCK_EX | LOCK_NB);
      return w;
    }
    if (errno != EEXIST) return errno_error(errno, "create temporary file in", w->target_.parent_path());
  }
  return make_error(ErrorCode::Internal, "could not create a temporary file next to '{}'", w->target_.string());
}

AtomicFileWriter::~AtomicFileWriter() { abort(); }

Status AtomicFileWriter::write(std::string_view data) {
  if (done_) return make_error(ErrorCode::Internal, "write after commit or abort");
  while (!data.empty()) {
    ssize_t n = ::write(file_.get(), data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error(errno, "write", target_);
    data.remove_prefix(static_cast<size_t>(n));
    written_ += static_cast<uint64_t>(n);
  }
  return Status::OK();
}

Status AtomicFileWriter::write_at(uint64_t offset, std::string_view data) {
  if (done_) return make_error(ErrorCode::Internal, "write after commit or abort");
  while (!data.empty()) {
    ssize_t n = ::pwrite(file_.get(), data.data(), data.size(), static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error(errno, "write", target_);
    data.remove_prefix(static_cast<size_t>(n));
    offset += static_cast<uint64_t>(n);
  }
  return Status::OK();
}

Status AtomicFileWriter::commit(std::optional<TimePoint> mtime) {
  if (done_) return make_error(ErrorCode::Internal, "commit after commit or abort");
  if (options_.fsync && ::fsync(file_.get()) != 0) return errno_error(errno, "fsync", target_);
  if (mtime) {
    timespec times[2] = {{0, UTIME_OMIT}, to_timespec(*mtime)};
    if (::futimens(file_.get(), times) != 0) return errno_error(errno, "set modification time of", target_);
  }
  // The descriptor (and its lock) stays open until the temporary has its
  // real name, so that no sweep takes it for debris in between.
  CLOUDSYNC_RETURN_IF_ERROR(rename_in_dir(dir_.get(), temp_name_, final_name_, options_.no_replace));
  file_ = UniqueFd();
  done_ = true;
  if (options_.fsync) ::fsync(dir_.get());  // best effort: the rename is already visible
  return Status::OK();
}

Result<std::unique_ptr<FileSource>> AtomicFileWriter::reopen_temporary() const {
  if (done_) return make_error(ErrorCode::Internal, "the temporary of '{}' is gone", target_.string());
  UniqueFd fd(::openat(dir_.get(), temp_name_.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) return errno_error(errno, "open", temporary());
  return FileSource::from_fd(std::move(fd), temporary(), 0, std::nullopt);
}

void AtomicFileWriter::abort() {
  if (done_) return;
  done_ = true;
  file_ = UniqueFd();
  if (dir_) ::unlinkat(dir_.get(), temp_name_.c_str(), 0);
}

}  // namespace cloudsync
