// Tree-sync plans between two storage URLs: cloudsync_plan_sync, _json, _apply, _free.
#include <algorithm>

#include "capi_internal.hpp"
#include "cloudsync/sync.hpp"
#include "core/error.hpp"

using namespace cloudsync;

extern "C" {

int cloudsync_plan_sync(const char* source_url, const char* destination_url, const char* options_json,
                        cloudsync_plan** out) {
  if (out != nullptr) *out = nullptr;
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(source_url, "source_url"));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(destination_url, "destination_url"));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(out, "out"));
    std::string_view what = "sync options";
    CLOUDSYNC_ASSIGN_OR_RETURN(rapidjson::Document doc, capi::parse_request(options_json, what,
                                                                            {"delete_extraneous", "folders", "checksum",
                                                                             "source_options", "destination_options"}));
    SyncOptions sync;
    CLOUDSYNC_ASSIGN_OR_RETURN(auto del, json_bool(doc, "delete_extraneous", what));
    sync.delete_extraneous = del.value_or(false);
    CLOUDSYNC_ASSIGN_OR_RETURN(auto checksum, json_bool(doc, "checksum", what));
    sync.checksum = checksum.value_or(false);
    CLOUDSYNC_ASSIGN_OR_RETURN(sync.folders, json_string_array(doc, "folders", what));
    CLOUDSYNC_ASSIGN_OR_RETURN(BackendOptions src_opts, capi::options_member(doc, "source_options", what));
    CLOUDSYNC_ASSIGN_OR_RETURN(BackendOptions dst_opts, capi::options_member(doc, "destination_options", what));
    auto handle = std::make_unique<cloudsync_plan>();
    CLOUDSYNC_ASSIGN_OR_RETURN(handle->source, open_backend(source_url, src_opts));
    CLOUDSYNC_ASSIGN_OR_RETURN(handle->destination, open_backend(destination_url, dst_opts));
    CLOUDSYNC_ASSIGN_OR_RETURN(handle->plan, plan_sync(*handle->source, *handle->destination, sync));
    *out = handle.release();
    return Status::OK();
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
    CLOUDSYNC_ASSIGN_OR_RETURN(
        rapidjson::Document doc,
        capi::parse_request(options_json, what,
                            {"dry_run", "transfers", "small_file_transfers", "download_streams", "max_delete"}));
    ApplyOptions apply;
    CLOUDSYNC_ASSIGN_OR_RETURN(auto dry, json_bool(doc, "dry_run", what));
    apply.dry_run = dry.value_or(false);
    CLOUDSYNC_ASSIGN_OR_RETURN(auto transfers, capi::uint_member(doc, "transfers", what));
    if (transfers) apply.transfers = static_cast<uint32_t>(std::max<uint64_t>(*transfers, 1));
    CLOUDSYNC_ASSIGN_OR_RETURN(auto small, capi::uint_member(doc, "small_file_transfers", what));
    if (small) apply.small_file_transfers = static_cast<uint32_t>(std::clamp<uint64_t>(*small, 1, 1024));
    CLOUDSYNC_ASSIGN_OR_RETURN(auto streams, capi::uint_member(doc, "download_streams", what));
    if (streams) apply.download_streams = static_cast<uint32_t>(std::clamp<uint64_t>(*streams, 1, 64));
    CLOUDSYNC_ASSIGN_OR_RETURN(apply.max_delete, capi::uint_member(doc, "max_delete", what));
    CLOUDSYNC_ASSIGN_OR_RETURN(SyncReport report,
                               apply_plan(plan->plan, *plan->source, *plan->destination, apply,
                                          capi::progress_adapter(progress, user), capi::token_of(cancel)));
    capi::hand_out(report_json, report_to_json(report));
    return report.first_error();
  });
}

void cloudsync_plan_free(cloudsync_plan* plan) { delete plan; }

}  // extern "C"
