// Tree sync between two storage URLs: plans (cloudsync_plan_sync, _json, _apply, _free) and
// cloudsync_sync_urls, which plans and applies in one pass.
#include <algorithm>

#include "capi_internal.hpp"
#include "cloudsync/sync.hpp"
#include "core/error.hpp"

using namespace cloudsync;

namespace {

const std::initializer_list<std::string_view> kSyncKeys = {"delete_extraneous", "folders", "checksum", "source_options",
                                                           "destination_options"};
const std::initializer_list<std::string_view> kApplyKeys = {"dry_run", "transfers", "small_file_transfers",
                                                            "download_streams", "max_delete"};
// cloudsync_sync_urls takes both.
const std::initializer_list<std::string_view> kSyncAndApplyKeys = {
    "delete_extraneous",   "folders",   "checksum",  "source_options",
    "destination_options", "dry_run",   "transfers", "small_file_transfers",
    "download_streams",    "max_delete"};

struct Ends {
  std::shared_ptr<StorageBackend> source, destination;
};

// The planning half of a request: what to compare, and both ends opened.
Result<Ends> read_sync_request(const rapidjson::Document& doc, std::string_view what, const char* source_url,
                               const char* destination_url, SyncOptions& sync) {
  CLOUDSYNC_ASSIGN_OR_RETURN(auto del, json_bool(doc, "delete_extraneous", what));
  sync.delete_extraneous = del.value_or(false);
  CLOUDSYNC_ASSIGN_OR_RETURN(auto checksum, json_bool(doc, "checksum", what));
  sync.checksum = checksum.value_or(false);
  CLOUDSYNC_ASSIGN_OR_RETURN(sync.folders, json_string_array(doc, "folders", what));
  CLOUDSYNC_ASSIGN_OR_RETURN(BackendOptions src_opts, capi::options_member(doc, "source_options", what));
  CLOUDSYNC_ASSIGN_OR_RETURN(BackendOptions dst_opts, capi::options_member(doc, "destination_options", what));
  Ends ends;
  CLOUDSYNC_ASSIGN_OR_RETURN(ends.source, open_backend(source_url, src_opts));
  CLOUDSYNC_ASSIGN_OR_RETURN(ends.destination, open_backend(destination_url, dst_opts));
  return ends;
}

// The applying half: how, and how much at once.
Result<ApplyOptions> read_apply_request(const rapidjson::Document& doc, std::string_view what) {
  ApplyOptions apply;
  CLOUDSYNC_ASSIGN_OR_RETURN(auto dry, json_bool(doc, "dry_run", what));
  apply.dry_run = dry.value_or(false);
  CLOUDSYNC_ASSIGN_OR_RETURN(auto transfers, capi::uint_member(doc, "transfers", what));
  if (transfers) apply.transfers = static_cast<uint32_t>(std::clamp<uint64_t>(*transfers, 1, 1024));
  CLOUDSYNC_ASSIGN_OR_RETURN(auto small, capi::uint_member(doc, "small_file_transfers", what));
  if (small) apply.small_file_transfers = static_cast<uint32_t>(std::clamp<uint64_t>(*small, 1, 1024));
  CLOUDSYNC_ASSIGN_OR_RETURN(auto streams, capi::uint_member(doc, "download_streams", what));
  if (streams) apply.download_streams = static_cast<uint32_t>(std::clamp<uint64_t>(*streams, 1, 64));
  CLOUDSYNC_ASSIGN_OR_RETURN(apply.max_delete, capi::uint_member(doc, "max_delete", what));
  return apply;
}

}  // namespace

extern "C" {

int cloudsync_plan_sync(const char* source_url, const char* destination_url, const char* options_json,
                        cloudsync_plan** out) {
  if (out != nullptr) *out = nullptr;
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(source_url, "source_url"));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(destination_url, "destination_url"));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(out, "out"));
    std::string_view what = "sync options";
    CLOUDSYNC_ASSIGN_OR_RETURN(rapidjson::Document doc, capi::parse_request(options_json, what, kSyncKeys));
    SyncOptions sync;
    CLOUDSYNC_ASSIGN_OR_RETURN(Ends ends, read_sync_request(doc, what, source_url, destination_url, sync));
    auto handle = std::make_unique<cloudsync_plan>();
    handle->source = std::move(ends.source);
    handle->destination = std::move(ends.destination);
    CLOUDSYNC_ASSIGN_OR_RETURN(handle->plan, plan_sync(*handle->source, *handle->destination, sync));
    *out = handle.release();
    return Status::OK();
  });
}

int cloudsync_sync_urls(const char* source_url, const char* destination_url, const char* options_json,
                        cloudsync_progress_fn progress, void* user, cloudsync_cancel* cancel, char** summary_json) {
  if (summary_json != nullptr) *summary_json = nullptr;
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(source_url, "source_url"));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(destination_url, "destination_url"));
    std::string_view what = "sync options";
    CLOUDSYNC_ASSIGN_OR_RETURN(rapidjson::Document doc, capi::parse_request(options_json, what, kSyncAndApplyKeys));
    SyncOptions sync;
    CLOUDSYNC_ASSIGN_OR_RETURN(Ends ends, read_sync_request(doc, what, source_url, destination_url, sync));
    CLOUDSYNC_ASSIGN_OR_RETURN(ApplyOptions apply, read_apply_request(doc, what));
    CLOUDSYNC_ASSIGN_OR_RETURN(SyncSummary summary,
                               run_sync(*ends.source, *ends.destination, sync, apply, {},
                                        capi::progress_adapter(progress, user), capi::token_of(cancel)));
    if (summary_json != nullptr) capi::hand_out(summary_json, summary_to_json(summary));
    return summary.first_error;
  });
}

int cloudsync_plan_json(const cloudsync_plan* plan, char** out_json) {
  if (out_json != nullptr) *out_json = nullptr;
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(plan, "plan"));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(out_json, "out_json"));
    capi::hand_out(out_json, plan_to_json(plan->plan));
    return Status::OK();
  });
}

int cloudsync_plan_apply(cloudsync_plan* plan, const char* options_json, cloudsync_progress_fn progress, void* user,
                         cloudsync_cancel* cancel, char** report_json) {
  if (report_json != nullptr) *report_json = nullptr;
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(plan, "plan"));
    if (!plan->connection_id.empty()) {
      // Its ends are the connection's, opened with the catalog's secrets and
      // under its lock: only the catalog can apply it.
      return Status(ErrorCode::InvalidArgument, "this plan belongs to connection '" + plan->connection_id +
                                                    "': apply it with cloudsync_connection_sync");
    }
    std::string_view what = "apply options";
    CLOUDSYNC_ASSIGN_OR_RETURN(rapidjson::Document doc, capi::parse_request(options_json, what, kApplyKeys));
    CLOUDSYNC_ASSIGN_OR_RETURN(ApplyOptions apply, read_apply_request(doc, what));
    CLOUDSYNC_ASSIGN_OR_RETURN(SyncReport report,
                               apply_plan(plan->plan, *plan->source, *plan->destination, apply,
                                          capi::progress_adapter(progress, user), capi::token_of(cancel)));
    capi::hand_out(report_json, report_to_json(report));
    return report.first_error();
  });
}

void cloudsync_plan_free(cloudsync_plan* plan) { delete plan; }

}  // extern "C"
