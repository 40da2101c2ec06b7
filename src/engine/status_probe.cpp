#include "engine/status_probe.hpp"

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <optional>

#include <fmt/format.h>

#include "core/ascii.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/log.hpp"
#include "core/time.hpp"
#include "http/http_date.hpp"

namespace cloudsync {

namespace {

constexpr std::string_view kProbeStem = ".cloudsync-probe-";
constexpr std::string_view kProbeContent = "cloudsync status probe: safe to delete\n";
// One page of this many keys almost always holds a file to read, even in a
// folder full of sub-folders, and costs one request.
constexpr uint32_t kListKeys = 20;
// Listed objects may vanish or be archived before they are read; a few are tried.
constexpr size_t kReadCandidates = 3;
// With ranged reads a single byte is asked for; without them the download is
// cut off here, so that proving read access never fetches a large object.
constexpr uint64_t kMaxReadBytes = 64 * 1024;

std::string_view trim_slashes(std::string_view text) {
  while (!text.empty() && text.front() == '/') text.remove_prefix(1);
  while (!text.empty() && text.back() == '/') text.remove_suffix(1);
  return text;
}

bool one_of(std::string_view value, std::initializer_list<std::string_view> candidates) {
  return std::find(candidates.begin(), candidates.end(), value) != candidates.end();
}

// "Start [Mon, 01 Jan 2024 00:00:00 GMT] - Expiry [...] - Current [...]" in
// Azure's AuthenticationErrorDetail for a SAS used outside its time frame.
std::optional<TimePoint> bracketed_time(std::string_view message, std::string_view label) {
  size_t at = message.find(label);
  if (at == std::string_view::npos) return std::nullopt;
  size_t open = message.find('[', at);
  size_t close = message.find(']', open);
  if (open == std::string_view::npos || close == std::string_view::npos) return std::nullopt;
  Result<TimePoint> t = parse_http_date(message.substr(open + 1, close - open - 1));
  return t.ok() ? std::optional<TimePoint>(*t) : std::nullopt;
}

// Why credentials were refused. Provider codes decide where they exist; only
// codes that say "authentication failed" without saying why (Azure's
// AuthenticationFailed and InvalidAuthenticationInfo, whose
// AuthenticationErrorDetail azure_error keeps in the message; OAuth's invalid_grant,
// whose description is; none at all, for refusals this library makes before
// sending, such as an expired SAS token) leave the wording to tell.
DisconnectReason authentication_reason(const Status& failure) {
  const std::string& code = failure.provider_code();
  if (one_of(code, {"ExpiredToken", "ExpiredTokenException", "TokenRefreshRequired"})) {
    return DisconnectReason::ExpiredCredentials;
  }
  // RequestExpired: the signed request time is more than 15 minutes away
  // from AWS's clock (for a request this library just signed).
  if (one_of(code, {"RequestTimeTooSkewed", "RequestExpired"})) return DisconnectReason::ClockSkew;
  if (!one_of(code, {"AuthenticationFailed", "InvalidAuthenticationInfo", "invalid_grant", ""})) {
    return DisconnectReason::InvalidCredentials;
  }

  std::string text = ascii_lower(failure.message());
  if (text.find("signature not valid in the specified time frame") != std::string::npos) {
    std::optional<TimePoint> start = bracketed_time(failure.message(), "Start");
    std::optional<TimePoint> current = bracketed_time(failure.message(), "Current");
    // A SAS not yet valid by the service's clock was made on a clock ahead of it.
    if (start && current && *current < *start) return DisconnectReason::ClockSkew;
    return DisconnectReason::ExpiredCredentials;
  }
  if (text.find("request date header too") != std::string::npos) return DisconnectReason::ClockSkew;
  if (text.find("sas token is not valid before") != std::string::npos) return DisconnectReason::ClockSkew;
  if (text.find("expired") != std::string::npos) return DisconnectReason::ExpiredCredentials;
  return DisconnectReason::InvalidCredentials;
}

DisconnectReason reason_for(const Status& failure) {
  switch (failure.code()) {
    case ErrorCode::PermissionDenied: return DisconnectReason::MissingPermission;
    case ErrorCode::Unauthenticated: return authentication_reason(failure);
    case ErrorCode::NotFound: return DisconnectReason::NotFound;
    case ErrorCode::Network:
    case ErrorCode::Timeout: return DisconnectReason::Unreachable;
    case ErrorCode::Throttled: return DisconnectReason::Throttled;
    default: return DisconnectReason::Error;
  }
}

Status cancelled() { return Status(ErrorCode::Cancelled, "the status check was cancelled"); }

// A read of a listed object that says nothing about the credentials: the
// object went away after the listing, or it is archived (S3 Glacier answers
// 403 InvalidObjectState, Azure 409 BlobArchived -> Unsupported).
bool unreadable_by_nature(const Status& failure) {
  return failure.code() == ErrorCode::NotFound || failure.code() == ErrorCode::Unsupported ||
         failure.provider_code() == "InvalidObjectState";
}

// A failed write whose object may exist all the same (the answer was lost,
// or the request was cut off): its journal entry stays for the next sweep.
bool write_may_have_happened(const Status& failure) {
  ErrorCode code = failure.code();
  return error_code_is_transient(code) || code == ErrorCode::Cancelled || code == ErrorCode::Internal ||
         code == ErrorCode::BadResponse || code == ErrorCode::Integrity;
}

bool is_probe_key(const Path& key) { return key.name().starts_with(kProbeStem); }

// Takes up to kMaxReadBytes, then stops the download.
class BoundedSink final : public ByteSink {
 public:
  Status write(std::string_view data) override {
    received_ += data.size();
    if (received_ > kMaxReadBytes) {
      stopped_ = true;
      return Status(ErrorCode::Cancelled, "status probe: enough of the object was read");
    }
    return Status::OK();
  }
  bool stopped() const { return stopped_; }

 private:
  uint64_t received_ = 0;
  bool stopped_ = false;
};

void record_end(const ProbeJournal& journal, const std::string& key) {
  if (!journal.end) return;
  Status ended = journal.end(key);
  if (!ended.ok()) log(LogLevel::Warn, "status probe: cannot record that {} is gone: {}", key, ended.to_string());
}

// Deletes the probe objects earlier checks recorded and never ended. Nothing
// here fails the check: a leftover that cannot be deleted now is retried by
// the next check.
Status sweep_leftovers(StorageBackend& backend, const ProbeJournal& journal, const OpContext& ctx) {
  if (!journal.leftovers) return Status::OK();
  Result<std::vector<std::string>> leftovers = journal.leftovers();
  if (!leftovers.ok()) {
    log(LogLevel::Warn, "status probe: cannot read the leftover probe objects: {}", leftovers.status().to_string());
    return Status::OK();
  }
  std::vector<std::string> keys;
  std::vector<Path> paths;
  for (const std::string& key : *leftovers) {
    Result<Path> path = Path::parse(key);
    // Only names a probe gives are ever deleted, whatever the journal holds:
    // a damaged journal must not cost the user an object.
    if (!path.ok() || !is_probe_key(*path)) {
      log(LogLevel::Warn, "status probe: the journal's leftover '{}' is no probe object; forgetting it", key);
      record_end(journal, key);
      continue;
    }
    keys.push_back(key);
    paths.push_back(std::move(path).value());
  }
  if (paths.empty()) return Status::OK();
  if (ctx.cancelled()) return cancelled();
  Result<std::vector<Status>> removed = backend.remove_many(paths, ctx);
  if (!removed.ok() && removed.status().code() == ErrorCode::Cancelled) return cancelled();
  for (size_t i = 0; i < keys.size(); ++i) {
    Status s = !removed.ok()         ? removed.status()
               : i < removed->size() ? (*removed)[i]
                                     : Status(ErrorCode::Internal, "remove_many returned too few results");
    if (s.ok() || s.code() == ErrorCode::NotFound) {
      log(LogLevel::Info, "status probe: deleted the probe object {} an interrupted check left behind", keys[i]);
      record_end(journal, keys[i]);
    } else {
      log(LogLevel::Warn, "status probe: cannot delete the leftover probe object {}: {}", keys[i], s.to_string());
    }
  }
  return ctx.cancelled() ? cancelled() : Status::OK();
}

// Lists one page of each prefix; returns the file objects seen.
Result<std::vector<ObjectMeta>> list_prefixes(StorageBackend& backend, const ProbeOptions& options,
                                              const OpContext& ctx) {
  std::vector<std::string> prefixes = options.prefixes;
  if (prefixes.empty()) prefixes.emplace_back();
  std::vector<ObjectMeta> files;
  for (const std::string& prefix : prefixes) {
    if (ctx.cancelled()) return cancelled();
    CLOUDSYNC_ASSIGN_OR_RETURN(Path folder, Path::parse(trim_slashes(prefix)));
    ListOptions list;
    list.prefix = folder.is_root() ? std::string() : folder.str() + "/";
    list.max_keys = kListKeys;
    list.max_pages = 1;
    CLOUDSYNC_ASSIGN_OR_RETURN(ListPage page, backend.list_page(list, ctx));
    // Stores that list folder by folder (local folders) report one they may
    // not open instead of failing: the integration cannot see it all.
    if (!page.unreadable.empty()) {
      const UnreadableEntry& first = page.unreadable.front();
      return first.reason.with_context(fmt::format("listing {} could not read '{}'", backend.describe(), first.key));
    }
    for (ObjectMeta& meta : page.objects) {
      if (meta.kind == ObjectKind::File && Path::validate(meta.key).ok()) files.push_back(std::move(meta));
    }
  }
  return files;
}

// Reads the start of one listed file (a non-empty one when there is one: S3
// answers a range on an empty object with 416). No file listed, or none left
// to read, passes: there is nothing the credentials could be refused.
Status read_one(StorageBackend& backend, std::vector<ObjectMeta> files, const OpContext& ctx) {
  std::stable_partition(files.begin(), files.end(), [](const ObjectMeta& m) { return m.size > 0; });
  size_t tried = 0;
  for (const ObjectMeta& meta : files) {
    if (tried++ == kReadCandidates) break;
    if (ctx.cancelled()) return cancelled();
    GetOptions get;
    if (backend.capabilities().ranged_get && meta.size > 0) get.range = ByteRange{0, 1};
    BoundedSink sink;
    Result<ObjectMeta> got = backend.get(*Path::parse(meta.key), get, sink, ctx);
    if (got.ok() || sink.stopped()) return Status::OK();
    if (!unreadable_by_nature(got.status())) return got.status();
    log(LogLevel::Debug, "status probe: {} cannot be read ({}); trying another object", meta.key,
        got.status().to_string());
  }
  return Status::OK();
}

std::string connected_message(const std::vector<ProbeAction>& passed) {
  std::string out;
  for (ProbeAction a : passed) {
    if (!out.empty()) out += ", ";
    out += probe_action_name(a);
  }
  return out + " succeeded";
}

// A failure on this side (the journal), not the store's: never a permission.
StatusCheck local_failure(ProbeAction action, const Status& failure) {
  StatusCheck check = classify_probe_failure(action, failure);
  if (failure.code() != ErrorCode::Cancelled) check.reason = DisconnectReason::Error;
  return check;
}

}  // namespace

bool is_probe_object_key(std::string_view key) {
  size_t slash = key.rfind('/');
  return key.substr(slash == std::string_view::npos ? 0 : slash + 1).starts_with(kProbeStem);
}

std::string probe_object_key(const std::string& folder) {
  std::string name = std::string(kProbeStem) + random_hex(8);
  std::string_view dir = trim_slashes(folder);
  return dir.empty() ? name : fmt::format("{}/{}", dir, name);
}

StatusCheck classify_probe_failure(ProbeAction action, const Status& failure) {
  StatusCheck check;
  check.status = IntegrationStatus::Disconnected;
  check.checked_at = now_utc();
  check.provider_code = failure.provider_code();
  check.http_status = failure.http_status();
  if (failure.code() == ErrorCode::Cancelled) {
    check.reason = DisconnectReason::Error;
    check.message = "cancelled";
    return check;
  }
  check.missing_action = action;
  if (failure.ok()) {
    check.reason = DisconnectReason::Error;
    check.message = fmt::format("{}: failed without an error", probe_action_name(action));
    return check;
  }
  check.reason = reason_for(failure);
  check.message = fmt::format("{}: {}", probe_action_name(action), failure.to_string());
  return check;
}

StatusCheck probe_backend(StorageBackend& backend, const ProbeOptions& options, const ProbeJournal& journal,
                          const OpContext& ctx) {
  const TimePoint checked_at = now_utc();
  const auto started = std::chrono::steady_clock::now();
  std::vector<ProbeAction> passed;
  auto finish = [&](StatusCheck check) {
    check.checked_at = checked_at;
    check.duration = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    check.passed = passed;
    return check;
  };
  auto fail = [&](ProbeAction action, const Status& failure) {
    return finish(classify_probe_failure(action, failure));
  };

  if (ctx.cancelled()) return fail(ProbeAction::List, cancelled());
  if (Status swept = sweep_leftovers(backend, journal, ctx); !swept.ok()) return fail(ProbeAction::List, swept);

  Result<std::vector<ObjectMeta>> files = list_prefixes(backend, options, ctx);
  if (!files.ok()) return fail(ProbeAction::List, files.status());
  passed.push_back(ProbeAction::List);

  if (Status read = read_one(backend, std::move(files).value(), ctx); !read.ok()) {
    return fail(ProbeAction::Read, read);
  }
  passed.push_back(ProbeAction::Read);

  if (options.writeback) {
    if (ctx.cancelled()) return fail(ProbeAction::Write, cancelled());
    std::string key = probe_object_key(options.probe_folder);
    Result<Path> path = Path::parse(key);
    if (!path.ok()) return finish(local_failure(ProbeAction::Write, path.status()));
    // Recorded first: a check killed between the write and the delete leaves
    // an object only the journal knows of.
    if (journal.begin) {
      if (Status begun = journal.begin(key); !begun.ok()) {
        return finish(local_failure(ProbeAction::Write, begun.with_context("cannot record the probe object")));
      }
    }
    if (ctx.cancelled()) {
      record_end(journal, key);
      return fail(ProbeAction::Write, cancelled());
    }
    PutOptions put;
    // Create-only where the store enforces it; elsewhere the random name is
    // the guard (an emulated check would need read access on top of write).
    put.mode = backend.capabilities().conditional_create ? PutMode::Create : PutMode::Overwrite;
    put.content_type = "text/plain";
    Result<ObjectMeta> written = backend.write_all(*path, kProbeContent, put, ctx);
    if (!written.ok()) {
      if (!write_may_have_happened(written.status())) record_end(journal, key);
      return fail(ProbeAction::Write, written.status());
    }
    passed.push_back(ProbeAction::Write);

    // A cancellation now leaves the probe object to the next check's sweep.
    if (ctx.cancelled()) return fail(ProbeAction::Delete, cancelled());
    Status removed = backend.remove(*path, ctx);
    if (!removed.ok() && removed.code() != ErrorCode::NotFound) return fail(ProbeAction::Delete, removed);
    record_end(journal, key);
    passed.push_back(ProbeAction::Delete);
  }

  StatusCheck check;
  check.status = IntegrationStatus::Connected;
  check.reason = DisconnectReason::None;
  check.message = connected_message(passed);
  return finish(std::move(check));
}

}  // namespace cloudsync
