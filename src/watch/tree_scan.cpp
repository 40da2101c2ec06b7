#include "watch/tree_scan.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>
#include <vector>

#include "cloudsync/path.hpp"
#include "core/log.hpp"
#include "core/utf8.hpp"

namespace cloudsync {

namespace fs = std::filesystem;

std::string join_relative(std::string_view parent, std::string_view name) {
  std::string out;
  out.reserve(parent.size() + name.size() + 1);
  out.append(parent);
  if (!parent.empty()) out.push_back('/');
  out.append(name);
  return out;
}

bool reportable_name(const fs::path& folder, std::string_view name) {
  if (!is_valid_utf8(name)) {
    // The name itself cannot go into a log line as it is.
    log(LogLevel::Warn, "watch: skipping a name that is not valid UTF-8 in {}", folder.string());
    return false;
  }
  if (Status valid = Path::validate(name); !valid.ok()) {
    log(LogLevel::Warn, "watch: skipping \"{}\" in {}: {}", name, folder.string(), valid.message());
    return false;
  }
  return true;
}

namespace {

// Lists one open folder: its files go to the visitor, its subfolders to `subfolders`.
void list_folder(int dir_fd, const fs::path& root, const std::string& rel, const TreeScanVisitor& visitor,
                 std::vector<std::string>& subfolders) {
  const int listing_fd = ::dup(dir_fd);
  if (listing_fd < 0) return;
  DIR* dir = ::fdopendir(listing_fd);
  if (dir == nullptr) {
    ::close(listing_fd);
    return;
  }
  while (const dirent* entry = ::readdir(dir)) {
    const std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    if (entry->d_type != DT_UNKNOWN && entry->d_type != DT_REG && entry->d_type != DT_DIR) continue;
    struct stat st {};
    if (::fstatat(dir_fd, entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;  // gone meanwhile
    const bool is_dir = S_ISDIR(st.st_mode);
    if (!is_dir && !S_ISREG(st.st_mode)) continue;  // symlinks, sockets, devices: never followed
    if (!reportable_name(root / rel, name)) continue;
    std::string path = join_relative(rel, name);
    if (visitor.ignored && visitor.ignored(path, is_dir)) continue;
    if (is_dir) {
      subfolders.push_back(std::move(path));
    } else if (visitor.on_file) {
      visitor.on_file(path, file_info_from_stat(st));
    }
  }
  ::closedir(dir);
}

}  // namespace

bool scan_tree(const fs::path& root, const std::string& start, const TreeScanVisitor& visitor) {
  std::vector<std::string> pending{start};
  while (!pending.empty()) {
    std::string rel = std::move(pending.back());
    pending.pop_back();
    Result<Path> path = Path::parse(rel);
    if (!path.ok()) continue;
    Result<UniqueFd> dir = open_dir_below(root, *path, /*create=*/false);
    if (!dir.ok()) continue;
    if (visitor.on_folder && !visitor.on_folder(rel, dir->get())) return false;
    list_folder(dir->get(), root, rel, visitor, pending);
  }
  return true;
}

}  // namespace cloudsync
