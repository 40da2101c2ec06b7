// Local file primitives that keep the two promises the engine makes about the
// disk: nothing is ever written outside the chosen root (no "..", no symlink
// followed on the way down), and nothing partial is ever visible under a real
// name (writes go to a hidden temporary that is fsynced and renamed).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include <sys/stat.h>

#include "cloudsync/io.hpp"
#include "cloudsync/path.hpp"
#include "cloudsync/status.hpp"
#include "cloudsync/types.hpp"

namespace cloudsync {

/// An owned file descriptor.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd();
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept;
  int get() const noexcept { return fd_; }
  int release() noexcept {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  explicit operator bool() const noexcept { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

/// True for the names of temporaries this library creates; listings skip them.
bool is_partial_file_name(std::string_view name);
/// A fresh temporary name for `name` (at most its first 200 bytes, never half
/// a UTF-8 character, so that the result fits NAME_MAX), which is_partial_file_name() recognises:
/// ".<name>.cloudsync-<random>.partial".
std::string partial_file_name(std::string_view name);

/// Opens directory `rel` below `root` without following any symlink on the way
/// (a symlinked component is a PermissionDenied error). With `create`, missing
/// directories are created. A regular file in the way is a Conflict.
Result<UniqueFd> open_dir_below(const std::filesystem::path& root, const Path& rel, bool create);

/// What stat says about a regular file.
struct FileInfo {
  uint64_t size = 0;
  TimePoint mtime;
  uint64_t inode = 0;
  uint64_t device = 0;
};
Result<FileInfo> stat_file_below(const std::filesystem::path& root, const Path& rel);
/// The FileInfo of a stat result.
FileInfo file_info_from_stat(const struct ::stat& st);

/// The version token of a local file: changes whenever its content may have
/// (size, mtime or inode, since atomic replacement creates a new inode).
std::string local_file_etag(const FileInfo& info);

/// Reads a file, or a window of it, with pread (so several readers can share
/// nothing and a retry can rewind).
class FileSource final : public ByteSource {
 public:
  /// Opens `file` (the last component is not followed if it is a symlink).
  /// For files the host named; files below a project go through open_below.
  static Result<std::unique_ptr<FileSource>> open(const std::filesystem::path& file, uint64_t offset = 0,
                                                  std::optional<uint64_t> length = std::nullopt);
  /// Opens the file `rel` below `root` without following any symlink on the way.
  static Result<std::unique_ptr<FileSource>> open_below(const std::filesystem::path& root, const Path& rel,
                                                        uint64_t offset = 0,
                                                        std::optional<uint64_t> length = std::nullopt);
  /// Reads the open file `fd` (named `file` in messages).
  static Result<std::unique_ptr<FileSource>> from_fd(UniqueFd fd, const std::filesystem::path& file,
                                                     uint64_t offset = 0,
                                                     std::optional<uint64_t> length = std::nullopt);
  Result<size_t> read(std::span<char> buf) override;
  std::optional<uint64_t> size() const override { return length_; }
  Status rewind() override {
    pos_ = 0;
    return Status::OK();
  }

 private:
  FileSource(UniqueFd fd, std::filesystem::path file, uint64_t offset, uint64_t length)
      : fd_(std::move(fd)), file_(std::move(file)), offset_(offset), length_(length) {}
  UniqueFd fd_;
  std::filesystem::path file_;
  uint64_t offset_;
  uint64_t length_;
  uint64_t pos_ = 0;
};

/// Writes a file under `root` atomically: data goes to a hidden temporary in
/// the target's directory; commit() fsyncs it, sets its mtime, renames it over
/// the target and fsyncs the directory. Until then the target is untouched;
/// if the writer is destroyed without commit() the temporary is removed.
class AtomicFileWriter final : public ByteSink {
 public:
  struct Options {
    bool fsync = true;
    /// Fail with AlreadyExists instead of replacing an existing target.
    bool no_replace = false;
    /// The new file's permissions (before the umask); 0600 for a secret, which
    /// must not be readable even while it is being written.
    unsigned mode = 0666;
  };
  static Result<std::unique_ptr<AtomicFileWriter>> create(const std::filesystem::path& root, const Path& rel,
                                                          Options options);
  ~AtomicFileWriter() override;

  Status write(std::string_view data) override;
  /// Writes `data` at `offset` of the temporary (pwrite): several threads may
  /// write disjoint ranges at once. Not counted in bytes_written().
  Status write_at(uint64_t offset, std::string_view data);
  /// Makes the new content visible under the target name.
  Status commit(std::optional<TimePoint> mtime = std::nullopt);
  /// Drops the temporary; the target keeps its old content.
  void abort();

  uint64_t bytes_written() const noexcept { return written_; }
  /// Reopens the bytes written so far for reading (through the open folder,
  /// not by path).
  Result<std::unique_ptr<FileSource>> reopen_temporary() const;
  /// Where the target lives on disk.
  const std::filesystem::path& target() const noexcept { return target_; }
  /// Where the bytes written so far live until commit().
  std::filesystem::path temporary() const { return target_.parent_path() / temp_name_; }

 private:
  AtomicFileWriter() = default;
  UniqueFd dir_;
  UniqueFd file_;
  std::string temp_name_;
  std::string final_name_;
  std::filesystem::path target_;
  Options options_;
  uint64_t written_ = 0;
  bool done_ = false;
};

/// Deletes the folder `rel` below `root` and everything in it, walking through
/// directory descriptors: no symlink is followed, on the way down to `rel` or
/// inside it (a symlink inside is removed as the link it is). An absent
/// folder counts as deleted.
Status remove_tree_below(const std::filesystem::path& root, const Path& rel);

/// Reads a small file (state, configuration) whole; LimitExceeded above `max_bytes`.
Result<std::string> read_small_file(const std::filesystem::path& file, size_t max_bytes = 256u << 20);
/// Replaces `file` with `content` atomically (temporary, fsync, rename); a new
/// file gets `mode` (before the umask).
Status write_file_atomically(const std::filesystem::path& file, std::string_view content, unsigned mode = 0666);

/// Renames `from` over `to` within one directory fd, optionally refusing to replace.
Status rename_in_dir(int dir_fd, const std::string& from, const std::string& to, bool no_replace);

}  // namespace cloudsync
