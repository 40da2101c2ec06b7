// Headers and URL parsing shared by the transport and the signers.
#include <algorithm>
#include <cctype>

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

Result<Url> parse_url(std::string_view text) {
  Url url;
  size_t sep = text.find("://");
  if (sep == std::string_view::npos) return make_error(ErrorCode::InvalidArgument, "'{}' is not an absolute URL", text);
  url.scheme = ascii_lower(text.substr(0, sep));
  if (url.scheme != "http" && url.scheme != "https") {
    return make_error(ErrorCode::InvalidArgument, "unsupported URL scheme in '{}'", text);
  }
  std::string_view rest = text.substr(sep + 3);
  size_t path_start = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_start);
  rest = path_start == std::string_view::npos ? std::string_view() : rest.substr(path_start);
  if (authority.find('@') != std::string_view::npos) {
    return make_error(ErrorCode::InvalidArgument, "credentials in URLs are not supported");
  }
  if (!authority.empty() && authority.front() == '[') {  // [IPv6]:port
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return make_error(ErrorCode::InvalidArgument, "bad IPv6 host in '{}'", text);
    url.host = std::string(authority.substr(0, close + 1));
    authority.remove_prefix(close + 1);
    if (!authority.empty() && authority.front() != ':') {
      return make_error(ErrorCode::InvalidArgument, "bad host in '{}'", text);
    }
  } else {
    size_t colon = authority.find(':');
    url.host = std::string(authority.substr(0, colon));
    authority = colon == std::string_view::npos ? std::string_view() : authority.substr(colon);
  }
  if (!authority.empty()) {  // ":port"
    std::string_view digits = authority.substr(1);
    if (digits.empty() || digits.size() > 5 || !std::all_of(digits.begin(), digits.end(), [](char c) {
          return std::isdigit(static_cast<unsigned char>(c));
        })) {
      return make_error(ErrorCode::InvalidArgument, "bad port in '{}'", text);
    }
    url.port = std::stoi(std::string(digits));
  }
  if (url.host.empty()) return make_error(ErrorCode::InvalidArgument, "no host in '{}'", text);
  size_t q = rest.find('?');
  url.path = std::string(rest.substr(0, q));
  if (url.path.empty()) url.path = "/";
  if (q != std::string_view::npos) url.query = std::string(rest.substr(q + 1));
  size_t frag = url.query.find('#');
  if (frag != std::string::npos) url.query.resize(frag);
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
