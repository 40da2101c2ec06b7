#include "watch/settling_files.hpp"

#include <algorithm>

namespace cloudsync {

namespace {

bool same_file(const FileInfo& a, const FileInfo& b) {
  return a.size == b.size && a.mtime == b.mtime && a.inode == b.inode && a.device == b.device;
}

}  // namespace

void SettlingFiles::on_change(const FsChange& change, Clock::time_point now) {
  Key key{change.root, change.path};
  if (change.kind == FsChange::Kind::Removed) {
    files_.erase(key);
    return;
  }
  Settling& s = files_[key];
  switch (change.kind) {
    case FsChange::Kind::Closed: s.closed = true; break;
    case FsChange::Kind::Modified: s.closed = false; break;
    // A scan cannot tell whether a writer still holds the file; a write
    // after it will say so (Modified), and the two looks catch the rest.
    case FsChange::Kind::Found: s.closed = true; break;
    case FsChange::Kind::Removed: break;
  }
  // The first look: the stat the ready check compares with.
  s.seen = change.info.inode != 0 ? std::optional<FileInfo>(change.info) : stat_(key);
  s.due = now + (s.closed ? quiet_window_ : open_file_quiet_);
}

std::vector<SettlingFiles::Key> SettlingFiles::take_ready(Clock::time_point now) {
  std::vector<std::pair<Clock::time_point, Key>> ready;
  for (auto it = files_.begin(); it != files_.end();) {
    Settling& s = it->second;
    if (s.due > now) {
      ++it;
      continue;
    }
    std::optional<FileInfo> look = stat_(it->first);
    if (!look) {  // gone: nothing to export
      it = files_.erase(it);
      continue;
    }
    if (!s.seen || !same_file(*s.seen, *look)) {
      // Still changing, though no event said so (yet): look again later.
      s.seen = look;
      s.due = now + (s.closed ? quiet_window_ : open_file_quiet_);
      ++it;
      continue;
    }
    ready.emplace_back(s.due, it->first);
    it = files_.erase(it);
  }
  std::stable_sort(ready.begin(), ready.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<Key> out;
  out.reserve(ready.size());
  for (auto& [due, key] : ready) out.push_back(std::move(key));
  return out;
}

std::optional<SettlingFiles::Clock::time_point> SettlingFiles::next_deadline() const {
  std::optional<Clock::time_point> next;
  for (const auto& [key, s] : files_) {
    if (!next || s.due < *next) next = s.due;
  }
  return next;
}

void SettlingFiles::hurry() {
  for (auto& [key, s] : files_) {
    s.due = Clock::time_point::min();
    // A flush takes the file as it is now: its writers are done.
    s.seen = stat_(key);
  }
}

}  // namespace cloudsync
