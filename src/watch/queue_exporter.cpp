#include "watch/queue_exporter.hpp"

#include <unistd.h>

#include <algorithm>

#include "core/error.hpp"
#include "core/log.hpp"
#include "core/time.hpp"
#include "engine/operations.hpp"
#include "engine/scope.hpp"
#include "transfer/transfer.hpp"

namespace cloudsync {

namespace {

std::string machine_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "host";
  return buf;
}

// The SHA-256 of a file of the folder now; empty when it cannot be read.
std::string local_sha256(const WatchedFolder& folder, const std::string& path, const CancelToken* cancel) {
  auto key = Path::parse(path);
  if (!key.ok()) return {};
  auto hashes = hash_local_file(folder.folder, *key, hash_kinds(HashKind::Sha256), OpContext{cancel});
  return hashes.ok() ? hashes->sha256 : std::string();
}

bool is_permanent(ErrorCode code) { return code == ErrorCode::InvalidArgument || code == ErrorCode::LimitExceeded; }

class PassBuilder {
 public:
  PassBuilder(const WatchedFolder& folder, const WatchOptions& options) : folder_(folder), options_(options) {}

  WatchEvent event(WatchEventKind kind, const std::string& path) const {
    WatchEvent e;
    e.kind = kind;
    e.at = now_;
    e.integration = folder_.integration.spec.name;
    e.path = path;
    e.remote_key = path;
    return e;
  }

  void done(const std::string& path) {
    SettledExport s;
    s.path = path;
    pass.settled.push_back(std::move(s));
  }

  void park(const QueueRow& row, QueuedState state, const Status& why, WatchEventKind kind, std::string sha256 = {},
            bool report = true) {
    SettledExport s;
    s.outcome = SettledExport::Outcome::Park;
    s.path = row.path;
    s.parked_state = state;
    s.error_code = std::string(error_code_name(why.code()));
    s.error_message = why.message();
    s.sha256 = sha256;
    pass.settled.push_back(std::move(s));
    if (!report) return;
    WatchEvent e = event(kind, row.path);
    e.error = why;
    e.parked = true;
    e.sha256 = std::move(sha256);
    pass.events.push_back(std::move(e));
  }

  // Tried again later; `report` says whether the host hears of it (a file
  // that changed while it was sent is simply sent again).
  void retry(const QueueRow& row, const Status& why, TimePoint at, bool report = true) {
    SettledExport s;
    s.outcome = SettledExport::Outcome::Retry;
    s.path = row.path;
    s.retry_at = at;
    s.error_code = std::string(error_code_name(why.code()));
    s.error_message = why.message();
    pass.settled.push_back(std::move(s));
    if (error_code_is_transient(why.code())) {
      pass.unreachable = true;
      if (!pass.retry_at || at < *pass.retry_at) pass.retry_at = at;
    }
    pass.last_error = why.to_string();
    if (!report) return;
    WatchEvent e = event(WatchEventKind::Failed, row.path);
    e.error = why;
    e.retry_at = at;
    pass.events.push_back(std::move(e));
  }

  void retry_with_backoff(const QueueRow& row, const Status& why) {
    retry(row, why, retry_time(row.attempts + 1, options_, now_));
  }

  ExportPass pass;
  const TimePoint now_ = now_utc();

 private:
  const WatchedFolder& folder_;
  const WatchOptions& options_;
};

// What the operation found out about one conflicting file.
struct ConflictFinding {
  std::string sha256;
  std::string remote_key;
  std::string copy_key;  // KeepBoth: the copy uploaded
  Status copy_error;     // KeepBoth: why the copy could not be uploaded
};

}  // namespace

std::string conflict_copy_key(std::string_view remote_key, std::string_view host, TimePoint at) {
  std::string clean_host;
  for (char c : host) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.')
      clean_host += c;
  }
  if (clean_host.empty()) clean_host = "host";
  size_t slash = remote_key.rfind('/');
  size_t name_start = slash == std::string_view::npos ? 0 : slash + 1;
  size_t dot = remote_key.rfind('.');
  if (dot == std::string_view::npos || dot <= name_start) dot = remote_key.size();
  return fmt::format("{}.conflict-{}-{}{}", remote_key.substr(0, dot), clean_host, format_iso8601_basic(at),
                     remote_key.substr(dot));
}

TimePoint retry_time(uint32_t attempts, const WatchOptions& options, TimePoint now) {
  auto delay = std::max(options.retry_initial, std::chrono::milliseconds(1));
  for (uint32_t i = 1; i < attempts && delay < options.retry_max; ++i) delay *= 2;
  return now + std::min(delay, std::max(options.retry_max, options.retry_initial));
}

ExportPass export_claimed(Workspace::Impl& workspace, const WatchedFolder& folder, const std::vector<QueueRow>& rows,
                          const WatchOptions& options, const CancelToken* cancel) {
  PassBuilder b(folder, options);
  const Integration& integ = folder.integration;
  if (!integ.spec.writeback) {
    for (const QueueRow& row : rows) {
      b.park(row, QueuedState::Refused,
             make_error(ErrorCode::PermissionDenied,
                        "integration '{}' is read-only (writeback is off): '{}' was not exported", integ.spec.name,
                        row.path),
             WatchEventKind::Refused);
    }
    return std::move(b.pass);
  }
  std::vector<const QueueRow*> allowed;
  std::vector<std::string> paths;
  for (const QueueRow& row : rows) {
    Status in_scope = check_remote_keys_allowed(integ, {row.path}, "export");
    if (!in_scope.ok()) {
      b.park(row, QueuedState::Refused, in_scope, WatchEventKind::Refused);
      continue;
    }
    allowed.push_back(&row);
    paths.push_back(row.path);
  }
  if (paths.empty()) return std::move(b.pass);

  std::map<std::string, const QueueRow*> row_of;
  for (const QueueRow* row : allowed) row_of[row->path] = row;
  std::map<std::string, ManifestEntry> recorded;
  // What the manifest said before: a file it now records with other content
  // and no transfer reached the store earlier (a session killed after the
  // upload, before its record), and the host hears of it now.
  std::map<std::string, Fingerprint> recorded_before;
  std::map<std::string, ConflictFinding> conflicts;
  auto result = workspace.operate(integ, false, [&](OperationTarget& t) -> Result<OperationResult> {
    for (const std::string& p : paths) {
      if (auto e = t.manifest.find(p)) recorded_before[p] = e->local;
    }
    CLOUDSYNC_ASSIGN_OR_RETURN(OperationResult r, run_export_files(t, paths, {}, cancel));
    std::map<std::string, const PlanAction*> action_of;
    for (const PlanAction& a : r.plan.actions) action_of[a.path] = &a;
    for (const ActionOutcome& o : r.report.outcomes) {
      if (o.outcome != OutcomeKind::Conflict || !row_of.count(o.path)) continue;
      ConflictFinding& c = conflicts[o.path];
      auto action = action_of.find(o.path);
      c.remote_key =
          action != action_of.end() && action->second->has_destination ? action->second->destination.key : o.path;
      c.sha256 = local_sha256(folder, o.path, cancel);
      // The same content conflicting again was reported (and copied) already.
      bool seen_before = !c.sha256.empty() && c.sha256 == row_of[o.path]->sha256;
      if (options.conflict_policy == ConflictPolicy::KeepBoth && !seen_before) {
        std::string host = options.host_name.empty() ? machine_name() : options.host_name;
        std::string copy = conflict_copy_key(c.remote_key, host, b.now_);
        auto copied = upload_untracked_copy(t, o.path, copy, cancel);
        if (copied.ok()) {
          c.copy_key = std::move(copy);
        } else {
          c.copy_error = copied.status();
        }
      }
    }
    for (const std::string& p : paths) {
      if (auto e = t.manifest.find(p)) recorded[p] = std::move(*e);
    }
    return r;
  });

  if (!result.ok()) {
    const Status& why = result.status();
    if (why.code() == ErrorCode::Cancelled) return std::move(b.pass);  // the rows stay in flight for requeue
    for (const QueueRow* row : allowed) b.retry_with_backoff(*row, why);
    return std::move(b.pass);
  }
  std::map<std::string, const ActionOutcome*> outcome_of;
  for (const ActionOutcome& o : result->report.outcomes) outcome_of[o.path] = &o;
  for (const QueueRow* row : allowed) {
    auto rec = recorded.find(row->path);
    if (rec != recorded.end()) b.pass.recorded[row->path] = rec->second.local;
    auto it = outcome_of.find(row->path);
    if (it == outcome_of.end()) {  // unchanged since the last export, gone, or ignored
      b.done(row->path);
      auto before = recorded_before.find(row->path);
      bool newly_recorded =
          rec != recorded.end() && (before == recorded_before.end() || !(before->second == rec->second.local));
      if (newly_recorded) {
        WatchEvent e = b.event(WatchEventKind::Exported, row->path);
        e.bytes = rec->second.local.size;
        e.remote_key = rec->second.remote_key;
        e.sha256 = rec->second.local.hashes.sha256;
        if (e.sha256.empty()) e.sha256 = local_sha256(folder, row->path, cancel);  // adopted without it
        e.message = "the store already had this content (sent before a restart)";
        b.pass.events.push_back(std::move(e));
      }
      continue;
    }
    const ActionOutcome& o = *it->second;
    switch (o.outcome) {
      case OutcomeKind::Done: {
        b.done(row->path);
        WatchEvent e = b.event(WatchEventKind::Exported, row->path);
        e.bytes = o.bytes;
        if (rec != recorded.end()) {
          e.remote_key = rec->second.remote_key;
          e.sha256 = rec->second.local.hashes.sha256;
        }
        b.pass.events.push_back(std::move(e));
        break;
      }
      case OutcomeKind::Conflict: {
        const ConflictFinding& c = conflicts[row->path];
        Status why = o.status.ok() ? make_error(ErrorCode::Conflict, "{}", o.message) : o.status;
        bool seen_before = !c.sha256.empty() && c.sha256 == row->sha256;
        b.park(*row, QueuedState::Conflict, why, WatchEventKind::Conflict, c.sha256, !seen_before);
        if (!seen_before) {
          WatchEvent& e = b.pass.events.back();
          e.remote_key = c.remote_key;
          e.conflict_copy = c.copy_key;
          if (!c.copy_error.ok()) e.message = "the conflict copy failed: " + c.copy_error.to_string();
        }
        break;
      }
      case OutcomeKind::Skipped:
        b.park(*row, QueuedState::Failed, make_error(ErrorCode::InvalidArgument, "{}", o.message),
               WatchEventKind::Failed);
        break;
      case OutcomeKind::Failed:
      case OutcomeKind::DryRun: {
        Status why =
            o.status.ok() ? Status(o.error == ErrorCode::Ok ? ErrorCode::Internal : o.error, o.message) : o.status;
        if (why.code() == ErrorCode::PreconditionFailed) {
          // The file changed while it was read: it settles again and goes then.
          b.retry(*row, why, b.now_ + options.quiet_window, /*report=*/false);
        } else if (is_permanent(why.code())) {
          b.park(*row, QueuedState::Failed, why, WatchEventKind::Failed);
        } else {
          b.retry_with_backoff(*row, why);
        }
        break;
      }
    }
  }
  return std::move(b.pass);
}

}  // namespace cloudsync
