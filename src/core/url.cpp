#include "core/url.hpp"

#include <cctype>

#include "core/error.hpp"

namespace cloudsync {

std::string percent_encode(std::string_view text, std::string_view keep) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3 / 2);
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    // ASCII only: std::isalnum would follow the host's locale and let Latin-1 bytes through.
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '.' || c == '_' || c == '~';
    if (unreserved || keep.find(ch) != std::string_view::npos) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

Result<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) {
        return make_error(ErrorCode::InvalidArgument, "truncated percent-escape in '{}'", text);
      }
      int hi = hex(text[i + 1]);
      int lo = hex(text[i + 2]);
      if (hi < 0 || lo < 0) return make_error(ErrorCode::InvalidArgument, "invalid percent-escape in '{}'", text);
      out.push_back(static_cast<char>((hi << 4) | lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

Result<StorageUrl> parse_storage_url(std::string_view text) {
  if (text.empty()) return make_error(ErrorCode::InvalidArgument, "empty URL");
  size_t sep = text.find("://");
  bool has_scheme = sep != std::string_view::npos && sep > 0;
  if (has_scheme) {
    for (size_t i = 0; i < sep; ++i) {
      char c = text[i];
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') has_scheme = false;
    }
  }
  StorageUrl url;
  if (!has_scheme) {
    url.scheme = "file";
    url.path = std::string(text);
    return url;
  }
  for (size_t i = 0; i < sep; ++i) url.scheme.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(text[i]))));
  std::string_view rest = text.substr(sep + 3);
  if (url.scheme == "file") {
    // file:///abs/path or file://localhost/abs/path; the path is percent-decoded.
    if (rest.substr(0, 9) == "localhost") rest.remove_prefix(9);
    if (rest.empty() || rest.front() != '/') {
      return make_error(ErrorCode::InvalidArgument, "file URL '{}' must be file:///absolute/path", text);
    }
    CLOUDSYNC_ASSIGN_OR_RETURN(url.path, percent_decode(rest));
    return url;
  }
  size_t slash = rest.find('/');
  url.root = std::string(rest.substr(0, slash));
  if (url.root.empty()) return make_error(ErrorCode::InvalidArgument, "URL '{}' names no bucket or container", text);
  if (slash != std::string_view::npos) {
    std::string_view path = rest.substr(slash + 1);
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    CLOUDSYNC_ASSIGN_OR_RETURN(url.path, percent_decode(path));
  }
  return url;
}

}  // namespace cloudsync
