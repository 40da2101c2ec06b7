#include "catalog/file_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>

#include <thread>

#include "core/error.hpp"

namespace cloudsync {

namespace fs = std::filesystem;

Result<FileLock> FileLock::acquire(const fs::path& file, std::string_view what, std::chrono::milliseconds wait) {
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  UniqueFd fd(::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd) return errno_error(errno, "open lock file", file);
  auto deadline = std::chrono::steady_clock::now() + wait;
  while (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    if (errno == EWOULDBLOCK) {
      return make_error(ErrorCode::Conflict, "{} is busy: another cloudsync operation holds it (lock '{}')", what,
                        file.string());
    }
    return errno_error(errno, "lock", file);
  }
  return FileLock(std::move(fd));
}

bool FileLock::is_held(const fs::path& file) {
  // A lock on a separate open file description conflicts with every other
  // holder's, this process's included.
  UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) return false;
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) == 0) return false;  // released when fd closes
  return errno == EWOULDBLOCK;
}

}  // namespace cloudsync
