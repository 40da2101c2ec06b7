// What the CLI does with the words it was given before CLI11 parses them:
// the forms CLI11 cannot express on its own.
//   cloudsync -v ls DIR          global flags before the command (-v/-vv/-vvv,
//                                -q, --json, --log-file PATH) move after it,
//                                where the command declares them;
//   cloudsync help [COMMAND...]  is COMMAND... --help;
//   cloudsync version            is --version;
//   cloudsync lss DIR            "unknown command 'lss'; did you mean 'ls'?"
//                                (CLI11 2.1 says only "A subcommand is required").
#pragma once

#include <string>
#include <vector>

#include "cli_common.hpp"

namespace cloudsync::cli {

/// The flags every command takes, also before the command, for the main help.
inline constexpr std::string_view kGlobalFlagsHelp =
    "Global flags, before or after the command: -v/-vv/-vvv (log lines: info, debug, trace), -q (quiet),\n"
    "--json (one JSON document on stdout, where the command has it), --log-file PATH (log lines to PATH,\n"
    "with UTC timestamps).";

/// The arguments (without argv[0]) rewritten as described above. An unknown
/// command is a usage error (thrown as CLI::ValidationError).
std::vector<std::string> prepare_arguments(const CLI::App& app, std::vector<std::string> args);

}  // namespace cloudsync::cli
