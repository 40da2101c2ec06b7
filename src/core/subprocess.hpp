// Runs a helper program (a cloud's command-line tool that prints a token)
// without a shell: argv is passed as is, so nothing in it is interpreted.
// Its output is captured, its run time bounded.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cloudsync/status.hpp"

namespace cloudsync {

struct ProgramRun {
  /// argv[0] is the program: an absolute path, or a name looked up in
  /// `search_path` (find_program()).
  std::vector<std::string> argv;
  /// The environment the program gets, "NAME=value" each; nullopt: ours.
  std::optional<std::vector<std::string>> env;
  /// Killed (and Timeout returned) when it runs longer.
  std::chrono::milliseconds timeout{30'000};
  /// Output beyond this many bytes per stream is dropped (ProgramResult::truncated).
  size_t max_output = 1 << 20;
  /// Asked while the program runs; true stops it (Cancelled). May be empty.
  std::function<bool()> cancelled;
};

struct ProgramResult {
  int exit_code = -1;  ///< the exit status, or 128 + the signal that ended it
  std::string out;
  std::string err;
  bool truncated = false;  ///< a stream wrote more than max_output
};

/// The first executable `name` in the ':'-separated `search_path` (a PATH
/// value); nullopt when none or when the path is empty. A name with a '/' is returned as is when it is
/// executable.
std::optional<std::string> find_program(std::string_view name, std::string_view search_path);

/// Runs the program to its end, in a process group of its own (so that a
/// timeout or cancellation also stops what it started). Fails with NotFound
/// when it cannot be started, Timeout when it overran and Cancelled when
/// run.cancelled() said so (it is killed then), Internal for pipe errors.
/// A non-zero exit is not an error here: see exit_code.
Result<ProgramResult> run_program(const ProgramRun& run);

}  // namespace cloudsync
