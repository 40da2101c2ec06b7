// Pieces every subcommand shares: the deferred action a parsed command runs,
// output flags, KEY=VALUE backend options and help-text examples.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// GCC 12 reports a false "potential null pointer dereference" inside CLI11's
// inline string helpers (CLI::detail::split) at -O2; CLI11 code only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#endif
#include <CLI/CLI.hpp>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#include "cloudsync/backend.hpp"

namespace cloudsync::cli {

/// Most parallel transfers a command accepts (each may hold a connection and a buffer).
constexpr uint32_t kMaxTransfers = 256;

/// What a parsed subcommand does once parsing succeeded; returns the exit status.
using Action = std::function<int()>;

/// The flags that shape what a command prints.
struct OutputFlags {
  bool json = false;     ///< one JSON document on stdout, no progress
  bool quiet = false;    ///< no progress and no summary; problems only
  int verbose = 0;       ///< library log lines on stderr: 1 info, 2 debug, 3 trace
  std::string log_file;  ///< --log-file: log lines (and errors) appended there instead, timestamped
};

/// Adds --json (unless `with_json` is false), -q/--quiet, -v/--verbose and
/// --log-file. They may also come before the command (command_line.hpp).
void add_output_flags(CLI::App& cmd, OutputFlags& flags, bool with_json = true);

/// Adds a repeatable option taking one value per occurrence (so that it never
/// swallows the positional arguments after it).
CLI::Option* add_repeated_option(CLI::App& cmd, const std::string& names, std::vector<std::string>& into,
                                 const std::string& help);

/// Like add_repeated_option, for KEY=VALUE pairs (checked while parsing).
CLI::Option* add_key_value_option(CLI::App& cmd, const std::string& names, std::vector<std::string>& into,
                                  const std::string& help);

/// KEY=VALUE pairs (already validated) as backend options; a later pair wins.
BackendOptions to_backend_options(const std::vector<std::string>& pairs);

/// An optional count limit (--max-delete): the value when the option was given.
struct OptionalCount {
  uint64_t value = 0;
  CLI::Option* option = nullptr;
  std::optional<uint64_t> get() const {
    return option != nullptr && option->count() > 0 ? std::optional<uint64_t>(value) : std::nullopt;
  }
};
void add_optional_count(CLI::App& cmd, const std::string& names, OptionalCount& into, const std::string& help);

/// Accepts whole numbers from `min` to `max` (CLI11 alone would read "-1" as a
/// huge unsigned number).
CLI::Validator whole_number(uint64_t min, uint64_t max = UINT64_MAX);

/// Accepts a size as the library parses it (cloudsync/size.hpp: "8M", binary
/// multiples) and hands CLI11 the number of bytes; refuses "-5" or "1e23".
CLI::Validator byte_size();

/// Refuses an empty value (an empty selector would mean "everything").
CLI::Validator not_empty();

/// Sets a command's help footer to an "Examples:" block.
void set_examples(CLI::App& cmd, std::initializer_list<std::string_view> lines, std::string_view notes = {});

/// A usage error found after parsing (two forms of one verb mixed, ...): the
/// caller turns it into exit status 2 like CLI11's own errors.
[[noreturn]] void usage_error(const std::string& message);

}  // namespace cloudsync::cli
