// Where the AWS settings of a process come from: its environment (passed in,
// so resolution is tested without touching the process environment) and the
// profiles of the shared config and credentials files, found the way the AWS
// CLI finds them (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, else
// ~/.aws/config and ~/.aws/credentials; the profile is the caller's choice,
// else AWS_PROFILE, else AWS_DEFAULT_PROFILE, else "default").
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "auth/aws/aws_shared_config.hpp"
#include "cloudsync/status.hpp"

namespace cloudsync::auth {

/// Where resolution reads environment variables and finds the home folder.
struct AwsEnvironment {
  std::function<std::optional<std::string>(std::string_view name)> get;
  std::filesystem::path home;

  /// The variable's value, or nullopt when it is unset or empty.
  std::optional<std::string> value(std::string_view name) const;
  /// `path` with a leading "~/" made relative to home (as the CLI accepts it).
  std::filesystem::path expand(const std::string& path) const;
};

/// The process environment and $HOME.
AwsEnvironment process_aws_environment();

/// Both shared files, read once.
struct AwsConfigFiles {
  std::filesystem::path config_file;
  std::filesystem::path credentials_file;
  SharedConfigFile config;
  SharedConfigFile credentials;
};

/// Reads the files `env` points at (none when env has no home and names no file).
Result<AwsConfigFiles> load_aws_config_files(const AwsEnvironment& env);

/// What the shared files say about one profile: config-file settings, and the
/// credentials file's keys beside them (the credentials file wins for keys, as
/// in the CLI).
struct AwsProfile {
  std::string name;
  bool explicit_name = false;  ///< named by the caller, not by the environment
  ProfileSettings config;
  ProfileSettings credentials;
  std::filesystem::path config_file;
  std::filesystem::path credentials_file;
  bool found = false;

  /// A config-file setting (the credentials file's for credential keys, then
  /// the config file's); nullopt when absent or empty.
  std::optional<std::string> setting(const std::string& key) const;
  /// "profile 'x'", for messages.
  std::string describe() const;
};

/// The profile called `name` in `files` ("[profile name]"/"[default]" in the
/// config file, "[name]" in the credentials file), with the s3.* settings of
/// a "services" section it names merged in. `found` says whether any file has it.
AwsProfile find_aws_profile(const AwsConfigFiles& files, const std::string& name);

/// The profile to use: `name` (explicit), else AWS_PROFILE, else
/// AWS_DEFAULT_PROFILE, else "default". An explicit name that neither file has
/// is InvalidArgument.
Result<AwsProfile> load_aws_profile(const AwsConfigFiles& files, const AwsEnvironment& env, const std::string& name);

}  // namespace cloudsync::auth
