// Everything the CLI writes to stderr: error messages, the library's log lines
// (-v) and progress. One mutex orders them, so a log line from a worker thread
// never lands in the middle of the progress bar.
//
// Progress is a bar redrawn in place when stderr is a terminal and one line per
// finished file otherwise (logs, CI); there is none with --quiet or --json.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <string_view>

#include "cli_common.hpp"
#include "cloudsync/progress.hpp"
#include "cloudsync/status.hpp"

namespace cloudsync::cli {

class Console {
 public:
  /// Installs the log handler when flags.verbose > 0 (removed again on destruction).
  explicit Console(const OutputFlags& flags);
  ~Console();
  Console(const Console&) = delete;
  Console& operator=(const Console&) = delete;

  /// "cloudsync: <message>" on stderr.
  void error(std::string_view message);
  /// An error status: "cloudsync: <code>: <message> (provider details)".
  void error(const Status& status);

  /// The progress callback to hand to an operation (empty when progress is off).
  /// It never cancels: Ctrl-C goes through the interrupt token.
  ProgressCallback progress();
  /// Removes the bar (before the summary is printed to stdout).
  void end_progress();

 private:
  bool on_progress(const ProgressEvent& event);
  void draw_bar(const ProgressEvent& event);
  void clear_bar_locked();
  void write_line_locked(std::string_view line);

  OutputFlags flags_;
  bool tty_ = false;
  bool log_installed_ = false;
  std::mutex mutex_;
  std::string bar_;  ///< what the bar shows now; empty when not drawn
  bool started_ = false;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace cloudsync::cli
