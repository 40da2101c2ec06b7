#include "console.hpp"

#include <algorithm>
#include <cstdio>

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

Console::Console(const OutputFlags& flags) : flags_(flags), tty_(stderr_is_terminal()) {
  if (flags_.verbose > 0) {
    LogLevel level = flags_.verbose >= 3 ? LogLevel::Trace : flags_.verbose == 2 ? LogLevel::Debug : LogLevel::Info;
    set_log_handler(level, [this](LogLevel l, std::string_view message) {
      std::lock_guard lock(mutex_);
      write_line_locked(fmt::format("cloudsync: [{}] {}", level_name(l), printable(message)));
    });
    log_installed_ = true;
  }
}

Console::~Console() {
  if (log_installed_) set_log_handler(LogLevel::Error, nullptr);
  end_progress();
}

void Console::error(std::string_view message) {
  std::lock_guard lock(mutex_);
  write_line_locked(fmt::format("cloudsync: {}", printable(message)));
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

bool Console::on_progress(const ProgressEvent& event) {
  std::lock_guard lock(mutex_);
  if (!started_) {
    started_ = true;
    start_ = std::chrono::steady_clock::now();
  }
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
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::string rate =
      elapsed > 0.5
          ? fmt::format(" {}/s", format_bytes(static_cast<uint64_t>(static_cast<double>(event.bytes_done) / elapsed)))
          : std::string();
  std::string_view phase = event.phase == ProgressEvent::Phase::Deleting   ? "deleting "
                           : event.phase == ProgressEvent::Phase::Planning ? "planning "
                                                                           : "";
  std::string text = fmt::format("{}[{}] {:3.0f}% {}/{} files {}/{}{} {}", phase, bar, fraction * 100, event.files_done,
                                 event.files_total, format_bytes(event.bytes_done), format_bytes(event.bytes_total),
                                 rate, printable(event.path));
  truncate_utf8(text, terminal_width() - 1);
  bar_ = std::move(text);
  std::fprintf(stderr, "\r\033[K%s", bar_.c_str());
  std::fflush(stderr);
}

void Console::clear_bar_locked() {
  if (bar_.empty()) return;
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
  bar_.clear();
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
