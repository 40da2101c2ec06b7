#include "backend_option_args.hpp"

#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include <fmt/format.h>

#include "cloudsync/backend_options.hpp"

namespace cloudsync::cli {

namespace {

bool takes(std::string_view scheme, std::string_view key) {
  const BackendProvider* provider = find_backend_provider(scheme);
  if (provider == nullptr) return false;
  return std::any_of(provider->options.begin(), provider->options.end(),
                     [&](const BackendOption& o) { return o.name == key; });
}

bool any_provider_takes(std::string_view key) {
  const auto& providers = backend_providers();
  return std::any_of(providers.begin(), providers.end(),
                     [&](const BackendProvider& p) { return takes(p.scheme, key); });
}

// "s3.region" -> {"s3", "region"} when "s3" is a provider this build knows.
std::optional<std::pair<std::string, std::string>> split_prefix(std::string_view key) {
  size_t dot = key.find('.');
  if (dot == std::string_view::npos || find_backend_provider(key.substr(0, dot)) == nullptr) return std::nullopt;
  return std::make_pair(std::string(key.substr(0, dot)), std::string(key.substr(dot + 1)));
}

Result<std::string> read_value(const std::string& key, const std::string& value) {
  if (value.starts_with("env:")) {
    std::string name = value.substr(4);
    const char* found = name.empty() ? nullptr : std::getenv(name.c_str());
    if (found == nullptr || *found == '\0') {
      return Status(ErrorCode::InvalidArgument,
                    fmt::format("environment variable '{}' (for option '{}') is not set or empty", name, key));
    }
    return std::string(found);
  }
  if (value.starts_with("file:")) {
    std::string path = value.substr(5);
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      return Status(ErrorCode::NotFound, fmt::format("cannot read the file '{}' (for option '{}')", path, key));
    }
    std::ostringstream contents;
    contents << in.rdbuf();
    std::string text = std::move(contents).str();
    if (text.ends_with("\r\n")) {
      text.resize(text.size() - 2);
    } else if (text.ends_with('\n')) {
      text.pop_back();
    }
    if (text.empty())
      return Status(ErrorCode::InvalidArgument, fmt::format("the file '{}' (for option '{}') is empty", path, key));
    return text;
  }
  if (value == "-") return read_secret_line(key, fmt::format("option '{}'", key));
  return value;
}

}  // namespace

Result<std::string> read_secret_line(std::string_view key, std::string_view what) {
  bool tty = ::isatty(STDIN_FILENO) != 0;
  termios saved{};
  if (tty && ::tcgetattr(STDIN_FILENO, &saved) == 0) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    fmt::print(stderr, "{}: ", key);
  }
  std::string line;
  bool got = static_cast<bool>(std::getline(std::cin, line));
  if (tty) {
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    fmt::print(stderr, "\n");
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (!got || line.empty()) return Status(ErrorCode::InvalidArgument, fmt::format("no value on stdin for {}", what));
  return line;
}

std::string scheme_of(std::string_view url) {
  size_t sep = url.find("://");
  return sep == std::string_view::npos ? std::string("file") : std::string(url.substr(0, sep));
}

Result<BackendOptions> read_option_values(const std::vector<std::string>& pairs) {
  BackendOptions out;
  for (const std::string& pair : pairs) {
    size_t eq = pair.find('=');
    std::string key = pair.substr(0, eq);
    CLOUDSYNC_ASSIGN_OR_RETURN(out[key], read_value(key, pair.substr(eq + 1)));
  }
  return out;
}

Result<std::vector<BackendOptions>> route_options(const BackendOptions& options, std::span<const OptionEnd> ends) {
  std::vector<BackendOptions> out(ends.size());
  std::vector<std::string> schemes;
  for (const OptionEnd& end : ends) schemes.push_back(scheme_of(end.url));
  auto describe_ends = [&] {
    std::string text;
    for (size_t i = 0; i < ends.size(); ++i) {
      text += fmt::format("{}{} is {}", i == 0 ? "" : ", ", ends[i].role, schemes[i]);
    }
    return text;
  };
  for (const auto& [key, value] : options) {
    bool given = false;
    if (auto prefixed = split_prefix(key)) {
      for (size_t i = 0; i < ends.size(); ++i) {
        if (schemes[i] != prefixed->first) continue;
        out[i][prefixed->second] = value;
        given = true;
      }
      if (!given) {
        return Status(ErrorCode::InvalidArgument, fmt::format("option '{}' is for {} URLs, and no end here is one ({})",
                                                              key, prefixed->first, describe_ends()));
      }
      continue;
    }
    for (size_t i = 0; i < ends.size(); ++i) {
      if (!takes(schemes[i], key)) continue;
      out[i][key] = value;
      given = true;
    }
    if (given) continue;
    if (ends.size() == 1) {
      out[0][key] = value;  // opening it fails with the provider's own did-you-mean
      continue;
    }
    std::vector<std::string_view> known;
    for (const std::string& scheme : schemes) {
      if (const BackendProvider* provider = find_backend_provider(scheme)) {
        for (const BackendOption& o : provider->options) known.push_back(o.name);
      }
    }
    std::optional<std::string_view> closest = closest_name(key, known);
    return Status(ErrorCode::InvalidArgument,
                  fmt::format("unknown option '{}': no end takes it ({}){}", key, describe_ends(),
                              closest ? fmt::format("; did you mean '{}'?", *closest) : std::string()));
  }
  return out;
}

BackendOptions options_for_url(const BackendOptions& options, std::string_view url) {
  std::string scheme = scheme_of(url);
  BackendOptions out;
  for (const auto& [key, value] : options) {
    if (auto prefixed = split_prefix(key)) {
      if (prefixed->first == scheme) out[prefixed->second] = value;
    } else if (takes(scheme, key) || !any_provider_takes(key)) {
      out[key] = value;
    }
  }
  return out;
}

}  // namespace cloudsync::cli
