// PostgreSQL sources' passwords are secrets: taken out of a model's conninfo
// before the job reaches the catalog's database or any JSON form, kept in the
// catalog's secrets file, and put back only when the source is opened.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "cloudsync/status.hpp"

namespace cloudsync {

struct SplitConninfo {
  std::string conninfo;                 ///< without its password
  std::optional<std::string> password;  ///< as written (URI: still percent-encoded)
};

/// Takes the password out of a libpq conninfo: "password=..." in the
/// key=value form, ":secret@" in a postgresql:// URI's userinfo.
/// InvalidArgument for a URI with a password parameter in its query (say it
/// in the userinfo instead) or a malformed quoted value.
Result<SplitConninfo> split_conninfo_password(std::string_view conninfo);

/// Puts a password taken by split_conninfo_password back.
std::string join_conninfo_password(std::string_view conninfo, std::string_view password);

}  // namespace cloudsync
