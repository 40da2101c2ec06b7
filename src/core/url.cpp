#include "core/url.hpp"

#include <cctype>

#include "core/ascii.hpp"
#include "core/error.hpp"
#include "core/redact.hpp"

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

std::string without_credentials(std::string_view text) {
  size_t sep = text.find("://");
  if (sep == std::string_view::npos || text.substr(0, sep) == "file") return std::string(text);
  std::string_view rest = text.substr(sep + 3);
  std::string_view authority = rest.substr(0, rest.find('/'));
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) rest.remove_prefix(at + 1);
  rest = rest.substr(0, rest.find('?'));
  return std::string(text.substr(0, sep + 3)) + std::string(rest);
}

// Never "store it in the integration": options are per run, and a project
// keeps no secret.
std::string_view credentials_hint(std::string_view scheme) {
  if (scheme == "s3") {
    return "give the keys through AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE), or for one run as "
           "the options access_key_id and secret_access_key";
  }
  if (scheme == "az") {
    return "give a SAS through AZURE_STORAGE_SAS_TOKEN (or AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_KEY, or "
           "AZURE_STORAGE_CONNECTION_STRING), or for one run as the option sas";
  }
  if (scheme == "gdrive") {
    return "give them through GOOGLE_APPLICATION_CREDENTIALS, or for one run as the options access_token or "
           "client_id, client_secret and refresh_token";
  }
  return "give them through the environment or as options for one run";
}

namespace {

// Credentials in a URL would be stored with an integration and shown wherever
// the URL is: they are refused, and the message shows the URL redacted.
Status refuse_credentials(const StorageUrl& url, std::string_view text, std::string_view authority,
                          std::string_view rest) {
  if (authority.find('@') != std::string_view::npos) {
    return make_error(ErrorCode::InvalidArgument,
                      "URL '{}' carries credentials (the part before '@'); URLs never do, because they are stored "
                      "and shown: {} (the project never stores them, a host passes them with its credentials "
                      "callback)",
                      redact_url(text), credentials_hint(url.scheme));
  }
  if (rest.find('?') != std::string_view::npos) {
    return make_error(ErrorCode::InvalidArgument,
                      "URL '{}' has a query string, which {} URLs do not take: a SAS or a signature there is a "
                      "credential, and URLs are stored and shown. {} (the project never stores them, a host passes "
                      "them with its credentials callback). Write a '?' in a name as %3F",
                      redact_url(text), url.scheme, credentials_hint(url.scheme));
  }
  return Status::OK();
}

}  // namespace

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
  url.scheme = ascii_lower(text.substr(0, sep));
  std::string_view rest = text.substr(sep + 3);
  if (url.scheme == "file") {
    // file:///abs/path or file://localhost/abs/path; the path is percent-decoded.
    if (rest.substr(0, 9) == "localhost") rest.remove_prefix(9);
    if (rest.empty() || rest.front() != '/') {
      return make_error(ErrorCode::InvalidArgument, "file URL '{}' must be file:///absolute/path", redact_url(text));
    }
    CLOUDSYNC_ASSIGN_OR_RETURN(url.path, percent_decode(rest));
    return url;
  }
  size_t slash = rest.find('/');
  CLOUDSYNC_RETURN_IF_ERROR(refuse_credentials(url, text, rest.substr(0, slash), rest));
  url.root = std::string(rest.substr(0, slash));
  if (url.root.empty()) {
    return make_error(ErrorCode::InvalidArgument, "URL '{}' names no bucket or container", redact_url(text));
  }
  if (slash != std::string_view::npos) {
    std::string_view path = rest.substr(slash + 1);
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    CLOUDSYNC_ASSIGN_OR_RETURN(url.path, percent_decode(path));
  }
  return url;
}

}  // namespace cloudsync
