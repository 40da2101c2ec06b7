// Running a command line from a test (rclone, boto3 scripts), with an
// environment of its own and its output collected.
#pragma once

#include <map>
#include <string>

namespace cloudsync::test {

/// `text` as one single-quoted shell word.
std::string shell_quote(const std::string& text);

/// Runs a bash command line with the variables of `env` exported; returns
/// its exit status (-1 when it did not exit) and leaves its combined stdout
/// and stderr in `output`.
int run_command(const std::string& command, const std::map<std::string, std::string>& env, std::string& output);

}  // namespace cloudsync::test
