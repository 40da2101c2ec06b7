// How integrations are named on disk.
#include <cctype>

#include "cloudsync/workspace.hpp"
#include "core/ascii.hpp"
#include "core/url.hpp"

namespace cloudsync {

std::string sanitize_integration_name(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (char ch : name) {
    auto c = static_cast<unsigned char>(ch);
    if (c == ' ') {
      out.push_back('_');
    } else if (std::isalnum(c) && c < 0x80) {
      out.push_back(ascii_lower(static_cast<char>(c)));
    }
  }
  return out;
}

std::string integration_type_for_url(std::string_view url) {
  auto parsed = parse_storage_url(url);
  if (!parsed.ok()) return {};
  const std::string& scheme = parsed->scheme;
  if (scheme == "gdrive") return "googledrive";
  if (scheme == "az") return "azure";
  if (scheme == "file") return "local";
  if (scheme == "mem") return "memory";
  return scheme;  // "s3"
}

}  // namespace cloudsync
