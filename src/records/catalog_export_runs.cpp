// Running record export jobs: claim a job's lease, open (or reuse) its
// window, export it (window_export.hpp), then commit the watermarks with the
// run, or record the failure and when to try the window again.
#include <unistd.h>

#include <chrono>

#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/redact.hpp"
#include "engine/catalog_impl.hpp"
#include "engine/scope.hpp"
#include "records/export_names.hpp"
#include "records/export_schedule.hpp"
#include "records/source_passwords.hpp"
#include "records/window_export.hpp"

namespace cloudsync {

namespace {

std::string default_owner() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return fmt::format("{}:{}", host, static_cast<long>(getpid()));
}

using SteadyTime = std::chrono::steady_clock::time_point;

/// The caller's `now`, advanced by the time since the call began: a call that
/// runs several jobs reaches the later ones that much later, and a lease
/// taken at the call's `now` for them would be born expired.
TimePoint advanced(TimePoint now, SteadyTime call_began) {
  return now + std::chrono::duration_cast<TimePoint::duration>(std::chrono::steady_clock::now() - call_began);
}

/// The time leases are measured at: the lease clock's, or the caller's `now`
/// advanced by the time the call has taken.
TimePoint lease_now(const RunDueOptions& options, TimePoint now, SteadyTime call_began) {
  return options.lease_clock ? options.lease_clock->now() : advanced(now, call_began);
}

/// How the lease's holder is seen by others: it stopped, so its attempt failed.
Status abandoned_run() {
  return make_error(ErrorCode::Cancelled, "the process running it stopped (its lease expired before it finished)");
}

/// One run of a claimed job, from its window to its commit.
class JobRun {
 public:
  /// `now` is the caller's time when the call began (`call_began`).
  JobRun(Catalog::Impl& impl, StoredExportJob job, TimePoint now, SteadyTime call_began, const RunDueOptions& options,
         std::string owner)
      : impl_(impl),
        job_(std::move(job)),
        now_(now),
        call_began_(call_began),
        options_(options),
        owner_(std::move(owner)) {}

  Result<ExportRun> run() {
    auto opened = window_for_run();
    if (!opened.ok()) {
      release_after_error();
      return opened.status();
    }
    StoredExportWindow window = std::move(opened).value();
    window.attempts += 1;
    ExportRun run;
    run.id = random_hex(8);
    run.job_id = job_.job.id;
    run.attempt = window.attempts;
    run.folder = window.folder;
    run.window_opened = window.opened;
    run.upper_bound = window.upper_bound;
    // When the run really ran (the lease clock's time: `now` may be a past window's).
    run.started_at = options_.lease_clock ? options_.lease_clock->now() : now_;
    Status begun = impl_.store->begin_export_run(job_.job.id, owner_, window, now_, run);
    if (!begun.ok()) {
      release_after_error();
      return begun;
    }
    const TimePoint anchor = job_.job.first_run_at.value_or(now_);
    auto exported = export_window_now(window);
    const TimePoint finished = elapsed_now();  // on the caller's clock, which the schedule runs on
    run.finished_at = options_.lease_clock ? options_.lease_clock->now() : finished;
    run.duration = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started_);
    Status outcome = exported.status();
    if (exported.ok()) {
      run.state = ExportRunState::Succeeded;
      run.models = exported->models;
      for (const ModelRunStats& m : run.models) {
        run.rows += m.rows;
        run.tombstones += m.tombstones;
        run.files += m.files;
        run.bytes += m.bytes;
      }
      run.manifest_key = exported->manifest_key;
      const TimePoint next = next_export_slot(anchor, job_.job.frequency_hours, finished);
      outcome = impl_.store->commit_export_run(job_.job.id, owner_, run, exported->watermarks, next);
      if (outcome.ok()) return run;
      // The manifest is written but the catalog did not move: the next
      // attempt of this window adopts the manifest.
      outcome = outcome.with_context("committing the run to the catalog");
    }
    run.state = ExportRunState::Failed;
    run.error_code = outcome.code();
    run.error_message = outcome.message();
    const TimePoint retry = export_retry_at(anchor, job_.job.frequency_hours, run.attempt, finished);
    // A window whose folder another window owns is dropped: the next run opens a new one.
    Status recorded = impl_.store->fail_export_run(job_.job.id, owner_, run, retry, folder_taken_);
    if (!recorded.ok()) return recorded.with_context(fmt::format("recording the failure '{}'", outcome.message()));
    return run;
  }

 private:
  /// The time on the caller's clock, advanced by the time this run took.
  TimePoint elapsed_now() const {
    return now_ + std::chrono::duration_cast<TimePoint::duration>(std::chrono::steady_clock::now() - started_);
  }

  void release_after_error() {
    ExportRun none;
    (void)impl_.store->fail_export_run(job_.job.id, owner_, none, job_.job.next_run_at);
  }

  /// True when the window was opened for the job's models as they are now.
  bool same_models(const StoredExportWindow& window) const {
    if (window.lower_bounds.size() != job_.job.models.size()) return false;
    for (size_t i = 0; i < window.lower_bounds.size(); ++i) {
      if (window.lower_bounds[i].model != job_.job.models[i].name) return false;
    }
    return true;
  }

  /// The unfinished window, or a new one opened at `now`.
  Result<StoredExportWindow> window_for_run() {
    if (job_.window && same_models(*job_.window)) return *job_.window;
    StoredExportWindow w;
    w.opened = now_;
    w.upper_bound = now_ - job_.job.options.visibility_lag;
    w.folder = window_folder_name(now_);
    CLOUDSYNC_ASSIGN_OR_RETURN(std::vector<ModelWatermark> marks, impl_.store->export_watermarks(job_.job.id));
    for (const ModelSpec& m : job_.job.models) {
      ModelWatermark lower{m.name, std::nullopt, std::nullopt};
      for (const ModelWatermark& mark : marks) {
        if (mark.model == m.name) lower = mark;
      }
      w.lower_bounds.push_back(std::move(lower));
    }
    return w;
  }

  Result<std::unique_ptr<RecordSource>> open_source(const ModelSpec& model, const SecretOptions& passwords) {
    SourceSpec spec = model.source;
    if (spec.kind == SourceSpec::Kind::Registered) {
      std::lock_guard lock(impl_.record_sources_mutex);
      auto it = impl_.record_sources.find(spec.database);
      if (it == impl_.record_sources.end()) {
        return make_error(ErrorCode::NotFound, "model '{}': no record source registered as '{}'", model.name,
                          spec.database);
      }
      return it->second(spec);
    }
    if (spec.kind == SourceSpec::Kind::PostgreSQL) {
      auto password = passwords.find(model.name);
      if (password != passwords.end()) {
        // Scrubbed from any message that might quote it (a driver's error).
        register_secret(password->second);
        spec.database = join_conninfo_password(spec.database, password->second);
      }
    }
    return open_record_source(spec);
  }

  /// Renews the lease once a third of it has gone by (between pages and files).
  Status keep_alive() {
    const auto since = std::chrono::steady_clock::now() - last_renewal_;
    if (since < options_.lease / 3) return Status::OK();
    last_renewal_ = std::chrono::steady_clock::now();
    return impl_.store->renew_export_lease(job_.job.id, owner_,
                                           lease_now(options_, now_, call_began_) + options_.lease);
  }

  Result<WindowExportResult> export_window_now(const StoredExportWindow& window) {
    CLOUDSYNC_ASSIGN_OR_RETURN(Integration integ, impl_.require_integration(job_.job.integration_id));
    if (!integ.spec.writeback) {
      return make_error(ErrorCode::PermissionDenied, "integration '{}' no longer has writeback", integ.spec.name);
    }
    // The integration's scope may have narrowed since the job was made.
    CLOUDSYNC_RETURN_IF_ERROR(check_selectors_allowed(integ, {job_.job.prefix}, "record export"));
    CLOUDSYNC_ASSIGN_OR_RETURN(std::shared_ptr<StorageBackend> backend, impl_.open_remote(integ, {}));
    CLOUDSYNC_ASSIGN_OR_RETURN(SecretOptions passwords, impl_.secrets.get(export_job_secrets_key(job_.job.id)));
    std::vector<std::unique_ptr<RecordSource>> sources;
    WindowExportRequest request;
    for (const ModelSpec& m : job_.job.models) {
      CLOUDSYNC_ASSIGN_OR_RETURN(auto source, open_source(m, passwords));
      request.sources.push_back(source.get());
      sources.push_back(std::move(source));
    }
    request.backend = backend.get();
    request.prefix = job_.job.prefix;
    request.window = WindowIdentity{job_.job.id, window.folder, window.opened, window.upper_bound, window.lower_bounds};
    request.options = job_.job.options;
    request.spool_dir = impl_.options.state_dir / "spool" / ("export-" + job_.job.id);
    request.keep_alive = [this] { return keep_alive(); };
    request.cancel = options_.cancel;
    request.folder_taken = &folder_taken_;
    return export_window(request);
  }

  Catalog::Impl& impl_;
  StoredExportJob job_;
  TimePoint now_;
  SteadyTime call_began_;
  const RunDueOptions& options_;
  std::string owner_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_renewal_ = started_;
  bool folder_taken_ = false;
};

std::string owner_of(const RunDueOptions& options) { return options.owner.empty() ? default_owner() : options.owner; }

}  // namespace

Result<ExportRun> Catalog::run_export_job(std::string_view id_or_name, TimePoint now, const RunDueOptions& options) {
  CLOUDSYNC_ASSIGN_OR_RETURN(auto job, impl_->store->find_export_job(std::string(id_or_name)));
  if (!job) return make_error(ErrorCode::NotFound, "no export job with the id or name '{}'", id_or_name);
  const std::string owner = owner_of(options);
  const SteadyTime began = std::chrono::steady_clock::now();
  const TimePoint leased_at = lease_now(options, now, began);
  CLOUDSYNC_ASSIGN_OR_RETURN(ExportJobClaim claim,
                             impl_->store->claim_export_job(job->job.id, owner, now, leased_at,
                                                            leased_at + options.lease, false, abandoned_run()));
  if (claim.outcome == ExportJobClaim::Outcome::Held) {
    return make_error(ErrorCode::Conflict, "export job '{}' is running in another process ({})", job->job.name,
                      claim.held_by);
  }
  return JobRun(*impl_, std::move(claim.job), now, began, options, owner).run();
}

Result<std::vector<ExportRun>> Catalog::run_due_exports(TimePoint now, const RunDueOptions& options) {
  CLOUDSYNC_ASSIGN_OR_RETURN(std::vector<std::string> due, impl_->store->due_export_jobs(now));
  const std::string owner = owner_of(options);
  const SteadyTime began = std::chrono::steady_clock::now();
  std::vector<ExportRun> runs;
  for (const std::string& id : due) {
    if (options.cancel != nullptr && options.cancel->is_cancelled()) break;
    const TimePoint leased_at = lease_now(options, now, began);
    CLOUDSYNC_ASSIGN_OR_RETURN(
        ExportJobClaim claim,
        impl_->store->claim_export_job(id, owner, now, leased_at, leased_at + options.lease, true, abandoned_run()));
    if (claim.outcome != ExportJobClaim::Outcome::Claimed) continue;  // another process has it, or it changed
    CLOUDSYNC_ASSIGN_OR_RETURN(ExportRun run, JobRun(*impl_, std::move(claim.job), now, began, options, owner).run());
    runs.push_back(std::move(run));
  }
  return runs;
}

}  // namespace cloudsync
