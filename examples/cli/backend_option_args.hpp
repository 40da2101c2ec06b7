// -o KEY=VALUE on the command line: where each value comes from, and which
// end of a command gets it.
//
// Values: VALUE as written, or read from somewhere that `ps` and the shell
// history do not show, so that no secret is ever needed on the command line:
//   KEY=env:NAME   the environment variable NAME
//   KEY=file:PATH  the contents of the file PATH (one trailing newline dropped)
//   KEY=-          one line of standard input (without echo on a terminal)
// the convention of the catalog commands' --secret KEY=env:NAME.
//
// Ends: an option goes only to the ends whose provider takes it (rclone's
// backend flags, not one list for both ends), so `-o region=eu-west-1` for a
// copy from a local folder to S3 reaches S3 only. SCHEME.KEY (`s3.region`)
// goes to that provider's ends only. An option that no end takes is an error
// that names it.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cli_common.hpp"
#include "cloudsync/status.hpp"

namespace cloudsync::cli {

/// The help text that explains the value forms and routing (for --help).
inline constexpr std::string_view kOptionValueHelp =
    "-o KEY=VALUE goes to the ends whose provider takes KEY; SCHEME.KEY (s3.region=...) to that provider only.\n"
    "A value can be read instead of typed, so that no secret is on the command line (ps, shell history):\n"
    "KEY=env:NAME (environment variable), KEY=file:PATH (file contents), KEY=- (one line of stdin).";

/// One line of stdin, without echo (and after a "KEY: " prompt) when stdin is
/// a terminal; `what` names the value in the error when there is none.
Result<std::string> read_secret_line(std::string_view key, std::string_view what);

/// The scheme of a URL, "file" for a local path.
std::string scheme_of(std::string_view url);

/// One end of a command: its role in messages ("source") and its URL.
struct OptionEnd {
  std::string_view role;
  std::string url;
};

/// KEY=VALUE pairs (already checked for the '=') with their values read
/// (env:, file:, -); a later pair wins. The message of a failure names the key
/// and where it looked, never a value.
Result<BackendOptions> read_option_values(const std::vector<std::string>& pairs);

/// Splits options among `ends` (one BackendOptions per end, in order). With
/// one end, an unprefixed option its provider does not take is still handed
/// to it, so that opening it fails with the library's did-you-mean; with two,
/// such an option is an error here.
Result<std::vector<BackendOptions>> route_options(const BackendOptions& options, std::span<const OptionEnd> ends);

/// For a run over integrations of several providers (restore, import): the
/// options that `url`'s provider takes, its SCHEME.KEY ones unprefixed, and
/// those that no provider takes (which then fail with a suggestion); options
/// for other providers are left out.
BackendOptions options_for_url(const BackendOptions& options, std::string_view url);

}  // namespace cloudsync::cli
