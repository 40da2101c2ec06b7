#include "auth/aws/aws_shared_config.hpp"

#include <cctype>
#include <fstream>
#include <system_error>

#include "core/ascii.hpp"
#include "core/error.hpp"
#include "core/file_io.hpp"

namespace cloudsync::auth {

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// Collapses inner runs of blanks: "profile   dev" names the profile "dev".
std::string collapse(std::string_view s) {
  std::string out;
  bool blank = false;
  for (char c : s) {
    if (is_blank(c)) {
      blank = true;
      continue;
    }
    if (blank && !out.empty()) out.push_back(' ');
    blank = false;
    out.push_back(c);
  }
  return out;
}

}  // namespace

Result<SharedConfigFile> parse_shared_config(std::string_view text, std::string_view what) {
  SharedConfigFile out;
  ProfileSettings* section = nullptr;
  std::string parent;  // key of the open sub-section ("s3"), empty when none
  size_t line_number = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view raw = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_number;
    std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    const bool indented = is_blank(raw.front());
    if (line.front() == '[') {
      if (line.back() != ']') {
        return make_error(ErrorCode::InvalidArgument, "{} line {}: unterminated section header", what, line_number);
      }
      std::string name = collapse(line.substr(1, line.size() - 2));
      section = &out[name];
      parent.clear();
      continue;
    }
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      return make_error(ErrorCode::InvalidArgument, "{} line {}: expected 'key = value'", what, line_number);
    }
    if (section == nullptr) {
      return make_error(ErrorCode::InvalidArgument, "{} line {}: setting outside of any [section]", what, line_number);
    }
    std::string key = ascii_lower(trim(line.substr(0, eq)));
    // No inline comments: botocore's parser keeps "x # y" as the value, and a
    // secret may contain '#'.
    std::string_view value = trim(line.substr(eq + 1));
    if (indented && !parent.empty()) {
      (*section)[parent + "." + key] = std::string(value);
      continue;
    }
    parent.clear();
    if (value.empty()) {
      parent = key;  // "s3 =" opens a sub-section of indented lines
      continue;
    }
    (*section)[key] = std::string(value);
  }
  return out;
}

Result<SharedConfigFile> load_shared_config(const std::filesystem::path& file) {
  constexpr size_t kMaxBytes = 16u << 20;
  std::error_code ec;
  auto status = std::filesystem::status(file, ec);
  if (!std::filesystem::exists(status)) return SharedConfigFile{};
  if (std::filesystem::is_directory(status)) {
    return make_error(ErrorCode::InvalidArgument, "AWS config '{}' is a folder, not a file", file.string());
  }
  if (std::filesystem::is_regular_file(status)) {
    CLOUDSYNC_ASSIGN_OR_RETURN(std::string text, read_small_file(file, kMaxBytes));
    return parse_shared_config(text, file.string());
  }
  // AWS_CONFIG_FILE=/dev/null (meaning "no profiles", as for the aws CLI) or
  // a pipe (<(...)): read as a stream, within the same size limit.
  std::ifstream in(file, std::ios::binary);
  if (!in) return make_error(ErrorCode::PermissionDenied, "cannot read AWS config '{}'", file.string());
  std::string text;
  char chunk[65536];
  while (text.size() <= kMaxBytes && in.read(chunk, sizeof chunk).gcount() > 0) {
    text.append(chunk, static_cast<size_t>(in.gcount()));
  }
  if (text.size() > kMaxBytes) {
    return make_error(ErrorCode::LimitExceeded, "AWS config '{}' is larger than {} bytes", file.string(), kMaxBytes);
  }
  return parse_shared_config(text, file.string());
}

std::optional<ProfileSettings> find_profile(const SharedConfigFile& file, std::string_view profile,
                                            bool credentials_file) {
  std::string name(profile);
  if (!credentials_file) {
    auto it = file.find("profile " + name);
    if (it != file.end()) return it->second;
    // The default profile is "[default]" in the config file too.
    if (name != "default") return std::nullopt;
  }
  auto it = file.find(name);
  if (it == file.end()) return std::nullopt;
  return it->second;
}

}  // namespace cloudsync::auth
