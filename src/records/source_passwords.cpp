#include "records/source_passwords.hpp"

#include <cctype>

#include "core/error.hpp"

namespace cloudsync {

namespace {

bool is_uri(std::string_view s) { return s.starts_with("postgresql://") || s.starts_with("postgres://"); }

/// libpq's quoting of a key=value value: single quotes, backslash escapes.
std::string quote_value(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

}  // namespace

Result<SplitConninfo> split_conninfo_password(std::string_view conninfo) {
  SplitConninfo out;
  if (is_uri(conninfo)) {
    const size_t scheme_end = conninfo.find("://") + 3;
    const size_t authority_end = conninfo.find_first_of("/?", scheme_end);
    const std::string_view authority = conninfo.substr(scheme_end, authority_end - scheme_end);
    const std::string_view rest = authority_end == std::string_view::npos ? "" : conninfo.substr(authority_end);
    if (rest.find("password=") != std::string_view::npos) {
      return make_error(ErrorCode::InvalidArgument,
                        "a PostgreSQL URI with a password parameter: give the password in the user part "
                        "(postgresql://user:password@host/db) so that it is kept as a secret");
    }
    const size_t at = authority.rfind('@');
    const size_t colon = at == std::string_view::npos ? std::string_view::npos : authority.substr(0, at).find(':');
    if (colon == std::string_view::npos) {
      out.conninfo = std::string(conninfo);
      return out;
    }
    out.password = std::string(authority.substr(colon + 1, at - colon - 1));
    out.conninfo = std::string(conninfo.substr(0, scheme_end)) + std::string(authority.substr(0, colon)) +
                   std::string(authority.substr(at)) + std::string(rest);
    return out;
  }
  // key = value pairs separated by blanks; a value may be single-quoted.
  size_t i = 0;
  auto skip_blanks = [&] {
    while (i < conninfo.size() && std::isspace(static_cast<unsigned char>(conninfo[i]))) ++i;
  };
  for (;;) {
    skip_blanks();
    if (i >= conninfo.size()) break;
    const size_t start = i;
    while (i < conninfo.size() && conninfo[i] != '=' && !std::isspace(static_cast<unsigned char>(conninfo[i]))) ++i;
    const std::string_view key = conninfo.substr(start, i - start);
    skip_blanks();
    if (i >= conninfo.size() || conninfo[i] != '=') {
      return make_error(ErrorCode::InvalidArgument, "a PostgreSQL conninfo has '{}' without a value", key);
    }
    ++i;
    skip_blanks();
    std::string value;
    if (i < conninfo.size() && conninfo[i] == '\'') {
      ++i;
      bool closed = false;
      while (i < conninfo.size()) {
        char c = conninfo[i++];
        if (c == '\\' && i < conninfo.size()) {
          value += conninfo[i++];
        } else if (c == '\'') {
          closed = true;
          break;
        } else {
          value += c;
        }
      }
      if (!closed) return make_error(ErrorCode::InvalidArgument, "a PostgreSQL conninfo has an unclosed quote");
    } else {
      while (i < conninfo.size() && !std::isspace(static_cast<unsigned char>(conninfo[i]))) value += conninfo[i++];
    }
    if (key == "password") {
      out.password = std::move(value);
      continue;
    }
    if (!out.conninfo.empty()) out.conninfo += ' ';
    out.conninfo += std::string(key) + "=" + quote_value(value);
  }
  return out;
}

std::string join_conninfo_password(std::string_view conninfo, std::string_view password) {
  if (is_uri(conninfo)) {
    const size_t scheme_end = conninfo.find("://") + 3;
    const size_t authority_end = conninfo.find_first_of("/?", scheme_end);
    const std::string_view authority = conninfo.substr(scheme_end, authority_end - scheme_end);
    const size_t at = authority.rfind('@');
    if (at == std::string_view::npos) return std::string(conninfo);  // no user part: nowhere to put it
    return std::string(conninfo.substr(0, scheme_end + at)) + ":" + std::string(password) +
           std::string(conninfo.substr(scheme_end + at));
  }
  std::string out(conninfo);
  if (!out.empty()) out += ' ';
  return out + "password=" + quote_value(password);
}

}  // namespace cloudsync
