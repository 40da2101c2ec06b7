// Copy Blob rather than Put Blob From URL / Put Block From URL: it takes any
// size in one request, and within one account the destination request's
// Shared Key or bearer token authorises the source read too, so no SAS has to
// be minted for the common case (From URL operations need the source
// authorised by a SAS or x-ms-copy-source-authorization even within one
// account). Azurite (3.35) implements Copy Blob, and answers Put Blob From
// URL and Put Block From URL with 501. The price is that Copy Blob may be
// asynchronous: an answer "pending" is followed by polling, and a copy that
// fails, stalls or is cancelled is aborted and its destination deleted
// (Abort Copy Blob leaves an empty blob with the new metadata behind, which
// must not pass for a copy).
#include "backends/azure/azure_copy.hpp"

#include <algorithm>
#include <thread>

#include "auth/azure/sas.hpp"
#include "auth/azure/shared_key.hpp"
#include "backends/azure/azure_meta.hpp"
#include "backends/azure/azure_reads.hpp"
#include "backends/azure/azure_writes.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/url.hpp"

namespace cloudsync::azure {

namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// A SAS minted for a source blob: read-only, for that blob, valid from a
// little before now (a service clock behind ours) for long enough that a
// pending copy can finish with it.
constexpr auto kMintedSasLeeway = std::chrono::minutes(5);
constexpr auto kMintedSasLifetime = std::chrono::hours(1);
// The longest single sleep while a copy is pending: the bound on how late a
// cancellation is noticed.
constexpr milliseconds kSleepSlice{50};

// What the x-ms-copy-* headers of a Copy Blob or Get Blob Properties answer say.
struct CopyState {
  std::string id;
  std::string status;  ///< success, pending, aborted or failed
  std::string description;
  std::optional<uint64_t> copied;  ///< bytes copied so far (x-ms-copy-progress "copied/total")
};

CopyState copy_state(const http::Headers& headers) {
  CopyState state;
  if (auto v = headers.get("x-ms-copy-id")) state.id = std::string(*v);
  if (auto v = headers.get("x-ms-copy-status")) state.status = std::string(*v);
  if (auto v = headers.get("x-ms-copy-status-description")) state.description = std::string(*v);
  if (auto v = headers.get("x-ms-copy-progress")) {
    std::string_view progress = v->substr(0, v->find('/'));
    uint64_t copied = 0;
    bool digits = !progress.empty();
    for (char c : progress) {
      if (c < '0' || c > '9') digits = false;
      if (digits) copied = copied * 10 + static_cast<uint64_t>(c - '0');
    }
    if (digits) state.copied = copied;
  }
  return state;
}

// A destination reached with a SAS: that SAS authorises nothing outside its
// scope, so the source URL must carry its own authorisation.
Result<std::string> copy_source_url(const AzureClient& to, const AzureClient& from, const std::string& src_key) {
  std::string url = from.blob_url(src_key);
  if (!to.credentials().sas) return url;
  const auth::AzureCredentials& source = from.credentials();
  if (source.sas) {
    CLOUDSYNC_RETURN_IF_ERROR(from.check_sas("r", SasScope::Object));
    return auth::append_sas_token(url, *source.sas);
  }
  if (source.account_key.empty()) {
    return make_error(ErrorCode::Unsupported, "{}: no SAS can be made for the copy source", from.describe(src_key));
  }
  CLOUDSYNC_ASSIGN_OR_RETURN(auth::AzureSharedKeySigner signer,
                             auth::AzureSharedKeySigner::create(source.account, source.account_key));
  auth::BlobSasOptions read_one;
  read_one.container = from.container();
  read_one.blob = src_key;
  read_one.permissions = "r";
  const TimePoint now = from.now();
  read_one.starts = now - kMintedSasLeeway;
  read_one.expires = now + kMintedSasLifetime;
  // generate_blob_sas registers the signature for redaction.
  CLOUDSYNC_ASSIGN_OR_RETURN(auth::GeneratedSas minted, auth::generate_blob_sas(signer, read_one));
  return url + "?" + minted.token;
}

Result<http::Response> blob_properties(AzureClient& client, const std::string& key, const OpContext& ctx) {
  AzureCall call;
  call.method = "HEAD";
  call.url = client.blob_url(key);
  call.what = "HEAD " + client.describe(key);
  return client.send(call, ctx);
}

bool sleep_unless_cancelled(milliseconds delay, const OpContext& ctx) {
  const auto until = steady_clock::now() + delay;
  while (!ctx.cancelled()) {
    const auto now = steady_clock::now();
    if (now >= until) return true;
    std::this_thread::sleep_for(std::min<steady_clock::duration>(kSleepSlice, until - now));
  }
  return false;
}

// Ends a copy that is no longer waited for and returns `reason`: Abort Copy
// Blob, then the blob the aborted or failed copy left (empty, with the new
// metadata) is deleted while it is still this copy's. The blob that was at
// the name before is gone either way: the copy replaced it when it started.
Status give_up(AzureClient& to, const std::string& key, const std::string& copy_id, const Status& reason) {
  const OpContext cleanup;  // runs after a cancellation too
  const std::string where = to.describe(key);
  AzureCall abort;
  abort.method = "PUT";
  abort.url = to.blob_url(key) + "?comp=copy&copyid=" + percent_encode(copy_id);
  abort.headers.set("x-ms-copy-action", "abort");
  abort.what = "Abort Copy Blob " + where;
  Result<http::Response> aborted = to.send(abort, cleanup);
  if (!aborted.ok() && aborted.status().provider_code() != "NoPendingCopyOperation") {
    log(LogLevel::Warn, "could not abort the copy to {}: {}", where, aborted.status().to_string());
  }
  Result<http::Response> now = blob_properties(to, key, cleanup);
  if (!now.ok()) {
    if (now.status().code() != ErrorCode::NotFound) {
      log(LogLevel::Warn, "could not check what the copy to {} left: {}", where, now.status().to_string());
    }
    return reason;
  }
  const CopyState state = copy_state(now->headers);
  if (state.id != copy_id) return reason;  // written again since: not ours to delete
  if (state.status == "success") {
    log(LogLevel::Info, "the copy to {} completed before it could be aborted; the complete copy is kept", where);
    return reason;
  }
  AzureCall remove;
  remove.method = "DELETE";
  remove.url = to.blob_url(key);
  if (auto etag = now->headers.get("ETag")) remove.headers.set("If-Match", std::string(*etag));
  remove.what = "DELETE " + where + " (an incomplete copy)";
  Result<http::Response> removed = to.send(remove, cleanup);
  if (!removed.ok() && removed.status().code() != ErrorCode::NotFound) {
    log(LogLevel::Warn, "could not delete the incomplete copy at {}: {}", where, removed.status().to_string());
  }
  return reason;
}

// Polls a pending copy until the service reports it done. Cancellation, a
// copy that failed or was aborted, and one whose progress stalled end in
// give_up().
Result<http::Response> wait_for_copy(AzureClient& to, const std::string& key, const std::string& copy_id,
                                     const OpContext& ctx) {
  const CopyPolling& polling = to.copy_polling();
  const std::string where = to.describe(key);
  milliseconds delay = polling.first_poll;
  std::optional<uint64_t> copied;
  auto moved_at = steady_clock::now();
  for (;;) {
    if (!sleep_unless_cancelled(delay, ctx)) {
      return give_up(to, key, copy_id, make_error(ErrorCode::Cancelled, "the copy to {} was cancelled", where));
    }
    delay = std::min(delay * 2, polling.max_poll);
    Result<http::Response> now = blob_properties(to, key, ctx);
    if (!now.ok()) {
      if (now.status().code() == ErrorCode::NotFound) {
        return make_error(ErrorCode::Conflict, "{} was deleted while a copy to it was pending", where);
      }
      return give_up(to, key, copy_id, now.status());
    }
    const CopyState state = copy_state(now->headers);
    if (state.id != copy_id) {
      return make_error(ErrorCode::Conflict, "{} was written while a copy to it was pending (the copy was lost)",
                        where);
    }
    if (state.status == "success") return now;
    if (state.status != "pending") {
      return give_up(to, key, copy_id,
                     make_error(ErrorCode::Network, "the copy to {} ended as '{}': {}", where, state.status,
                                state.description.empty() ? "no reason given" : state.description));
    }
    if (state.copied != copied) {
      copied = state.copied;
      moved_at = steady_clock::now();
    } else if (steady_clock::now() - moved_at > polling.stall_limit) {
      return give_up(to, key, copy_id,
                     make_error(ErrorCode::Timeout, "the copy to {} made no progress for {} s", where,
                                std::chrono::duration_cast<std::chrono::seconds>(polling.stall_limit).count()));
    }
  }
}

// A refused Copy Blob: which condition failed. The service names it
// (SourceConditionNotMet; BlobAlreadyExists or TargetConditionNotMet for the
// destination); Azurite answers 412 ConditionNotMet for either, and then the
// source's etag tells. A destination refusal on a retry may be the answer to
// our own earlier attempt (unless_ours).
Result<ObjectMeta> refused_copy(AzureClient& to, AzureClient& from, const std::string& src_key,
                                const std::string& dst_key, const CopyOptions& options, const Status& refusal,
                                uint32_t attempts, const OpContext& ctx) {
  const ErrorCode code = refusal.code();
  if (code != ErrorCode::PreconditionFailed && code != ErrorCode::AlreadyExists) return refusal;
  const std::string& named = refusal.provider_code();
  if (named == "SourceConditionNotMet") return refusal;
  if (named != "BlobAlreadyExists" && named != "TargetConditionNotMet" && !options.source_if_match.empty()) {
    Result<ObjectMeta> source = head_blob(from, src_key, ctx);
    if (!source.ok() || source->etag != quoted_etag(options.source_if_match)) {
      return make_error(ErrorCode::PreconditionFailed, "{}: the source changed since it was listed ({})",
                        from.describe(src_key), refusal.message());
    }
  }
  Status destination = refusal;
  if (options.put.mode == PutMode::Create && code != ErrorCode::AlreadyExists) {
    destination =
        make_error(ErrorCode::AlreadyExists, "{}: the blob exists ({})", to.describe(dst_key), refusal.message());
  }
  return unless_ours(to, dst_key, options.put, options.put.known_hashes.md5, options.source_size, destination, attempts,
                     ctx);
}

}  // namespace

bool can_copy_blobs(const AzureClient& to, const AzureClient& from) {
  const auth::AzureCredentials& mine = to.credentials();
  const auth::AzureCredentials& theirs = from.credentials();
  if (mine.blob_endpoint.empty() || mine.blob_endpoint != theirs.blob_endpoint) return false;
  if (!mine.sas) return true;  // the account key or a bearer token authorises the source read itself
  if (theirs.sas) return from.check_sas("r", SasScope::Object).ok();
  return !theirs.account_key.empty();
}

Result<ObjectMeta> copy_blob(AzureClient& to, AzureClient& from, const std::string& src_key, const std::string& dst_key,
                             const CopyOptions& options, const OpContext& ctx) {
  if (!can_copy_blobs(to, from)) {
    return make_error(ErrorCode::Unsupported, "{} cannot copy from {} server-side", to.describe(), from.describe());
  }
  const PutOptions& put = options.put;
  CLOUDSYNC_RETURN_IF_ERROR(to.check_sas(write_permission(to, put.mode), SasScope::Object));
  CLOUDSYNC_ASSIGN_OR_RETURN(std::string source_url, copy_source_url(to, from, src_key));
  AzureCall call;
  call.method = "PUT";
  call.url = to.blob_url(dst_key);
  call.headers.set("x-ms-copy-source", source_url);
  if (!options.source_if_match.empty()) {
    call.headers.set("x-ms-source-if-match", quoted_etag(options.source_if_match));
  }
  CLOUDSYNC_RETURN_IF_ERROR(add_metadata_headers(call.headers, put));
  CLOUDSYNC_RETURN_IF_ERROR(add_condition_headers(call.headers, put));
  call.creates_in_container = true;
  call.what = fmt::format("Copy Blob {} to {}", from.describe(src_key), to.describe(dst_key));
  Result<http::Response> started = to.send(call, ctx);
  if (!started.ok()) {
    return refused_copy(to, from, src_key, dst_key, options, started.status(), call.attempts, ctx);
  }
  const CopyState state = copy_state(started->headers);
  if (state.status == "pending") {
    log(LogLevel::Debug, "{}: pending, waiting for the service", call.what);
    CLOUDSYNC_ASSIGN_OR_RETURN(http::Response done, wait_for_copy(to, dst_key, state.id, ctx));
    return meta_from_headers(dst_key, done.headers);
  }
  if (state.status != "success") {
    return make_error(ErrorCode::BadResponse, "{}: the answer's x-ms-copy-status is '{}'", call.what, state.status);
  }
  ObjectMeta meta = written_meta(dst_key, started->headers, options.source_size, put);
  // The blob's Content-MD5 property travels with the copy.
  if (put.known_hashes.md5.size() == 32) meta.hashes.md5 = put.known_hashes.md5;
  return meta;
}

}  // namespace cloudsync::azure
