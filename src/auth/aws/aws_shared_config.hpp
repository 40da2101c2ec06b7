// The AWS shared configuration files (~/.aws/config and ~/.aws/credentials),
// read the way the AWS CLI and SDKs read them: INI sections, "[profile name]"
// in the config file but "[name]" in the credentials file, '#' and ';'
// comments, and indented sub-sections ("s3 =" followed by indented
// "endpoint_url = ..." lines), which are flattened to "s3.endpoint_url".
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "cloudsync/status.hpp"

namespace cloudsync::auth {

/// Settings of one profile: lower-case keys, values trimmed.
using ProfileSettings = std::map<std::string, std::string>;

/// Every section of one file, by section name as written ("profile dev",
/// "default", "services local").
using SharedConfigFile = std::map<std::string, ProfileSettings>;

/// Parses the text of a shared config or credentials file. Malformed lines
/// are an InvalidArgument error naming `what` and the line number.
Result<SharedConfigFile> parse_shared_config(std::string_view text, std::string_view what);

/// Reads and parses `file`; a missing file is an empty configuration.
Result<SharedConfigFile> load_shared_config(const std::filesystem::path& file);

/// The settings of `profile` in a config file ("[profile x]", or "[default]"
/// for the default profile) or a credentials file ("[x]").
std::optional<ProfileSettings> find_profile(const SharedConfigFile& file, std::string_view profile,
                                            bool credentials_file);

}  // namespace cloudsync::auth
