#include "cloudsync/path.hpp"

#include "core/error.hpp"
#include "core/utf8.hpp"

namespace cloudsync {

Status Path::validate(std::string_view text) {
  if (text.empty()) return Status::OK();
  if (text.front() == '/') return make_error(ErrorCode::InvalidArgument, "path '{}' is absolute", text);
  if (text.back() == '/') return make_error(ErrorCode::InvalidArgument, "path '{}' ends with '/'", text);
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) {
      return make_error(ErrorCode::InvalidArgument, "path contains a control character (0x{:02x})",
                        static_cast<unsigned>(c));
    }
  }
  if (!is_valid_utf8(text)) return make_error(ErrorCode::InvalidArgument, "path '{}' is not valid UTF-8", text);
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('/', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view seg = text.substr(start, end - start);
    if (seg.empty()) return make_error(ErrorCode::InvalidArgument, "path '{}' has an empty segment", text);
    if (seg == "." || seg == "..") {
      return make_error(ErrorCode::InvalidArgument, "path '{}' has a '{}' segment", text, seg);
    }
    start = end + 1;
  }
  return Status::OK();
}

Result<Path> Path::parse(std::string_view text) {
  CLOUDSYNC_RETURN_IF_ERROR(validate(text));
  return Path(std::string(text));
}

std::string_view Path::name() const noexcept {
  size_t slash = text_.rfind('/');
  return slash == std::string::npos ? std::string_view(text_) : std::string_view(text_).substr(slash + 1);
}

Path Path::parent() const {
  size_t slash = text_.rfind('/');
  return slash == std::string::npos ? Path() : Path(text_.substr(0, slash));
}

std::vector<std::string_view> Path::segments() const {
  std::vector<std::string_view> out;
  std::string_view rest = text_;
  while (!rest.empty()) {
    size_t slash = rest.find('/');
    out.push_back(rest.substr(0, slash));
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return out;
}

Result<Path> Path::join(std::string_view relative) const {
  CLOUDSYNC_ASSIGN_OR_RETURN(Path rel, parse(relative));
  return join(rel);
}

Path Path::join(const Path& relative) const {
  if (relative.is_root()) return *this;
  if (is_root()) return relative;
  return Path(text_ + "/" + relative.text_);
}

bool Path::is_within(const Path& dir) const noexcept {
  if (dir.is_root()) return true;
  if (text_.size() < dir.text_.size()) return false;
  if (text_.compare(0, dir.text_.size(), dir.text_) != 0) return false;
  return text_.size() == dir.text_.size() || text_[dir.text_.size()] == '/';
}

Path Path::relative_to(const Path& dir) const {
  if (dir.is_root()) return *this;
  if (text_.size() <= dir.text_.size()) return Path();
  return Path(text_.substr(dir.text_.size() + 1));
}

}  // namespace cloudsync
