#include "console.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "cloudsync/log.hpp"
#include "human_format.hpp"

#if defined(_WIN32)
#include <io.h>
#else
#include <sys/ioctl.h>
#include <unistd.h>
#endif

namespace cloudsync::cli {

namespace {

bool stderr_is_terminal() {
#if defined(_WIN32)
  return _isatty(_fileno(stderr)) != 0;
#else
  return isatty(STDERR_FILENO) == 1;
#endif
}

// TERM=dumb (Emacs shells, some CI runners) draws escape codes as garbage.
bool terminal_understands_escapes() {
  const char* term = std::getenv("TERM");
  return term == nullptr || std::string_view(term) != "dumb";
}

// "2026-05-01T12:34:56.789Z": ISO 8601 UTC, millisecond precision.
std::string log_timestamp() {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::floor<std::chrono::seconds>(now);
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now - secs).count();
  std::string text = format_time(secs, true);  // "...:56Z"
  text.pop_back();
  return fmt::format("{}.{:03}Z", text, millis);
}

size_t terminal_width() {
#if !defined(_WIN32)
  winsize ws{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20) return ws.ws_col;
#endif
  return 80;
}

std::string_view level_name(LogLevel level) {
  switch (level) {
    case LogLevel::Error: return "error";
    case LogLevel::Warn: return "warning";
    case LogLevel::Info: return "info";
    case LogLevel::Debug: return "debug";
    case LogLevel::Trace: return "trace";
  }
  return "log";
}

// Cuts `text` to at most `width` bytes without splitting a UTF-8 sequence.
void truncate_utf8(std::string& text, size_t width) {
  if (text.size() <= width) return;
  size_t cut = width;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
}

}  // namespace

Console::Console(const OutputFlags& flags)
    : flags_(flags), tty_(stderr_is_terminal() && terminal_understands_escapes()) {
  if (!flags_.log_file.empty()) {
    log_file_ = std::fopen(flags_.log_file.c_str(), "a");
    if (log_file_ == nullptr) {
      error(
          fmt::format("cannot open the log file '{}' ({}); logging to stderr", flags_.log_file, std::strerror(errno)));
    }
  }
  // A log file without -v gets what -v shows: asking for a file means wanting a log.
  int verbose = flags_.verbose > 0 ? flags_.verbose : flags_.log_file.empty() ? 0 : 1;
  if (verbose > 0) {
    LogLevel level = verbose >= 3 ? LogLevel::Trace : verbose == 2 ? LogLevel::Debug : LogLevel::Info;
    set_log_handler(level, [this](LogLevel l, std::string_view message) {
      std::lock_guard lock(mutex_);
      write_log_locked(level_name(l), message);
    });
    log_installed_ = true;
  }
}

Console::~Console() {
  if (log_installed_) set_log_handler(LogLevel::Error, nullptr);
  end_progress();
  if (log_file_ != nullptr) std::fclose(log_file_);
}

void Console::error(std::string_view message) {
  std::lock_guard lock(mutex_);
  write_line_locked(fmt::format("cloudsync: {}", printable(message)));
  if (log_file_ != nullptr) write_log_locked("error", message);
}

void Console::error(const Status& status) { error(status.to_string()); }

ProgressCallback Console::progress() {
  if (flags_.quiet || flags_.json) return {};
  return [this](const ProgressEvent& event) { return on_progress(event); };
}

void Console::end_progress() {
  std::lock_guard lock(mutex_);
  clear_bar_locked();
}

void Console::print_between_progress(const std::function<void()>& print) {
  std::lock_guard lock(mutex_);
  clear_bar_locked();
  print();
  std::fflush(stdout);
}

bool Console::on_progress(const ProgressEvent& event) {
  std::lock_guard lock(mutex_);
  if (tty_) {
    draw_bar(event);
  } else if (event.phase == ProgressEvent::Phase::FileDone && !event.path.empty()) {
    std::fprintf(stderr, "[%llu/%llu] %s\n", static_cast<unsigned long long>(event.files_done),
                 static_cast<unsigned long long>(event.files_total), printable(event.path).c_str());
    std::fflush(stderr);
  }
  return true;
}

void Console::draw_bar(const ProgressEvent& event) {
  if (event.phase == ProgressEvent::Phase::Finished) {
    clear_bar_locked();
    return;
  }
  constexpr int kBarWidth = 20;
  double fraction =
      event.bytes_total > 0   ? static_cast<double>(event.bytes_done) / static_cast<double>(event.bytes_total)
      : event.files_total > 0 ? static_cast<double>(event.files_done) / static_cast<double>(event.files_total)
                              : 0.0;
  fraction = std::min(std::max(fraction, 0.0), 1.0);
  int filled = static_cast<int>(fraction * kBarWidth);
  std::string bar(static_cast<size_t>(filled), '#');
  bar.append(static_cast<size_t>(kBarWidth - filled), '-');
  double rate = rate_locked(event);
  std::string speed;
  if (rate > 0) {
    speed = fmt::format(" {}/s", format_bytes(static_cast<uint64_t>(rate)));
    if (event.bytes_total > event.bytes_done) {
      speed += " ETA " + format_seconds(static_cast<double>(event.bytes_total - event.bytes_done) / rate);
    }
  }
  std::string_view phase = event.phase == ProgressEvent::Phase::Deleting   ? "deleting "
                           : event.phase == ProgressEvent::Phase::Planning ? "planning "
                                                                           : "";
  std::string text = fmt::format("{}[{}] {:3.0f}% {}/{} files {}/{}{} {}", phase, bar, fraction * 100, event.files_done,
                                 event.files_total, format_bytes(event.bytes_done), format_bytes(event.bytes_total),
                                 speed, printable(event.path));
  truncate_utf8(text, terminal_width() - 1);
  bar_ = std::move(text);
  std::fprintf(stderr, "\r\033[K%s", bar_.c_str());
  std::fflush(stderr);
}

double Console::rate_locked(const ProgressEvent& event) {
  auto now = std::chrono::steady_clock::now();
  if (sample_time_ == std::chrono::steady_clock::time_point{}) {
    sample_time_ = now;
    sample_bytes_ = event.bytes_done;
    return 0;
  }
  double seconds = std::chrono::duration<double>(now - sample_time_).count();
  if (seconds < 0.5 || event.bytes_done < sample_bytes_) return rate_;  // a new sample every half second
  double recent = static_cast<double>(event.bytes_done - sample_bytes_) / seconds;
  rate_ = rate_ == 0 ? recent : 0.7 * rate_ + 0.3 * recent;
  sample_time_ = now;
  sample_bytes_ = event.bytes_done;
  return rate_;
}

void Console::clear_bar_locked() {
  if (bar_.empty()) return;
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
  bar_.clear();
}

void Console::write_log_locked(std::string_view level, std::string_view message) {
  // Newlines and control characters in a message are escaped: one line per entry.
  std::string line = fmt::format("{} [{}] {}", log_timestamp(), level, printable(message));
  if (log_file_ == nullptr) {
    write_line_locked("cloudsync: " + line);
    return;
  }
  std::fputs(line.c_str(), log_file_);
  std::fputc('\n', log_file_);
  std::fflush(log_file_);
}

void Console::write_line_locked(std::string_view line) {
  // A line printed over the bar would be overwritten by its next redraw: clear
  // it, print, and draw it again below.
  bool redraw = !bar_.empty();
  if (redraw) std::fputs("\r\033[K", stderr);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fputc('\n', stderr);
  if (redraw) std::fputs(bar_.c_str(), stderr);
  std::fflush(stderr);
}

}  // namespace cloudsync::cli
