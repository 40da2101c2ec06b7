// Headers and URL parsing shared by the transport and the signers.
#include <curl/curl.h>

#include <algorithm>
#include <memory>
#include <optional>

#include "core/ascii.hpp"
#include "core/error.hpp"
#include "core/url.hpp"
#include "http/http.hpp"

namespace cloudsync::http {

std::optional<std::string_view> Headers::get(std::string_view name) const {
  for (const Entry& e : entries_) {
    if (iequals(e.name, name)) return std::string_view(e.value);
  }
  return std::nullopt;
}

void Headers::set(std::string_view name, std::string_view value) {
  remove(name);
  add(name, value);
}

void Headers::add(std::string_view name, std::string_view value) {
  entries_.push_back(Entry{std::string(name), std::string(value)});
}

void Headers::remove(std::string_view name) {
  entries_.erase(
      std::remove_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return iequals(e.name, name); }),
      entries_.end());
}

std::string Url::authority() const {
  bool default_port = port == 0 || (scheme == "https" && port == 443) || (scheme == "http" && port == 80);
  return default_port ? host : host + ":" + std::to_string(port);
}

std::string Url::to_string() const {
  std::string out = scheme + "://" + authority() + (path.empty() ? "/" : path);
  if (!query.empty()) out += "?" + query;
  return out;
}

namespace {

using CurlUrl = std::unique_ptr<CURLU, decltype(&curl_url_cleanup)>;

// One part of a parsed URL; nullopt when the URL has none.
std::optional<std::string> url_part(CURLU* url, CURLUPart part) {
  char* value = nullptr;
  if (curl_url_get(url, part, &value, 0) != CURLUE_OK || value == nullptr) return std::nullopt;
  std::string out(value);
  curl_free(value);
  return out;
}

}  // namespace

// libcurl's URL parser (the one the transport itself uses) checks what a
// hand-written split did not: port ranges, host characters, spaces, IPv6
// literals. Paths are taken as they are written (PATH_AS_IS): "/./" and "/../"
// are legal in object keys and are signed as sent. A space is let through in
// the path (signing test vectors have one) but never in the host.
Result<Url> parse_url(std::string_view text) {
  // Messages show the URL without its query or user part (a SAS, a password).
  const std::string shown = without_credentials(text);
  if (text.find('\0') != std::string_view::npos) {
    return make_error(ErrorCode::InvalidArgument, "'{}' is not a valid URL (it contains a NUL byte)", shown);
  }
  // curl forgives "https:/host" and "https:///host"; a typed endpoint like
  // that is a mistake worth naming, not a guess.
  const size_t separator = text.find("://");
  if (separator == std::string_view::npos || text.substr(separator + 3, 1) == "/") {
    return make_error(ErrorCode::InvalidArgument, "'{}' is not an absolute URL (scheme://host/...)", shown);
  }
  CurlUrl handle(curl_url(), &curl_url_cleanup);
  if (handle == nullptr) return make_error(ErrorCode::Internal, "out of memory parsing a URL");
  const std::string owned(text);
  if (CURLUcode rc = curl_url_set(handle.get(), CURLUPART_URL, owned.c_str(), CURLU_PATH_AS_IS | CURLU_ALLOW_SPACE);
      rc != CURLUE_OK) {
    return make_error(ErrorCode::InvalidArgument, "'{}' is not a valid absolute URL: {}", shown, curl_url_strerror(rc));
  }
  Url url;
  url.scheme = ascii_lower(url_part(handle.get(), CURLUPART_SCHEME).value_or(""));
  if (url.scheme != "http" && url.scheme != "https") {
    return make_error(ErrorCode::InvalidArgument, "unsupported URL scheme in '{}' (http or https)", shown);
  }
  if (url_part(handle.get(), CURLUPART_USER) || url_part(handle.get(), CURLUPART_PASSWORD)) {
    return make_error(ErrorCode::InvalidArgument, "credentials in URLs are not supported");
  }
  if (url_part(handle.get(), CURLUPART_ZONEID)) {
    return make_error(ErrorCode::InvalidArgument, "IPv6 zone identifiers are not supported in '{}'", shown);
  }
  url.host = url_part(handle.get(), CURLUPART_HOST).value_or("");
  if (url.host.empty()) return make_error(ErrorCode::InvalidArgument, "no host in '{}'", shown);
  if (std::optional<std::string> port = url_part(handle.get(), CURLUPART_PORT)) {
    std::optional<uint64_t> number = parse_u64(*port);
    if (!number || *number == 0 || *number > 65535) {
      return make_error(ErrorCode::InvalidArgument, "bad port in '{}'", shown);
    }
    url.port = static_cast<int>(*number);
  }
  url.path = url_part(handle.get(), CURLUPART_PATH).value_or("/");
  if (url.path.empty()) url.path = "/";
  url.query = url_part(handle.get(), CURLUPART_QUERY).value_or("");
  return url;
}

Result<std::vector<std::pair<std::string, std::string>>> parse_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (part.empty()) continue;
    size_t eq = part.find('=');
    CLOUDSYNC_ASSIGN_OR_RETURN(std::string name, percent_decode(part.substr(0, eq)));
    std::string value;
    if (eq != std::string_view::npos) {
      CLOUDSYNC_ASSIGN_OR_RETURN(value, percent_decode(part.substr(eq + 1)));
    }
    out.emplace_back(std::move(name), std::move(value));
  }
  return out;
}

}  // namespace cloudsync::http
