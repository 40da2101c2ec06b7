// The Catalog's record export jobs: creation with validation, reading,
// changes, removal, the history and the JSON forms. Running them is in
// catalog_export_runs.cpp.
#include <set>

#include "catalog/export_job_json.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/json.hpp"
#include "core/time.hpp"
#include "engine/catalog_impl.hpp"
#include "engine/scope.hpp"
#include "records/export_names.hpp"
#include "records/export_schedule.hpp"
#include "records/source_passwords.hpp"

namespace cloudsync {

namespace {

constexpr uint32_t kMaxFrequencyHours = 168;

Status check_source(const ModelSpec& model) {
  const SourceSpec& s = model.source;
  auto bad = [&](std::string_view why) {
    return make_error(ErrorCode::InvalidArgument, "model '{}': {}", model.name, why);
  };
  if (s.database.empty()) return bad("the source names no database");
  if (s.kind == SourceSpec::Kind::Registered) return Status::OK();
  if (s.table.empty()) return bad("the source names no table");
  if (s.id_column.empty() || s.updated_column.empty())
    return bad("the source's id and updated-at columns are required");
  if (s.kind == SourceSpec::Kind::SQLite && s.updated_format != "text" && s.updated_format != "unix_seconds" &&
      s.updated_format != "unix_millis") {
    return bad("updated_format is 'text', 'unix_seconds' or 'unix_millis'");
  }
  if (!s.deletes_table.empty() && (s.deletes_id_column.empty() || s.deletes_updated_column.empty())) {
    return bad("the delete feed's id and deleted-at columns are required");
  }
  return Status::OK();
}

Status check_models(const std::vector<ModelSpec>& models) {
  if (models.empty()) return make_error(ErrorCode::InvalidArgument, "an export job needs at least one model");
  std::set<std::string> seen;
  for (const ModelSpec& m : models) {
    CLOUDSYNC_RETURN_IF_ERROR(check_model_name(m.name));
    if (!seen.insert(m.name).second)
      return make_error(ErrorCode::InvalidArgument, "model '{}' is listed twice", m.name);
    CLOUDSYNC_RETURN_IF_ERROR(check_source(m));
  }
  return Status::OK();
}

Status check_frequency(uint32_t hours) {
  if (hours < 1 || hours > kMaxFrequencyHours) {
    return make_error(ErrorCode::InvalidArgument, "an export job runs every 1 to {} hours, not {}", kMaxFrequencyHours,
                      hours);
  }
  return Status::OK();
}

Status check_options(const RecordExportOptions& o) {
  if (o.visibility_lag.count() < 0) return make_error(ErrorCode::InvalidArgument, "visibility_lag cannot be negative");
  if (o.max_file_rows == 0 || o.max_file_bytes == 0 || o.page_records == 0) {
    return make_error(ErrorCode::InvalidArgument, "max_file_rows, max_file_bytes and page_records must be positive");
  }
  return Status::OK();
}

/// The models without their passwords, and the passwords by model.
Result<std::pair<std::vector<ModelSpec>, SecretOptions>> take_passwords(std::vector<ModelSpec> models) {
  SecretOptions passwords;
  for (ModelSpec& m : models) {
    if (m.source.kind != SourceSpec::Kind::PostgreSQL) continue;
    auto split = split_conninfo_password(m.source.database);
    if (!split.ok()) return split.status().with_context(fmt::format("model '{}'", m.name));
    m.source.database = std::move(split->conninfo);
    if (split->password) passwords[m.name] = std::move(*split->password);
  }
  return std::make_pair(std::move(models), std::move(passwords));
}

std::string normalised_prefix(std::string prefix) {
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  while (!prefix.empty() && prefix.front() == '/') prefix.erase(0, 1);
  return prefix;
}

Result<ExportRunQuery> resolve_query(const Catalog::Impl& impl, const ExportRunFilter& filter) {
  ExportRunQuery q;
  q.state = filter.state;
  q.since = filter.since;
  q.until = filter.until;
  if (filter.job) {
    CLOUDSYNC_ASSIGN_OR_RETURN(auto job, impl.store->find_export_job(*filter.job));
    if (!job) return make_error(ErrorCode::NotFound, "no export job with the id or name '{}'", *filter.job);
    q.job_id = job->job.id;
  }
  return q;
}

Result<StoredExportJob> require_job(const Catalog::Impl& impl, std::string_view id_or_name) {
  CLOUDSYNC_ASSIGN_OR_RETURN(auto job, impl.store->find_export_job(std::string(id_or_name)));
  if (!job) return make_error(ErrorCode::NotFound, "no export job with the id or name '{}'", id_or_name);
  return std::move(*job);
}

}  // namespace

std::string_view export_job_status_name(ExportJobStatus status) {
  switch (status) {
    case ExportJobStatus::Active: return "ACTIVE";
    case ExportJobStatus::Running: return "RUNNING";
    case ExportJobStatus::Failed: return "FAILED";
    case ExportJobStatus::Disabled: return "DISABLED";
  }
  return "ACTIVE";
}

std::string_view export_run_state_name(ExportRunState state) {
  switch (state) {
    case ExportRunState::Running: return "running";
    case ExportRunState::Succeeded: return "succeeded";
    case ExportRunState::Failed: return "failed";
  }
  return "running";
}

Result<ExportJob> Catalog::create_export_job(const ExportJobSpec& spec) {
  if (spec.name.empty()) return make_error(ErrorCode::InvalidArgument, "an export job needs a name");
  CLOUDSYNC_RETURN_IF_ERROR(check_frequency(spec.frequency_hours));
  CLOUDSYNC_RETURN_IF_ERROR(check_models(spec.models));
  CLOUDSYNC_RETURN_IF_ERROR(check_options(spec.options));
  if (spec.first_run_delay.count() < 0) {
    return make_error(ErrorCode::InvalidArgument, "first_run_delay cannot be negative");
  }
  CLOUDSYNC_ASSIGN_OR_RETURN(Integration integ, impl_->require_integration(spec.integration));
  if (!integ.spec.writeback) {
    return make_error(ErrorCode::PermissionDenied, "integration '{}' has no writeback: a record export writes into it",
                      integ.spec.name);
  }
  const std::string prefix = normalised_prefix(spec.prefix);
  if (!prefix.empty()) CLOUDSYNC_RETURN_IF_ERROR(Path::parse(prefix).status());
  CLOUDSYNC_RETURN_IF_ERROR(check_selectors_allowed(integ, {prefix}, "record export"));
  CLOUDSYNC_ASSIGN_OR_RETURN(auto taken, take_passwords(spec.models));

  StoredExportJob stored;
  ExportJob& job = stored.job;
  job.id = random_hex(8);
  job.name = spec.name;
  job.integration_id = integ.id;
  job.prefix = prefix;
  job.frequency_hours = spec.frequency_hours;
  job.models = std::move(taken.first);
  job.options = spec.options;
  job.created_at = now_utc();
  job.next_run_at = job.created_at + spec.first_run_delay;
  stored.first_run_delay = spec.first_run_delay;
  // The passwords first: a job in the database always finds its secrets.
  if (!taken.second.empty())
    CLOUDSYNC_RETURN_IF_ERROR(impl_->secrets.put(export_job_secrets_key(job.id), taken.second));
  Status inserted = impl_->store->insert_export_job(stored);
  if (!inserted.ok()) {
    if (!taken.second.empty()) (void)impl_->secrets.remove(export_job_secrets_key(job.id));
    return inserted;
  }
  return job;
}

Result<ExportJob> Catalog::export_job(std::string_view id_or_name) const {
  CLOUDSYNC_ASSIGN_OR_RETURN(StoredExportJob job, require_job(*impl_, id_or_name));
  return std::move(job.job);
}

Result<std::vector<ExportJob>> Catalog::export_jobs(PageRequest page) const {
  CLOUDSYNC_ASSIGN_OR_RETURN(auto stored, impl_->store->list_export_jobs(page));
  std::vector<ExportJob> out;
  for (StoredExportJob& s : stored) out.push_back(std::move(s.job));
  return out;
}

Result<ExportJob> Catalog::update_export_job(std::string_view id_or_name, const ExportJobUpdate& update) {
  CLOUDSYNC_ASSIGN_OR_RETURN(StoredExportJob stored, require_job(*impl_, id_or_name));
  ExportJob& job = stored.job;
  if (update.name) {
    if (update.name->empty()) return make_error(ErrorCode::InvalidArgument, "an export job needs a name");
    job.name = *update.name;
  }
  if (update.frequency_hours) {
    CLOUDSYNC_RETURN_IF_ERROR(check_frequency(*update.frequency_hours));
    job.frequency_hours = *update.frequency_hours;
    // The schedule keeps its anchor; the next slot follows the new period.
    if (job.first_run_at) job.next_run_at = next_export_slot(*job.first_run_at, job.frequency_hours, now_utc());
  }
  if (update.options) {
    CLOUDSYNC_RETURN_IF_ERROR(check_options(*update.options));
    job.options = *update.options;
  }
  if (update.enabled) stored.enabled = *update.enabled;
  std::optional<SecretOptions> passwords;
  if (update.models) {
    CLOUDSYNC_RETURN_IF_ERROR(check_models(*update.models));
    CLOUDSYNC_ASSIGN_OR_RETURN(auto taken, take_passwords(*update.models));
    // A model given again without a password keeps the one it had.
    CLOUDSYNC_ASSIGN_OR_RETURN(SecretOptions old, impl_->secrets.get(export_job_secrets_key(job.id)));
    for (const ModelSpec& m : taken.first) {
      if (m.source.kind == SourceSpec::Kind::PostgreSQL && !taken.second.count(m.name) && old.count(m.name)) {
        taken.second[m.name] = old[m.name];
      }
    }
    job.models = std::move(taken.first);
    passwords = std::move(taken.second);
  }
  if (passwords) CLOUDSYNC_RETURN_IF_ERROR(impl_->secrets.put(export_job_secrets_key(job.id), *passwords));
  CLOUDSYNC_RETURN_IF_ERROR(impl_->store->update_export_job(stored));
  return export_job(job.id);
}

Status Catalog::delete_export_job(std::string_view id_or_name) {
  CLOUDSYNC_ASSIGN_OR_RETURN(StoredExportJob stored, require_job(*impl_, id_or_name));
  CLOUDSYNC_RETURN_IF_ERROR(impl_->store->delete_export_job(stored.job.id));
  return impl_->secrets.remove(export_job_secrets_key(stored.job.id));
}

Result<std::vector<ExportRun>> Catalog::export_runs(const ExportRunFilter& filter, PageRequest page) const {
  CLOUDSYNC_ASSIGN_OR_RETURN(ExportRunQuery query, resolve_query(*impl_, filter));
  return impl_->store->query_export_runs(query, page);
}

Result<uint64_t> Catalog::count_export_runs(const ExportRunFilter& filter) const {
  CLOUDSYNC_ASSIGN_OR_RETURN(ExportRunQuery query, resolve_query(*impl_, filter));
  return impl_->store->count_export_runs(query);
}

Status Catalog::register_record_source(
    std::string name, std::function<Result<std::unique_ptr<RecordSource>>(const SourceSpec&)> factory) {
  if (name.empty() || !factory) {
    return make_error(ErrorCode::InvalidArgument, "a record source is registered with a name and a factory");
  }
  std::lock_guard lock(impl_->record_sources_mutex);
  impl_->record_sources[std::move(name)] = std::move(factory);
  return Status::OK();
}

std::string export_job_to_json(const ExportJob& job) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("id");
  json_write_string(w, job.id);
  w.Key("name");
  json_write_string(w, job.name);
  w.Key("integration_id");
  json_write_string(w, job.integration_id);
  w.Key("prefix");
  json_write_string(w, job.prefix);
  w.Key("frequency_hours");
  w.Uint(job.frequency_hours);
  w.Key("status");
  json_write_string(w, export_job_status_name(job.status));
  json_write_time(w, "created_at", job.created_at);
  json_write_time(w, "first_run_at", job.first_run_at);
  json_write_time(w, "next_run_at", job.next_run_at);
  w.Key("options");
  write_options_json(w, job.options);
  // Passwords never reach a job's models (create_export_job takes them out);
  // strip again in case a host built this ExportJob itself.
  std::vector<ModelSpec> models = job.models;
  for (ModelSpec& m : models) {
    if (m.source.kind != SourceSpec::Kind::PostgreSQL) continue;
    auto split = split_conninfo_password(m.source.database);
    m.source.database = split.ok() ? split->conninfo : "(unreadable conninfo)";
  }
  w.Key("models");
  write_models_json(w, models);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

std::string export_run_to_json(const ExportRun& run) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("id");
  json_write_string(w, run.id);
  w.Key("job_id");
  json_write_string(w, run.job_id);
  w.Key("attempt");
  w.Uint(run.attempt);
  w.Key("folder");
  json_write_string(w, run.folder);
  w.Key("window_opened");
  json_write_string(w, format_rfc3339(run.window_opened, 6));
  json_write_time(w, "upper_bound", run.upper_bound);
  w.Key("state");
  json_write_string(w, export_run_state_name(run.state));
  json_write_time(w, "started_at", run.started_at);
  json_write_time(w, "finished_at", run.finished_at);
  w.Key("duration_ms");
  w.Int64(run.duration.count());
  for (const auto& [key, value] : {std::pair<const char*, uint64_t>{"rows", run.rows},
                                   {"tombstones", run.tombstones},
                                   {"files", run.files},
                                   {"bytes", run.bytes}}) {
    w.Key(key);
    w.Uint64(value);
  }
  w.Key("models");
  write_model_stats_json(w, run.models);
  w.Key("error");
  if (run.error_code == ErrorCode::Ok) {
    w.Null();
  } else {
    json_write_status(w, Status(run.error_code, run.error_message));
  }
  w.Key("manifest_key");
  json_write_string(w, run.manifest_key);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace cloudsync
