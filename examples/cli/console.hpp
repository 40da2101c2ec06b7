// Everything the CLI writes to stderr: error messages, the library's log lines
// (-v) and progress. One mutex orders them, so a log line from a worker thread
// never lands in the middle of the progress bar.
//
// Log lines carry an ISO 8601 UTC timestamp and go to stderr, or to the file of
// --log-file (errors too, so that the file tells the whole story).
//
// Progress is a bar redrawn in place, with a rate and an ETA, when stderr is a
// terminal that understands escape codes (not TERM=dumb); otherwise one line
// per finished file (logs, CI, dumb terminals), never an escape code. There is
// none with --quiet or --json.
#pragma once

#include <chrono>
#include <cstdio>
#include <functional>
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
  /// Runs `print` (which writes to stdout) with the progress bar out of the
  /// way: cleared first, drawn again at the next progress event.
  void print_between_progress(const std::function<void()>& print);

 private:
  bool on_progress(const ProgressEvent& event);
  void draw_bar(const ProgressEvent& event);
  void clear_bar_locked();
  void write_line_locked(std::string_view line);
  void write_log_locked(std::string_view level, std::string_view message);
  double rate_locked(const ProgressEvent& event);

  OutputFlags flags_;
  bool tty_ = false;
  bool log_installed_ = false;
  std::FILE* log_file_ = nullptr;  ///< --log-file, when it could be opened
  std::mutex mutex_;
  std::string bar_;  ///< what the bar shows now; empty when not drawn
  // The recent rate (bytes per second, smoothed) for the ETA: the average since
  // the start would answer for a transfer that slowed down long ago.
  std::chrono::steady_clock::time_point sample_time_;
  uint64_t sample_bytes_ = 0;
  double rate_ = 0;
};

}  // namespace cloudsync::cli
