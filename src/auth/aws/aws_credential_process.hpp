// A profile's credential_process: the command is split into words the way
// botocore splits it (POSIX shell quoting: '...', "...", backslash escapes)
// and run without a shell; it must print a JSON document of Version 1
// (AccessKeyId, SecretAccessKey, optional SessionToken and Expiration) on
// standard output and exit 0. Credentials without an Expiration are kept
// until the server refuses them.
//
// Errors name the profile and never quote standard output (it holds the
// secret): a non-zero exit (with the first line of standard error, which the
// command writes for its user), a document that is not Version 1 JSON with
// both keys, a command that runs longer than the timeout (it is killed), or
// one that cannot be started.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "auth/aws/aws_credentials_provider.hpp"

namespace cloudsync::auth {

/// The words of a command line, split like a POSIX shell splits them (no
/// expansion). InvalidArgument for an unterminated quote or an empty command.
Result<std::vector<std::string>> split_command_line(std::string_view command);

struct CredentialProcessOptions {
  std::string command;  ///< the credential_process setting, as written
  /// Longest the command may run before it is killed.
  std::chrono::milliseconds timeout{60'000};
  std::string description;  ///< "profile 'x' (credential_process)"
};

std::unique_ptr<AwsCredentialsSource> make_credential_process_source(CredentialProcessOptions options);

/// Parses the command's standard output; `what` names it in errors.
Result<AwsCredentials> parse_credential_process_output(std::string_view output, std::string_view what);

}  // namespace cloudsync::auth
