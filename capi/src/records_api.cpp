// cloudsync_catalog_export_* and cloudsync_export_scheduler_*: scheduled
// incremental record export (cloudsync/records.hpp) for C hosts, and
// cloudsync_catalog_record_source_register: a host's own record source as a
// callback.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "capi_internal.hpp"
#include "catalog/export_job_json.hpp"
#include "cloudsync/records.hpp"
#include "core/error.hpp"
#include "core/time.hpp"

/// One page a host's record source fills (cloudsync_record_page_add).
struct cloudsync_record_page {
  const cloudsync::RecordVisitor* visit = nullptr;
  size_t added = 0;
  size_t max_records = 0;
  cloudsync::Status failure;  ///< the first refused record or visitor error
};

struct cloudsync_export_scheduler {
  std::unique_ptr<cloudsync::ExportScheduler> scheduler;
};

using namespace cloudsync;

namespace {

Result<std::optional<TimePoint>> time_member(const rapidjson::Value& obj, const char* key, std::string_view what) {
  CLOUDSYNC_ASSIGN_OR_RETURN(auto text, json_string(obj, key, what));
  if (!text) return std::optional<TimePoint>();
  auto parsed = parse_rfc3339(*text);
  if (!parsed.ok()) {
    return make_error(ErrorCode::InvalidArgument, "{}: \"{}\" is not an RFC 3339 time: {}", what, key,
                      parsed.status().message());
  }
  return std::optional<TimePoint>(*parsed);
}

Result<std::optional<std::chrono::seconds>> seconds_member(const rapidjson::Value& obj, const char* key,
                                                           std::string_view what) {
  CLOUDSYNC_ASSIGN_OR_RETURN(auto n, capi::uint_member(obj, key, what));
  if (!n) return std::optional<std::chrono::seconds>();
  return std::optional<std::chrono::seconds>(std::chrono::seconds(std::min<uint64_t>(*n, INT32_MAX)));
}

// "models" (required) through the catalog's own reader of them.
Result<std::vector<ModelSpec>> models_member(const rapidjson::Value& doc, std::string_view what) {
  auto it = doc.FindMember("models");
  if (it == doc.MemberEnd()) return make_error(ErrorCode::InvalidArgument, "{}: \"models\" is required", what);
  return read_models_json(it->value, what);
}

// An "options" member, when present, read over `into`.
Status options_member(const rapidjson::Value& doc, std::string_view what, RecordExportOptions& into) {
  auto it = doc.FindMember("options");
  if (it == doc.MemberEnd() || it->value.IsNull()) return Status::OK();
  CLOUDSYNC_ASSIGN_OR_RETURN(into, read_options_json(it->value, what, into));
  return Status::OK();
}

Result<uint32_t> frequency_of(uint64_t hours, std::string_view what) {
  if (hours > UINT32_MAX) return make_error(ErrorCode::InvalidArgument, "{}: \"frequency_hours\" is too large", what);
  return static_cast<uint32_t>(hours);
}

Result<ExportJobSpec> job_spec(const char* spec_json) {
  std::string_view what = "export job";
  CLOUDSYNC_ASSIGN_OR_RETURN(rapidjson::Document doc,
                             capi::parse_request(spec_json, what,
                                                 {"name", "integration", "prefix", "frequency_hours", "models",
                                                  "options", "first_run_delay_s"}));
  ExportJobSpec spec;
  CLOUDSYNC_ASSIGN_OR_RETURN(auto name, json_string(doc, "name", what));
  spec.name = name.value_or("");
  CLOUDSYNC_ASSIGN_OR_RETURN(auto integration, json_string(doc, "integration", what));
  spec.integration = integration.value_or("");
  CLOUDSYNC_ASSIGN_OR_RETURN(auto prefix, json_string(doc, "prefix", what));
  spec.prefix = prefix.value_or("");
  CLOUDSYNC_ASSIGN_OR_RETURN(auto hours, capi::uint_member(doc, "frequency_hours", what));
  if (hours) {
    CLOUDSYNC_ASSIGN_OR_RETURN(spec.frequency_hours, frequency_of(*hours, what));
  }
  CLOUDSYNC_ASSIGN_OR_RETURN(auto delay, seconds_member(doc, "first_run_delay_s", what));
  if (delay) spec.first_run_delay = *delay;
  CLOUDSYNC_ASSIGN_OR_RETURN(spec.models, models_member(doc, what));
  CLOUDSYNC_RETURN_IF_ERROR(options_member(doc, what, spec.options));
  return spec;
}

Result<ExportJobUpdate> job_update(const char* update_json, const ExportJob& current) {
  std::string_view what = "export job update";
  CLOUDSYNC_ASSIGN_OR_RETURN(
      rapidjson::Document doc,
      capi::parse_request(update_json, what, {"name", "frequency_hours", "models", "options", "enabled"}));
  ExportJobUpdate update;
  CLOUDSYNC_ASSIGN_OR_RETURN(update.name, json_string(doc, "name", what));
  CLOUDSYNC_ASSIGN_OR_RETURN(auto hours, capi::uint_member(doc, "frequency_hours", what));
  if (hours) {
    CLOUDSYNC_ASSIGN_OR_RETURN(update.frequency_hours, frequency_of(*hours, what));
  }
  if (doc.HasMember("models") && !doc["models"].IsNull()) {
    CLOUDSYNC_ASSIGN_OR_RETURN(update.models, models_member(doc, what));
  }
  if (doc.HasMember("options") && !doc["options"].IsNull()) {
    // Options given in part change only those fields.
    RecordExportOptions options = current.options;
    CLOUDSYNC_RETURN_IF_ERROR(options_member(doc, what, options));
    update.options = options;
  }
  CLOUDSYNC_ASSIGN_OR_RETURN(update.enabled, json_bool(doc, "enabled", what));
  return update;
}

Result<RunDueOptions> run_options(const char* options_json, TimePoint& now) {
  std::string_view what = "export run options";
  CLOUDSYNC_ASSIGN_OR_RETURN(rapidjson::Document doc,
                             capi::parse_request(options_json, what, {"now", "owner", "lease_s"}));
  RunDueOptions options;
  CLOUDSYNC_ASSIGN_OR_RETURN(auto at, time_member(doc, "now", what));
  now = at.value_or(now_utc());
  // A window opened at another time than now still leases on the real clock.
  if (at) options.lease_clock = ExportClock::system();
  CLOUDSYNC_ASSIGN_OR_RETURN(auto owner, json_string(doc, "owner", what));
  if (owner) options.owner = *owner;
  CLOUDSYNC_ASSIGN_OR_RETURN(auto lease, seconds_member(doc, "lease_s", what));
  if (lease) options.lease = std::max(*lease, std::chrono::seconds(1));
  return options;
}

Result<ExportRunFilter> run_filter(const char* filter_json) {
  std::string_view what = "export history filter";
  CLOUDSYNC_ASSIGN_OR_RETURN(rapidjson::Document doc,
                             capi::parse_request(filter_json, what, {"job", "state", "since", "until"}));
  ExportRunFilter filter;
  CLOUDSYNC_ASSIGN_OR_RETURN(filter.job, json_string(doc, "job", what));
  CLOUDSYNC_ASSIGN_OR_RETURN(filter.since, time_member(doc, "since", what));
  CLOUDSYNC_ASSIGN_OR_RETURN(filter.until, time_member(doc, "until", what));
  CLOUDSYNC_ASSIGN_OR_RETURN(auto state, json_string(doc, "state", what));
  if (state) {
    for (ExportRunState s : {ExportRunState::Running, ExportRunState::Succeeded, ExportRunState::Failed}) {
      if (export_run_state_name(s) == *state) filter.state = s;
    }
    if (!filter.state) {
      return make_error(ErrorCode::InvalidArgument, "{}: \"state\" must be \"running\", \"succeeded\" or \"failed\"",
                        what);
    }
  }
  return filter;
}

std::string jobs_json(const std::vector<ExportJob>& jobs) {
  std::string out = "[";
  for (size_t i = 0; i < jobs.size(); ++i) out += (i > 0 ? "," : "") + export_job_to_json(jobs[i]);
  return out + "]";
}

std::string runs_json(const std::vector<ExportRun>& runs) {
  std::string out = "[";
  for (size_t i = 0; i < runs.size(); ++i) out += (i > 0 ? "," : "") + export_run_to_json(runs[i]);
  return out + "]";
}

// The request a host's callback reads: {"after": {"updated_at", "id"} | null,
// "upper": RFC 3339, "max_records", "ids_as_strings"}.
std::string page_request_json(const RecordPageRequest& request) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  json_write_key(w, "after");
  if (request.after) {
    w.StartObject();
    json_write_key(w, "updated_at");
    json_write_string(w, request.after->updated_at);
    json_write_key(w, "id");
    w.RawValue(request.after->id.data(), request.after->id.size(), rapidjson::kNumberType);
    w.EndObject();
  } else {
    w.Null();
  }
  json_write_time(w, "upper", request.upper);
  json_write_key(w, "max_records");
  w.Uint64(request.max_records);
  json_write_key(w, "ids_as_strings");
  w.Bool(request.ids_as_strings);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

// A host's source: each page is one call of its callback, which hands the
// records over with cloudsync_record_page_add.
class CallbackRecordSource final : public RecordSource {
 public:
  CallbackRecordSource(std::string name, cloudsync_record_read_fn records, cloudsync_record_read_fn deletions,
                       void* user)
      : name_(std::move(name)), records_(records), deletions_(deletions), user_(user) {}

  Result<size_t> read_page(const RecordPageRequest& request, const RecordVisitor& visit,
                           const CancelToken* cancel) override {
    return call(records_, "records", request, visit, cancel);
  }
  Result<size_t> read_deletions(const RecordPageRequest& request, const RecordVisitor& visit,
                                const CancelToken* cancel) override {
    if (deletions_ == nullptr) return size_t{0};
    return call(deletions_, "deletions", request, visit, cancel);
  }
  bool has_deletions() const override { return deletions_ != nullptr; }

 private:
  Result<size_t> call(cloudsync_record_read_fn fn, std::string_view what, const RecordPageRequest& request,
                      const RecordVisitor& visit, const CancelToken* cancel) {
    if (cancel != nullptr && cancel->is_cancelled()) return Status(ErrorCode::Cancelled, "record export cancelled");
    cloudsync_record_page page;
    page.visit = &visit;
    page.max_records = request.max_records;
    const std::string request_json = page_request_json(request);
    int rc = CLOUDSYNC_OK;
    try {
      rc = fn(request_json.c_str(), &page, user_);
    } catch (...) {
      rc = CLOUDSYNC_EINTERNAL;
    }
    if (!page.failure.ok()) return page.failure;
    if (rc != CLOUDSYNC_OK) {
      return make_error(capi::error_code_of(rc), "record source '{}' failed reading {} (code {})", name_, what, rc);
    }
    return page.added;
  }

  std::string name_;
  cloudsync_record_read_fn records_;
  cloudsync_record_read_fn deletions_;
  void* user_;
};

bool is_json_id(std::string_view id) {
  auto doc = parse_json(id, "record id");
  return doc.ok() && (doc->IsString() || doc->IsInt64() || doc->IsUint64());
}

}  // namespace

extern "C" {

int cloudsync_record_page_add(cloudsync_record_page* page, const char* updated_at, const char* id_json,
                              const char* record_json) {
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(page, "page"));
    if (!page->failure.ok()) return page->failure;
    Status refused;
    if (updated_at == nullptr || *updated_at == '\0') {
      refused = Status(ErrorCode::InvalidArgument, "a record needs its updated_at");
    } else if (id_json == nullptr || !is_json_id(id_json)) {
      refused = Status(ErrorCode::InvalidArgument, "a record's id must be a JSON integer or string");
    } else if (page->added >= page->max_records) {
      refused = make_error(ErrorCode::InvalidArgument, "a page holds at most {} records", page->max_records);
    } else {
      std::string_view json = record_json != nullptr ? std::string_view(record_json) : std::string_view("{}");
      auto parsed = parse_json(json, "record");
      if (!parsed.ok() || !parsed->IsObject()) {
        refused = Status(ErrorCode::InvalidArgument, "a record must be one JSON object");
      } else {
        refused = (*page->visit)(RecordView{updated_at, id_json, json});
      }
    }
    if (!refused.ok()) {
      page->failure = refused;
      return refused;
    }
    ++page->added;
    return Status::OK();
  });
}

int cloudsync_record_page_fail(cloudsync_record_page* page, int code, const char* message) {
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(page, "page"));
    if (page->failure.ok()) {
      const ErrorCode kind = code == CLOUDSYNC_OK ? ErrorCode::Internal : capi::error_code_of(code);
      page->failure = Status(kind, message != nullptr && *message != '\0' ? message : "the record source failed");
    }
    return Status::OK();
  });
}

int cloudsync_catalog_record_source_register(cloudsync_catalog* cat, const char* name,
                                             cloudsync_record_read_fn read_records,
                                             cloudsync_record_read_fn read_deletions, void* user) {
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_catalog(cat));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(name, "name"));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(reinterpret_cast<const void*>(read_records), "read_records"));
    std::string source_name = name;
    return cat->catalog->register_record_source(
        source_name, [source_name, read_records, read_deletions, user](const SourceSpec&) {
          return Result<std::unique_ptr<RecordSource>>(
              std::make_unique<CallbackRecordSource>(source_name, read_records, read_deletions, user));
        });
  });
}

int cloudsync_catalog_export_job_create(cloudsync_catalog* cat, const char* spec_json, char** out_json) {
  if (out_json != nullptr) *out_json = nullptr;
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_catalog(cat));
    CLOUDSYNC_ASSIGN_OR_RETURN(ExportJobSpec spec, job_spec(spec_json));
    CLOUDSYNC_ASSIGN_OR_RETURN(ExportJob job, cat->catalog->create_export_job(spec));
    capi::hand_out(out_json, export_job_to_json(job));
    return Status::OK();
  });
}

int cloudsync_catalog_export_job_get(cloudsync_catalog* cat, const char* id_or_name, char** out_json) {
  if (out_json != nullptr) *out_json = nullptr;
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_catalog(cat));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(id_or_name, "id_or_name"));
    CLOUDSYNC_ASSIGN_OR_RETURN(ExportJob job, cat->catalog->export_job(id_or_name));
    capi::hand_out(out_json, export_job_to_json(job));
    return Status::OK();
  });
}

int cloudsync_catalog_export_job_list(cloudsync_catalog* cat, uint64_t first, uint64_t skip, char** out_json) {
  if (out_json != nullptr) *out_json = nullptr;
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_catalog(cat));
    CLOUDSYNC_ASSIGN_OR_RETURN(auto jobs, cat->catalog->export_jobs(capi::page_of(first, skip)));
    capi::hand_out(out_json, jobs_json(jobs));
    return Status::OK();
  });
}

int cloudsync_catalog_export_job_update(cloudsync_catalog* cat, const char* id_or_name, const char* update_json,
                                        char** out_json) {
  if (out_json != nullptr) *out_json = nullptr;
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_catalog(cat));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(id_or_name, "id_or_name"));
    CLOUDSYNC_ASSIGN_OR_RETURN(ExportJob current, cat->catalog->export_job(id_or_name));
    CLOUDSYNC_ASSIGN_OR_RETURN(ExportJobUpdate update, job_update(update_json, current));
    CLOUDSYNC_ASSIGN_OR_RETURN(ExportJob job, cat->catalog->update_export_job(current.id, update));
    capi::hand_out(out_json, export_job_to_json(job));
    return Status::OK();
  });
}

int cloudsync_catalog_export_job_delete(cloudsync_catalog* cat, const char* id_or_name) {
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_catalog(cat));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(id_or_name, "id_or_name"));
    return cat->catalog->delete_export_job(id_or_name);
  });
}

int cloudsync_catalog_export_job_run(cloudsync_catalog* cat, const char* id_or_name, const char* options_json,
                                     cloudsync_cancel* cancel, char** out_json) {
  if (out_json != nullptr) *out_json = nullptr;
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_catalog(cat));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(id_or_name, "id_or_name"));
    TimePoint now;
    CLOUDSYNC_ASSIGN_OR_RETURN(RunDueOptions options, run_options(options_json, now));
    options.cancel = capi::token_of(cancel);
    CLOUDSYNC_ASSIGN_OR_RETURN(ExportRun run, cat->catalog->run_export_job(id_or_name, now, options));
    capi::hand_out(out_json, export_run_to_json(run));
    // A run that failed is recorded (and handed out); its error is the call's.
    if (run.state == ExportRunState::Failed) return Status(run.error_code, run.error_message);
    return Status::OK();
  });
}

int cloudsync_catalog_export_run_due(cloudsync_catalog* cat, const char* options_json, cloudsync_cancel* cancel,
                                     char** out_json) {
  if (out_json != nullptr) *out_json = nullptr;
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_catalog(cat));
    TimePoint now;
    CLOUDSYNC_ASSIGN_OR_RETURN(RunDueOptions options, run_options(options_json, now));
    options.cancel = capi::token_of(cancel);
    CLOUDSYNC_ASSIGN_OR_RETURN(auto runs, cat->catalog->run_due_exports(now, options));
    capi::hand_out(out_json, runs_json(runs));
    return Status::OK();
  });
}

int cloudsync_catalog_export_history(cloudsync_catalog* cat, const char* filter_json, uint64_t first, uint64_t skip,
                                     char** out_json) {
  if (out_json != nullptr) *out_json = nullptr;
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_catalog(cat));
    CLOUDSYNC_ASSIGN_OR_RETURN(ExportRunFilter filter, run_filter(filter_json));
    CLOUDSYNC_ASSIGN_OR_RETURN(auto runs, cat->catalog->export_runs(filter, capi::page_of(first, skip)));
    capi::hand_out(out_json, runs_json(runs));
    return Status::OK();
  });
}

int cloudsync_catalog_export_history_count(cloudsync_catalog* cat, const char* filter_json, uint64_t* out_count) {
  if (out_count != nullptr) *out_count = 0;
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_catalog(cat));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(out_count, "out_count"));
    CLOUDSYNC_ASSIGN_OR_RETURN(ExportRunFilter filter, run_filter(filter_json));
    CLOUDSYNC_ASSIGN_OR_RETURN(*out_count, cat->catalog->count_export_runs(filter));
    return Status::OK();
  });
}

int cloudsync_export_scheduler_start(cloudsync_catalog* cat, const char* options_json, cloudsync_export_run_fn on_run,
                                     void* user, cloudsync_export_scheduler** out) {
  if (out != nullptr) *out = nullptr;
  return capi::guarded([&]() -> Status {
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_catalog(cat));
    CLOUDSYNC_RETURN_IF_ERROR(capi::require_arg(out, "out"));
    std::string_view what = "export scheduler options";
    CLOUDSYNC_ASSIGN_OR_RETURN(rapidjson::Document doc,
                               capi::parse_request(options_json, what, {"poll_s", "owner", "lease_s"}));
    SchedulerOptions options;
    CLOUDSYNC_ASSIGN_OR_RETURN(auto poll, seconds_member(doc, "poll_s", what));
    if (poll) options.poll = std::max(*poll, std::chrono::seconds(1));
    CLOUDSYNC_ASSIGN_OR_RETURN(auto owner, json_string(doc, "owner", what));
    if (owner) options.run.owner = *owner;
    CLOUDSYNC_ASSIGN_OR_RETURN(auto lease, seconds_member(doc, "lease_s", what));
    if (lease) options.run.lease = std::max(*lease, std::chrono::seconds(1));
    if (on_run != nullptr) {
      // Nothing may unwind into the scheduler's thread.
      options.on_run = [on_run, user](const ExportRun& run) {
        std::string json;
        try {
          json = export_run_to_json(run);
        } catch (...) {
          return;
        }
        on_run(json.c_str(), user);
      };
    }
    auto handle = std::make_unique<cloudsync_export_scheduler>();
    CLOUDSYNC_ASSIGN_OR_RETURN(handle->scheduler, ExportScheduler::start(cat->catalog, std::move(options)));
    *out = handle.release();
    return Status::OK();
  });
}

void cloudsync_export_scheduler_stop(cloudsync_export_scheduler* scheduler) {
  if (scheduler != nullptr && scheduler->scheduler) scheduler->scheduler->stop();
}

void cloudsync_export_scheduler_free(cloudsync_export_scheduler* scheduler) { delete scheduler; }

}  // extern "C"
