// cloudsync export-records: scheduled incremental record export
// (cloudsync/records.hpp) on the command line. `run` defines a job from flags
// the first time (a SQLite or PostgreSQL table, a destination) and runs it
// now; `due` runs what is due (for cron); `scheduler` runs jobs on schedule
// until stopped; `history` lists the runs with their errors.
#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "cloudsync/records.hpp"
#include "commands.hpp"
#include "console.hpp"
#include "human_format.hpp"
#include "interrupt.hpp"
#include "json_output.hpp"
#include "outcome.hpp"

namespace cloudsync::cli {

namespace {

// A table to export, from --sqlite/--postgres and the column flags.
struct SourceFlags {
  std::string sqlite;
  std::string postgres;
  std::string table;
  std::string id_column = "id";
  std::string updated_column = "updated_at";
  std::string updated_format = "text";
  std::string deletes_table;
  std::string deletes_id_column = "id";
  std::string deletes_updated_column = "deleted_at";
  std::string model;  ///< the model's folder; default: the table's name

  bool given() const { return !sqlite.empty() || !postgres.empty(); }
};

// How the job is defined the first time `run` sees it.
struct JobFlags {
  std::string integration;
  std::string to;  ///< a URL: the integration with this URL, registered when missing
  std::vector<std::string> options;
  std::string prefix;
  uint32_t every_hours = 24;
  uint64_t lag_s = 60;
  uint64_t max_rows = 100'000;
  uint64_t max_bytes = 64ull << 20;
  bool gzip = false;
  bool ids_as_strings = false;
  uint64_t first_run_in_s = 120;
  CLI::Option* every_option = nullptr;
  CLI::Option* lag_option = nullptr;
  CLI::Option* max_rows_option = nullptr;
  CLI::Option* max_bytes_option = nullptr;
  CLI::Option* gzip_option = nullptr;
  CLI::Option* ids_option = nullptr;
};

struct LeaseFlags {
  std::string owner;
  uint64_t lease_s = 300;
};

struct RunArgsRecords {
  CatalogArgs catalog;
  std::string job;
  SourceFlags source;
  JobFlags spec;
  LeaseFlags lease;
  std::string now;
  OutputFlags out;
};

struct DueArgs {
  CatalogArgs catalog;
  LeaseFlags lease;
  std::string now;
  OutputFlags out;
};

struct SchedulerArgs {
  CatalogArgs catalog;
  LeaseFlags lease;
  uint64_t poll_s = 30;
  OutputFlags out;
};

struct HistoryArgs {
  CatalogArgs catalog;
  std::string job;
  std::string state;
  OptionalCount first;
  uint64_t skip = 0;
  OutputFlags out;
};

struct JobArgs {
  CatalogArgs catalog;
  std::string job;
  OutputFlags out;
};

// With --now (a past or future window), leases still run on the real clock:
// a lease taken at a past --now would never expire for the next process.
RunDueOptions run_options(const LeaseFlags& flags, const std::string& now = {}) {
  RunDueOptions options;
  options.owner = flags.owner;
  options.lease = std::chrono::seconds(flags.lease_s);
  options.cancel = interrupt_token();
  if (!now.empty()) options.lease_clock = ExportClock::system();
  return options;
}

// --now: "YYYY-MM-DDTHH:MM:SS[.fraction]Z" (UTC), or the clock when empty.
Result<TimePoint> now_of(const std::string& given) {
  if (given.empty()) return std::chrono::time_point_cast<TimePoint::duration>(std::chrono::system_clock::now());
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(given.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &consumed) != 6) {
    consumed = 0;
  }
  std::string_view rest = consumed > 0 ? std::string_view(given).substr(static_cast<size_t>(consumed)) : "";
  int64_t micros = 0;
  if (!rest.empty() && rest.front() == '.') {
    rest.remove_prefix(1);
    int digits = 0;
    while (!rest.empty() && rest.front() >= '0' && rest.front() <= '9') {
      if (digits++ < 6) micros = micros * 10 + (rest.front() - '0');
      rest.remove_prefix(1);
    }
    for (; digits < 6; ++digits) micros *= 10;
  }
  if (consumed == 0 || rest != "Z") {
    return Status(ErrorCode::InvalidArgument, "--now: expected a UTC time such as 2026-12-06T10:00:00Z");
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  const std::time_t seconds = timegm(&tm);
  return std::chrono::time_point_cast<TimePoint::duration>(std::chrono::system_clock::from_time_t(seconds) +
                                                           std::chrono::microseconds(micros));
}

std::string table_name_of(const std::string& table) {
  const size_t dot = table.rfind('.');
  return dot == std::string::npos ? table : table.substr(dot + 1);
}

ModelSpec model_of(const SourceFlags& f) {
  ModelSpec model;
  model.name = f.model.empty() ? table_name_of(f.table) : f.model;
  SourceSpec& s = model.source;
  s.kind = f.sqlite.empty() ? SourceSpec::Kind::PostgreSQL : SourceSpec::Kind::SQLite;
  s.database = f.sqlite.empty() ? f.postgres : stored_url(f.sqlite);
  s.table = f.table;
  s.id_column = f.id_column;
  s.updated_column = f.updated_column;
  s.updated_format = f.updated_format;
  s.deletes_table = f.deletes_table;
  s.deletes_id_column = f.deletes_id_column;
  s.deletes_updated_column = f.deletes_updated_column;
  return model;
}

bool given(const CLI::Option* o) { return o != nullptr && o->count() > 0; }

bool any_option_given(const JobFlags& f) {
  return given(f.lag_option) || given(f.max_rows_option) || given(f.max_bytes_option) || given(f.gzip_option) ||
         given(f.ids_option);
}

RecordExportOptions options_of(const JobFlags& f, RecordExportOptions options = {}) {
  if (given(f.lag_option)) options.visibility_lag = std::chrono::seconds(f.lag_s);
  if (given(f.max_rows_option)) options.max_file_rows = f.max_rows;
  if (given(f.max_bytes_option)) options.max_file_bytes = f.max_bytes;
  if (given(f.gzip_option)) options.gzip = f.gzip;
  if (given(f.ids_option)) options.ids_as_strings = f.ids_as_strings;
  return options;
}

// The destination of a new job: --integration, or the integration whose URL
// is --to (registered, with writeback, when there is none).
Result<std::string> destination_of(Catalog& catalog, const std::string& job, const JobFlags& f) {
  if (!f.integration.empty()) return f.integration;
  if (f.to.empty()) {
    return Status(ErrorCode::InvalidArgument,
                  fmt::format("job '{}' does not exist yet: give its destination with --integration NAME or --to URL",
                              printable(job)));
  }
  const std::string url = stored_url(f.to);
  std::string id;
  CLOUDSYNC_RETURN_IF_ERROR(catalog.for_each_integration({}, [&](const Integration& i) {
    if (i.spec.url != url) return true;
    id = i.id;
    return false;
  }));
  if (!id.empty()) return id;
  IntegrationSpec spec;
  spec.name = "export " + job;
  spec.url = url;
  spec.writeback = true;
  spec.options = to_backend_options(f.options);
  CLOUDSYNC_ASSIGN_OR_RETURN(Integration created, catalog.create_integration(spec));
  return created.id;
}

// Refuses --integration, --to or --prefix that name another destination than the job's.
Status check_same_destination(Catalog& catalog, const ExportJob& job, const JobFlags& f) {
  std::string integration_id = job.integration_id;
  if (!f.integration.empty()) {
    CLOUDSYNC_ASSIGN_OR_RETURN(Integration named, catalog.integration(f.integration));
    integration_id = named.id;
  } else if (!f.to.empty()) {
    CLOUDSYNC_ASSIGN_OR_RETURN(Integration current, catalog.integration(job.integration_id));
    if (current.spec.url != stored_url(f.to)) integration_id.clear();
  }
  if (integration_id != job.integration_id || (!f.prefix.empty() && f.prefix != job.prefix)) {
    return Status(ErrorCode::InvalidArgument,
                  fmt::format("export job '{}' already exports elsewhere; its destination does not change (remove "
                              "it first, or give the new one another name)",
                              printable(job.name)));
  }
  return Status::OK();
}

// The job `run` runs: the one named, created from the flags when missing,
// its models and options changed to the flags when they are given.
Result<ExportJob> job_for_run(Catalog& catalog, const RunArgsRecords& a) {
  const std::string name = !a.job.empty() ? a.job : model_of(a.source).name;
  auto existing = catalog.export_job(name);
  if (existing.ok()) {
    // A job keeps its destination: a different one named here is a mistake, not a move.
    CLOUDSYNC_RETURN_IF_ERROR(check_same_destination(catalog, *existing, a.spec));
    ExportJobUpdate update;
    if (a.source.given()) update.models = std::vector<ModelSpec>{model_of(a.source)};
    if (given(a.spec.every_option)) update.frequency_hours = a.spec.every_hours;
    if (any_option_given(a.spec)) update.options = options_of(a.spec, existing->options);
    if (!update.models && !update.frequency_hours && !update.options) return *existing;
    return catalog.update_export_job(existing->id, update);
  }
  if (existing.status().code() != ErrorCode::NotFound) return existing.status();
  if (!a.source.given()) {
    return Status(ErrorCode::NotFound,
                  fmt::format("no export job '{}': define it with --sqlite DB or --postgres CONNINFO, --table T and "
                              "--integration NAME or --to URL",
                              printable(name)));
  }
  ExportJobSpec spec;
  spec.name = name;
  CLOUDSYNC_ASSIGN_OR_RETURN(spec.integration, destination_of(catalog, name, a.spec));
  spec.prefix = a.spec.prefix;
  spec.frequency_hours = a.spec.every_hours;
  spec.models = {model_of(a.source)};
  spec.options = options_of(a.spec);
  spec.first_run_delay = std::chrono::seconds(a.spec.first_run_in_s);
  return catalog.create_export_job(spec);
}

std::string run_line(const ExportRun& run, const std::string& job_name) {
  std::string line = fmt::format("{} {} (attempt {}): ", printable(job_name), run.folder, run.attempt);
  if (run.state == ExportRunState::Running) return line + "running";
  if (run.state == ExportRunState::Failed) {
    return line + fmt::format("FAILED ({}): {}", error_code_name(run.error_code), printable(run.error_message));
  }
  line += fmt::format("{} row{}", run.rows, run.rows == 1 ? "" : "s");
  if (run.tombstones > 0) line += fmt::format(", {} deletion{}", run.tombstones, run.tombstones == 1 ? "" : "s");
  return line + fmt::format(" in {} file{}, {}, {}", run.files, run.files == 1 ? "" : "s", format_bytes(run.bytes),
                            format_seconds(static_cast<double>(run.duration.count()) / 1000.0));
}

// Job names by id, for the lines of runs.
std::string job_name(Catalog& catalog, const std::string& job_id) {
  auto job = catalog.export_job(job_id);
  return job.ok() ? job->name : job_id;
}

RunVerdict verdict_of_runs(const std::vector<ExportRun>& runs) {
  size_t failed = 0;
  ErrorCode first = ErrorCode::Ok;
  for (const ExportRun& run : runs) {
    if (run.state != ExportRunState::Failed) continue;
    if (failed++ == 0) first = run.error_code;
  }
  if (failed == 0) return {};
  return {error_code_exit_status(first == ErrorCode::Ok ? ErrorCode::Internal : first),
          fmt::format("{} of {} run{} failed (see `cloudsync export-records history --state failed`)", failed,
                      runs.size(), runs.size() == 1 ? "" : "s")};
}

int print_runs(Console& console, Catalog& catalog, const OutputFlags& out, const std::vector<ExportRun>& runs) {
  if (out.json) {
    std::vector<std::string> items;
    for (const ExportRun& run : runs) items.push_back(export_run_to_json(run));
    print_json(json_object({{"runs", json_array(items)}}));
  } else if (!out.quiet) {
    if (runs.empty()) fmt::print("No job was due.\n");
    for (const ExportRun& run : runs) fmt::print("{}\n", run_line(run, job_name(catalog, run.job_id)));
  }
  return conclude(console, verdict_of_runs(runs));
}

int run_run(const RunArgsRecords& a) {
  return with_catalog(a.catalog, a.out, a.source.given(), [&](Console& console, Catalog& catalog) {
    auto now = now_of(a.now);
    if (!now.ok()) return fail(console, a.out, now.status());
    auto job = job_for_run(catalog, a);
    if (!job.ok()) return fail(console, a.out, job.status());
    auto run = catalog.run_export_job(job->id, *now, run_options(a.lease, a.now));
    if (!run.ok()) return fail(console, a.out, run.status());
    if (a.out.json) {
      print_json(json_object({{"job", export_job_to_json(*job)}, {"run", export_run_to_json(*run)}}));
    } else if (!a.out.quiet) {
      fmt::print("{}\n", run_line(*run, job->name));
    }
    return conclude(console, verdict_of_runs({*run}));
  });
}

int run_job_add(const RunArgsRecords& a) {
  return with_catalog(a.catalog, a.out, true, [&](Console& console, Catalog& catalog) {
    const std::string name = !a.job.empty() ? a.job : model_of(a.source).name;
    if (catalog.export_job(name).ok()) {
      return fail(console, a.out,
                  Status(ErrorCode::AlreadyExists, fmt::format("an export job named '{}' exists", printable(name))));
    }
    auto job = job_for_run(catalog, a);
    if (!job.ok()) return fail(console, a.out, job.status());
    if (a.out.json) {
      print_json(json_object({{"job", export_job_to_json(*job)}}));
    } else if (!a.out.quiet) {
      fmt::print("export job {} ({}): first run {}, then every {} h\n", printable(job->name), job->id,
                 format_time(job->next_run_at, false), job->frequency_hours);
    }
    return 0;
  });
}

int run_due(const DueArgs& a) {
  return with_catalog(a.catalog, a.out, false, [&](Console& console, Catalog& catalog) {
    auto now = now_of(a.now);
    if (!now.ok()) return fail(console, a.out, now.status());
    auto runs = catalog.run_due_exports(*now, run_options(a.lease, a.now));
    if (!runs.ok()) return fail(console, a.out, runs.status());
    return print_runs(console, catalog, a.out, *runs);
  });
}

int run_scheduler(const SchedulerArgs& a) {
  Console console(a.out);
  auto catalog = open_catalog(a.catalog, false);
  if (!catalog.ok()) return fail(console, a.out, catalog.status());
  SchedulerOptions options;
  options.run = run_options(a.lease);
  options.run.cancel = nullptr;  // stop() cancels a running export
  options.poll = std::chrono::seconds(a.poll_s);
  std::shared_ptr<Catalog> shared = *catalog;
  options.on_run = [&a, shared](const ExportRun& run) {
    if (a.out.json) {
      fmt::print("{}\n", export_run_to_json(run));
    } else if (!a.out.quiet) {
      fmt::print("{}\n", run_line(run, job_name(*shared, run.job_id)));
    }
    std::fflush(stdout);
  };
  auto scheduler = ExportScheduler::start(shared, std::move(options));
  if (!scheduler.ok()) return fail(console, a.out, scheduler.status());
  if (!a.out.json && !a.out.quiet) {
    fmt::print("scheduler started; Ctrl-C stops it\n");
    std::fflush(stdout);
  }
  const CancelToken* stop = interrupt_token();
  while (!stop->is_cancelled()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  accept_interrupt();
  (*scheduler)->stop();
  return 0;
}

int run_history(const HistoryArgs& a) {
  return with_catalog(a.catalog, a.out, false, [&](Console& console, Catalog& catalog) {
    ExportRunFilter filter;
    if (!a.job.empty()) filter.job = a.job;
    for (ExportRunState s : {ExportRunState::Running, ExportRunState::Succeeded, ExportRunState::Failed}) {
      if (export_run_state_name(s) == a.state) filter.state = s;
    }
    auto total = catalog.count_export_runs(filter);
    if (!total.ok()) return fail(console, a.out, total.status());
    auto runs = catalog.export_runs(filter, PageRequest{a.first.get().value_or(UINT64_MAX), a.skip});
    if (!runs.ok()) return fail(console, a.out, runs.status());
    if (a.out.json) {
      std::vector<std::string> items;
      for (const ExportRun& run : *runs) items.push_back(export_run_to_json(run));
      print_json(json_object({{"runs", json_array(items)}, {"total", std::to_string(*total)}}));
      return 0;
    }
    if (a.out.quiet) return 0;
    if (runs->empty()) {
      fmt::print("No runs{}.\n", *total > 0 ? " on this page" : "");
      return 0;
    }
    std::vector<std::vector<std::string>> rows{
        {"STARTED", "JOB", "FOLDER", "ATTEMPT", "STATE", "ROWS", "FILES", "BYTES", "DURATION", "ERROR"}};
    for (const ExportRun& run : *runs) {
      rows.push_back({format_time(run.started_at, false), printable(job_name(catalog, run.job_id)), run.folder,
                      std::to_string(run.attempt), std::string(export_run_state_name(run.state)),
                      std::to_string(run.rows), std::to_string(run.files), format_bytes(run.bytes),
                      format_seconds(static_cast<double>(run.duration.count()) / 1000.0),
                      run.error_code == ErrorCode::Ok
                          ? ""
                          : fmt::format("{}: {}", error_code_name(run.error_code), printable(run.error_message))});
    }
    print_table(stdout, rows);
    if (runs->size() < *total) fmt::print("({} of {} shown; see --first and --skip)\n", runs->size(), *total);
    return 0;
  });
}

int run_job_list(const JobArgs& a) {
  return with_catalog(a.catalog, a.out, false, [&](Console& console, Catalog& catalog) {
    auto jobs = catalog.export_jobs(PageRequest{UINT64_MAX, 0});
    if (!jobs.ok()) return fail(console, a.out, jobs.status());
    if (a.out.json) {
      std::vector<std::string> items;
      for (const ExportJob& job : *jobs) items.push_back(export_job_to_json(job));
      print_json(json_object({{"jobs", json_array(items)}}));
      return 0;
    }
    if (a.out.quiet) return 0;
    if (jobs->empty()) {
      fmt::print("No export jobs.\n");
      return 0;
    }
    std::vector<std::vector<std::string>> rows{{"ID", "NAME", "STATUS", "EVERY", "NEXT RUN", "MODELS"}};
    for (const ExportJob& job : *jobs) {
      std::string models;
      for (const ModelSpec& m : job.models) models += (models.empty() ? "" : ",") + m.name;
      rows.push_back({job.id, printable(job.name), std::string(export_job_status_name(job.status)),
                      fmt::format("{} h", job.frequency_hours), format_time(job.next_run_at, false),
                      printable(models)});
    }
    print_table(stdout, rows);
    return 0;
  });
}

int run_job_remove(const JobArgs& a) {
  return with_catalog(a.catalog, a.out, false, [&](Console& console, Catalog& catalog) {
    Status removed = catalog.delete_export_job(a.job);
    if (!removed.ok()) return fail(console, a.out, removed);
    if (a.out.json) print_json(json_object({{"removed", json_string_value(a.job)}}));
    return 0;
  });
}

void add_lease_flags(CLI::App& cmd, LeaseFlags& f) {
  cmd.add_option("--owner", f.owner, "Who runs, kept with the job's lease (default: host name and process id)")
      ->type_name("NAME");
  cmd.add_option("--lease", f.lease_s,
                 "A run renews its lease while it works; a process that dies leaves its job to another after this")
      ->check(whole_number(1, 86'400))
      ->type_name("SECONDS")
      ->capture_default_str();
}

// The flags that define a job (add, and run the first time).
void add_job_flags(CLI::App* cmd, RunArgsRecords* a) {
  SourceFlags& s = a->source;
  auto* sqlite = cmd->add_option("--sqlite", s.sqlite, "Export a table of this SQLite database file")->type_name("DB");
  cmd->add_option("--postgres", s.postgres,
                  "Export a table of this PostgreSQL database (a libpq conninfo or postgresql:// URI; the "
                  "password from PGPASSWORD or ~/.pgpass, as for psql)")
      ->type_name("CONNINFO")
      ->excludes(sqlite);
  cmd->add_option("--table", s.table, "The table (PostgreSQL: may be schema.table)")->type_name("T");
  cmd->add_option("--id-column", s.id_column, "Its id column")->type_name("C")->capture_default_str();
  cmd->add_option("--updated-column", s.updated_column, "Its updated-at column")->type_name("U")->capture_default_str();
  cmd->add_option("--updated-format", s.updated_format,
                  "SQLite: how updated-at is stored (text: UTC 'YYYY-MM-DD HH:MM:SS[.SSS]', unix_seconds, "
                  "unix_millis)")
      ->check(CLI::IsMember({"text", "unix_seconds", "unix_millis"}))
      ->type_name("F")
      ->capture_default_str();
  cmd->add_option("--deletes-table", s.deletes_table,
                  "A table of deleted ids with their deletion time: written as tombstone lines")
      ->type_name("T");
  cmd->add_option("--deletes-id-column", s.deletes_id_column, "Its id column")->type_name("C")->capture_default_str();
  cmd->add_option("--deletes-updated-column", s.deletes_updated_column, "Its deletion-time column")
      ->type_name("C")
      ->capture_default_str();
  cmd->add_option("--model", s.model, "The model's folder name (default: the table's name)")->type_name("NAME");
  JobFlags& j = a->spec;
  cmd->add_option("--integration", j.integration, "A new job's destination: a catalog integration (name or id)")
      ->type_name("NAME");
  cmd->add_option("--to", j.to,
                  "A new job's destination as a URL (the catalog's integration with this URL, registered with "
                  "writeback if there is none)")
      ->type_name("URL");
  add_key_value_option(*cmd, "-o,--option", j.options,
                       "With --to: a backend option KEY=VALUE of the new integration (repeatable)");
  cmd->add_option("--prefix", j.prefix, "A new job's folder in the integration")->type_name("P");
  j.every_option = cmd->add_option("--every", j.every_hours, "Hours between runs (1 to 168)")
                       ->check(whole_number(1, 168))
                       ->type_name("HOURS")
                       ->capture_default_str();
  cmd->add_option("--first-run-in", j.first_run_in_s, "A new job's first scheduled run, this long after creation")
      ->check(whole_number(0, 7 * 86'400))
      ->type_name("SECONDS")
      ->capture_default_str();
  j.lag_option = cmd->add_option("--lag", j.lag_s,
                                 "Visibility lag: rows may commit this late with an older updated-at and still be "
                                 "exported")
                     ->check(whole_number(0, 86'400))
                     ->type_name("SECONDS")
                     ->capture_default_str();
  j.max_rows_option = cmd->add_option("--max-rows", j.max_rows, "Lines per file")
                          ->check(whole_number(1))
                          ->type_name("N")
                          ->capture_default_str();
  j.max_bytes_option = cmd->add_option("--max-bytes", j.max_bytes, "Bytes per file (uncompressed), e.g. 64M")
                           ->transform(byte_size())
                           ->type_name("SIZE");
  j.gzip_option = cmd->add_flag("--gzip", j.gzip, "Write .json.gz files");
  j.ids_option = cmd->add_flag("--ids-as-strings", j.ids_as_strings, "Write ids as JSON strings (64-bit ids)");
}

void add_run(CLI::App& parent, Action& action) {
  auto a = std::make_shared<RunArgsRecords>();
  CLI::App* cmd = parent.add_subcommand("run", "Run an export job now (defining it from the flags the first time)");
  cmd->add_option("JOB", a->job, "The job's name or id (default: the model's name)")->type_name("");
  add_job_flags(cmd, a.get());
  cmd->add_option("--now", a->now,
                  "Open the window at this time instead of the clock's (UTC, e.g. 2026-12-06T10:00:00Z)")
      ->type_name("TIME");
  add_lease_flags(*cmd, a->lease);
  add_catalog_flag(*cmd, a->catalog);
  add_output_flags(*cmd, a->out);
  set_examples(
      *cmd,
      {"cloudsync export-records run --sqlite app.db --table orders --to s3://acme-exports/hydra",
       "cloudsync export-records run invoices --postgres 'host=db dbname=app user=export' --table public.invoices "
       "\\",
       "    --id-column invoice_id --updated-column modified_at --to s3://acme-exports/invoices --every 6 --gzip",
       "cloudsync export-records run nightly --json"},
      "Writes <prefix>/<YYYYMMDDHHMM>/<model>/<first id>-<last id>.json (JSON Lines), then\n"
      "_manifest.json; the first run exports every row, later runs the rows updated since. A run that\n"
      "fails is retried with the same window by the next run. The job is kept in the catalog\n"
      "(--catalog DIR) with its watermark and history: `due` and `scheduler` run it on schedule.");
  cmd->callback([a, &action] {
    if (a->source.given() && a->source.table.empty()) usage_error("--sqlite and --postgres need --table");
    action = [a] { return run_run(*a); };
  });
}

void add_job_add(CLI::App& parent, Action& action) {
  auto a = std::make_shared<RunArgsRecords>();
  CLI::App* cmd = parent.add_subcommand("add", "Define an export job; `due` or `scheduler` runs it on schedule");
  cmd->add_option("JOB", a->job, "The job's name (default: the model's name)")->type_name("");
  add_job_flags(cmd, a.get());
  add_catalog_flag(*cmd, a->catalog);
  add_output_flags(*cmd, a->out);
  set_examples(
      *cmd,
      {"cloudsync export-records add nightly --sqlite app.db --table orders --to s3://acme-exports/nightly --every 24",
       "cloudsync export-records add hourly --postgres 'host=db dbname=app user=export' --table events --to "
       "s3://acme-exports/events --every 1 --first-run-in 0"},
      "The first run is --first-run-in seconds after this (default 2 minutes), then every --every hours.");
  cmd->callback([a, &action] {
    if (!a->source.given() || a->source.table.empty())
      usage_error("add needs --sqlite DB or --postgres CONNINFO, and --table");
    action = [a] { return run_job_add(*a); };
  });
}

void add_due(CLI::App& parent, Action& action) {
  auto a = std::make_shared<DueArgs>();
  CLI::App* cmd = parent.add_subcommand("due", "Run every export job that is due (for cron or a job system)");
  cmd->add_option("--now", a->now, "Take this time as now (RFC 3339)")->type_name("TIME");
  add_lease_flags(*cmd, a->lease);
  add_catalog_flag(*cmd, a->catalog);
  add_output_flags(*cmd, a->out);
  set_examples(*cmd, {"cloudsync export-records due", "cloudsync export-records due --json"},
               "Jobs another process is running are skipped. Exits non-zero when a run failed. From cron, e.g.:\n"
               "  */5 * * * *  cloudsync export-records due --quiet");
  cmd->callback([a, &action] { action = [a] { return run_due(*a); }; });
}

void add_scheduler(CLI::App& parent, Action& action) {
  auto a = std::make_shared<SchedulerArgs>();
  CLI::App* cmd = parent.add_subcommand("scheduler", "Run export jobs on schedule until Ctrl-C or SIGTERM");
  cmd->add_option("--poll", a->poll_s, "How often to look for jobs other processes changed")
      ->check(whole_number(1, 3600))
      ->type_name("SECONDS")
      ->capture_default_str();
  add_lease_flags(*cmd, a->lease);
  add_catalog_flag(*cmd, a->catalog);
  add_output_flags(*cmd, a->out);
  set_examples(*cmd, {"cloudsync export-records scheduler", "cloudsync export-records scheduler --lease 60 --poll 10"},
               "One line per finished run (one JSON object with --json). Several schedulers may share a catalog\n"
               "on PostgreSQL: each due job runs on one of them.");
  cmd->callback([a, &action] { action = [a] { return run_scheduler(*a); }; });
}

void add_history(CLI::App& parent, Action& action) {
  auto a = std::make_shared<HistoryArgs>();
  CLI::App* cmd = parent.add_subcommand("history", "List export runs, newest first, with their errors");
  cmd->add_option("JOB", a->job, "Only this job's runs (name or id)")->type_name("");
  cmd->add_option("--state", a->state, "Only runs in this state")
      ->check(CLI::IsMember({"running", "succeeded", "failed"}))
      ->type_name("STATE");
  add_optional_count(*cmd, "--first", a->first, "Show at most N (default: all)");
  cmd->add_option("--skip", a->skip, "Skip the first N")->check(whole_number(0))->type_name("N");
  add_catalog_flag(*cmd, a->catalog);
  add_output_flags(*cmd, a->out);
  set_examples(*cmd,
               {"cloudsync export-records history", "cloudsync export-records history nightly --state failed --json"},
               "With --json: {\"runs\": [...], \"total\": N}.");
  cmd->callback([a, &action] { action = [a] { return run_history(*a); }; });
}

void add_job_list(CLI::App& parent, Action& action) {
  auto a = std::make_shared<JobArgs>();
  CLI::App* cmd = parent.add_subcommand("list", "List the export jobs");
  add_catalog_flag(*cmd, a->catalog);
  add_output_flags(*cmd, a->out);
  set_examples(*cmd, {"cloudsync export-records list", "cloudsync export-records list --json"});
  cmd->callback([a, &action] { action = [a] { return run_job_list(*a); }; });
}

void add_job_remove(CLI::App& parent, Action& action) {
  auto a = std::make_shared<JobArgs>();
  CLI::App* cmd = parent.add_subcommand("remove", "Forget an export job and its history (no object is deleted)");
  cmd->add_option("JOB", a->job, "The job's name or id")->required()->type_name("");
  add_catalog_flag(*cmd, a->catalog);
  add_output_flags(*cmd, a->out);
  set_examples(*cmd, {"cloudsync export-records remove nightly"});
  cmd->callback([a, &action] { action = [a] { return run_job_remove(*a); }; });
}

}  // namespace

void add_export_records_command(CLI::App& app, Action& action) {
  CLI::App* cmd = app.add_subcommand(
      "export-records", "Export the records of SQLite or PostgreSQL tables as JSON Lines, on schedule (Hydra)");
  cmd->require_subcommand(1);
  add_job_add(*cmd, action);
  add_run(*cmd, action);
  add_due(*cmd, action);
  add_scheduler(*cmd, action);
  add_history(*cmd, action);
  add_job_list(*cmd, action);
  add_job_remove(*cmd, action);
  set_examples(*cmd,
               {"cloudsync export-records run --sqlite app.db --table orders --to s3://acme-exports/hydra",
                "cloudsync export-records due", "cloudsync export-records history --state failed"},
               std::string(kCatalogLocationHelp));
}

}  // namespace cloudsync::cli
