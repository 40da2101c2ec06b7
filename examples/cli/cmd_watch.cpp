// cloudsync watch: the kernel session (cloudsync/watch.hpp) on the command
// line. It restores the project, exports what is written under its
// external-files/ until Ctrl-C or SIGTERM, then flushes and stops. Each event
// is one line on stdout as it happens (one JSON object with --json), flushed
// at once so that a program reading the pipe sees it.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "cloudsync/watch.hpp"
#include "commands.hpp"
#include "console.hpp"
#include "human_format.hpp"
#include "interrupt.hpp"
#include "outcome.hpp"

namespace cloudsync::cli {

namespace {

constexpr std::string_view kExternalFiles = "external-files/";

struct WatchArgs {
  WorkspaceArgs workspace;
  std::vector<std::string> integrations;  ///< --integration: only these are shown
  bool no_restore = false;
  uint64_t quiet_ms = 300;
  bool poll = false;
  uint64_t poll_ms = 2000;
  std::string conflict = "report";
  uint64_t flush_timeout_s = 30;
  OutputFlags out;
};

// Prints events and the final pending files, one line each, from the
// session's export thread and the main thread alike.
class EventPrinter {
 public:
  EventPrinter(const OutputFlags& out, const std::vector<Integration>& integrations, std::vector<std::string> only)
      : out_(out), only_(std::move(only)) {
    for (const Integration& i : integrations) {
      std::string_view folder = i.folder;
      if (folder.starts_with(kExternalFiles)) folder.remove_prefix(kExternalFiles.size());
      folders_[i.spec.name] = std::string(folder);
    }
  }

  /// Whether --integration lets this integration's lines through (the
  /// watcher's own status, with no integration, always passes).
  bool shows(const std::string& integration) const {
    if (only_.empty() || integration.empty()) return true;
    for (const std::string& name : only_) {
      if (name == integration) return true;
    }
    return false;
  }

  void event(const WatchEvent& e) {
    if (!shows(e.integration)) return;
    if (out_.json) {
      line(watch_event_to_json(e));
      return;
    }
    // Exports are the routine: -q keeps only what needs attention.
    if (out_.quiet && (e.kind == WatchEventKind::Exported || e.kind == WatchEventKind::Status)) return;
    line(human(e));
  }

  void pending(const QueuedExport& q) {
    std::string detail =
        fmt::format("{}, {} attempt{}", queued_state_name(q.state), q.attempts, q.attempts == 1 ? "" : "s");
    if (!q.error_message.empty()) detail += ": " + printable(q.error_message);
    line(fmt::format("pending   {}  {}", where(q.integration, q.path), detail));
  }

  void line(const std::string& text) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
  }

 private:
  // "s3/sales/reports/q1.csv": the file below external-files/.
  std::string where(const std::string& integration, const std::string& path) const {
    auto folder = folders_.find(integration);
    std::string base = folder != folders_.end() ? folder->second : integration;
    return printable(path.empty() ? base : base + "/" + path);
  }

  std::string human(const WatchEvent& e) const {
    std::string file = where(e.integration, e.path);
    std::string error = printable(e.error.message());
    switch (e.kind) {
      case WatchEventKind::Exported: return fmt::format("exported  {}  {}", file, format_bytes(e.bytes));
      case WatchEventKind::Conflict: {
        std::string text = fmt::format("CONFLICT  {}  changed remotely since it was last seen: not overwritten", file);
        if (!e.conflict_copy.empty()) text += fmt::format("; yours is beside it as {}", printable(e.conflict_copy));
        return text;
      }
      case WatchEventKind::Refused: return fmt::format("refused   {}  {}", file, error);
      case WatchEventKind::Failed: {
        std::string when = "parked until the file changes";
        if (!e.parked && e.retry_at) {
          auto wait =
              std::chrono::duration_cast<std::chrono::duration<double>>(*e.retry_at - std::chrono::system_clock::now());
          when = "retry in " + format_seconds(std::max(0.0, wait.count()));
        }
        return fmt::format("failed    {}  {} ({})", file, error, when);
      }
      case WatchEventKind::Status: break;
    }
    // The watcher's own status says what it watches and how ("watching 3 folders by inotify").
    if (e.integration.empty()) return printable(e.message);
    return fmt::format("status    {}: {}", printable(e.integration), printable(e.message));
  }

  OutputFlags out_;
  std::vector<std::string> only_;
  std::map<std::string, std::string> folders_;  ///< display name -> folder below external-files/
  std::mutex mutex_;
};

SessionOptions session_options(const WatchArgs& a) {
  SessionOptions options;
  options.restore = !a.no_restore;
  options.watch.quiet_window = std::chrono::milliseconds(a.quiet_ms);
  options.watch.force_polling = a.poll;
  options.watch.poll_interval = std::chrono::milliseconds(a.poll_ms);
  options.watch.conflict_policy = a.conflict == "keep-both" ? ConflictPolicy::KeepBoth : ConflictPolicy::Report;
  return options;
}

// "restored 'Sales': 3 files (1.2 KiB)"; a failed restore on stderr (it does
// not stop the session: the other integrations are watched all the same).
void report_restore(Console& console, EventPrinter& printer, const OutputFlags& out,
                    const std::vector<OperationResult>& restored) {
  for (const OperationResult& r : restored) {
    if (!printer.shows(r.integration)) continue;
    Status failure = r.error.ok() ? r.report.first_error() : r.error;
    if (!failure.ok()) {
      console.error(fmt::format("restore of '{}' failed: {}", printable(r.integration), failure.to_string()));
      continue;
    }
    size_t done = r.report.count(OutcomeKind::Done);
    if (out.json || out.quiet || done == 0) continue;
    printer.line(fmt::format("restored  '{}': {} file{} ({})", printable(r.integration), done, done == 1 ? "" : "s",
                             format_bytes(r.report.bytes_transferred)));
  }
}

// 0 when everything went out; else files still pending outrank conflicts,
// which outrank refused writes (as a failure outranks a conflict elsewhere).
RunVerdict verdict_of(const std::vector<QueuedExport>& left) {
  size_t pending = 0, conflicts = 0, refused = 0;
  for (const QueuedExport& q : left) {
    if (q.state == QueuedState::Conflict) {
      ++conflicts;
    } else if (q.state == QueuedState::Refused) {
      ++refused;
    } else {
      ++pending;
    }
  }
  auto plural = [](size_t n) { return n == 1 ? "" : "s"; };
  if (pending > 0) {
    return {error_code_exit_status(ErrorCode::Timeout),
            fmt::format("{} file{} still pending: they stay queued and go out when the project is watched again",
                        pending, plural(pending))};
  }
  if (conflicts > 0) {
    return {error_code_exit_status(ErrorCode::Conflict),
            fmt::format("{} conflict{} left unresolved (changed remotely): nothing was overwritten", conflicts,
                        plural(conflicts))};
  }
  if (refused > 0) {
    return {error_code_exit_status(ErrorCode::PermissionDenied),
            fmt::format("{} write{} refused (read-only integration or a path it does not allow)", refused,
                        plural(refused))};
  }
  return {};
}

int run_watch(const WatchArgs& a) {
  Console console(a.out);
  auto ws = open_workspace(a.workspace, false);
  if (!ws.ok()) return fail(console, a.out, ws.status());
  std::vector<Integration> integrations = (*ws)->integrations();
  for (const std::string& name : a.integrations) {
    bool known = false;
    for (const Integration& i : integrations) known = known || i.spec.name == name;
    if (!known) {
      return fail(console, a.out,
                  Status(ErrorCode::NotFound, fmt::format("no integration '{}' in this project", printable(name))));
    }
  }
  EventPrinter printer(a.out, integrations, a.integrations);
  const CancelToken* stop = interrupt_token();  // Ctrl-C during the restore cancels it; the session still starts
  auto session = KernelSession::start(
      **ws, session_options(a), [&printer](const WatchEvent& e) { printer.event(e); }, stop);
  if (!session.ok()) return fail(console, a.out, session.status());
  report_restore(console, printer, a.out, (*session)->restored());

  while (!stop->is_cancelled()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  accept_interrupt();

  if (!a.out.json && !a.out.quiet) {
    printer.line(fmt::format("stopping: sending what is left (up to {} s)", a.flush_timeout_s));
  }
  FlushResult flushed = (*session)->flush(std::chrono::seconds(a.flush_timeout_s));
  (*session)->stop();
  FlushResult shown;
  shown.complete = flushed.complete;
  for (QueuedExport& q : flushed.pending) {
    if (printer.shows(q.integration)) shown.pending.push_back(std::move(q));
  }
  if (a.out.json) {
    printer.line(flush_result_to_json(shown));
  } else {
    for (const QueuedExport& q : shown.pending) printer.pending(q);
    if (shown.pending.empty() && !a.out.quiet) printer.line("everything exported");
  }
  RunVerdict verdict = verdict_of(shown.pending);
  // Entries of integrations not shown can still leave the flush incomplete.
  if (verdict.exit_status == 0 && !flushed.complete) {
    verdict = {error_code_exit_status(ErrorCode::Timeout), "files of other integrations are still pending"};
  }
  return conclude(console, verdict);
}

}  // namespace

void add_watch_command(CLI::App& app, Action& action) {
  auto a = std::make_shared<WatchArgs>();
  CLI::App* cmd =
      app.add_subcommand("watch", "Export what is written under the project's external-files/ until stopped");
  add_project_flag(*cmd, a->workspace);
  add_project_catalog_flag(*cmd, a->workspace);
  add_repeated_option(*cmd, "--integration", a->integrations,
                      "Only print the events and pending files of this integration (repeatable; every "
                      "integration is still watched)")
      ->type_name("NAME");
  cmd->add_flag("--no-restore", a->no_restore, "Do not restore the tracked files first");
  cmd->add_option("--quiet-ms", a->quiet_ms, "How long a closed file must stay unchanged before it is exported")
      ->check(whole_number(0, 3'600'000))
      ->type_name("N")
      ->capture_default_str();
  cmd->add_flag("--poll", a->poll, "Scan the folders instead of using inotify (network filesystems)");
  cmd->add_option("--poll-ms", a->poll_ms, "Time between two scans when polling")
      ->check(whole_number(10, 3'600'000))
      ->type_name("N")
      ->capture_default_str();
  cmd->add_option("--conflict", a->conflict,
                  "A file changed remotely since it was last seen: report it, or also upload yours beside it as "
                  "name.conflict-<host>-<UTC time>.ext")
      ->check(CLI::IsMember({"report", "keep-both"}))
      ->type_name("POLICY")
      ->capture_default_str();
  cmd->add_option("--flush-timeout", a->flush_timeout_s, "How long to keep sending what is left once told to stop")
      ->check(whole_number(0, 86'400))
      ->type_name("SECONDS")
      ->capture_default_str();
  add_workspace_run_flags(*cmd, a->workspace);
  add_output_flags(*cmd, a->out);
  std::string notes = fmt::format(
      "Restores the tracked files, then exports each file written under the folder of a writeback\n"
      "integration once it is complete (closed or renamed into place, then quiet), never over a remote\n"
      "change. One line per event: exported, CONFLICT, refused, failed; with --json one JSON object per\n"
      "line ({{\"event\", \"integration\", \"path\", ...}}) and, at the end, {{\"complete\", \"pending\"}}.\n"
      "Ctrl-C or SIGTERM stops it: what is left is sent for up to --flush-timeout seconds (a second\n"
      "Ctrl-C stops at once; what was not sent stays queued for the next session). Exits 0 when\n"
      "everything went out, {} (timeout) when files were still pending, else {} (conflicts left) or\n"
      "{} (writes refused).",
      error_code_exit_status(ErrorCode::Timeout), error_code_exit_status(ErrorCode::Conflict),
      error_code_exit_status(ErrorCode::PermissionDenied));
  set_examples(*cmd,
               {"cloudsync watch --project ~/analysis", "cloudsync watch --json --conflict keep-both --quiet-ms 1000",
                "cloudsync watch --poll --poll-ms 5000 --flush-timeout 60 --integration Shared"},
               notes);
  cmd->callback([a, &action] { action = [a] { return run_watch(*a); }; });
}

}  // namespace cloudsync::cli
