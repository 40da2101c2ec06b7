// Record export runs through the Catalog: layout and names, the commit
// protocol under failures (every version exactly once, a rerun converging
// on the bucket of an uninterrupted run), late rows, tombstones, gzip,
// rollover, leases between two Catalog objects, history and secrets.
#include <catch2/catch.hpp>

#include <algorithm>
#include <thread>

#include "core/time.hpp"
#include "export_fixture.hpp"
#include "records/export_names.hpp"

namespace cloudsync::test {

namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

/// A fixed time on a whole minute, so that two fixtures open the same folder.
TimePoint fixed_time() { return from_unix_nanos(int64_t{1'796'000'040} * 1'000'000'000); }

/// The bucket with the job's id replaced (two fixtures' jobs have different ids).
std::map<std::string, std::string> normalised(const std::map<std::string, std::string>& objects,
                                              const std::string& job_id) {
  std::map<std::string, std::string> out;
  for (auto [key, content] : objects) {
    for (size_t at = content.find(job_id); at != std::string::npos; at = content.find(job_id, at)) {
      content.replace(at, job_id.size(), "JOB");
    }
    out[key] = content;
  }
  return out;
}

void fill(MemoryTable& table, int first, int last, TimePoint at, int version = 1) {
  for (int id = first; id <= last; ++id) table.upsert(id, at, version);
}

ExportRun run_ok(Catalog& catalog, const std::string& job, TimePoint now) {
  auto run = catalog.run_export_job(job, now);
  REQUIRE_OK(run);
  INFO(run->error_message);
  REQUIRE(run->state == ExportRunState::Succeeded);
  return *run;
}

}  // namespace

TEST_CASE("a first run exports everything under <prefix>/<YYYYMMDDHHMM>/<model>/<first>-<last>.json",
          "[records][layout]") {
  ExportFixture f;
  auto spec = ExportFixture::spec();
  spec.options.max_file_rows = 2;
  ExportJob job = f.create(spec);
  CHECK(job.next_run_at == job.created_at + seconds(120));
  CHECK(job.status == ExportJobStatus::Active);
  const TimePoint t = fixed_time();
  fill(*f.table, 1, 5, t - minutes(10));
  ExportRun run = run_ok(*f.catalog, "nightly", t);
  CHECK(run.folder == "202611300054");
  CHECK(run.folder == window_folder_name(t));
  CHECK(run.attempt == 1);
  CHECK(run.window_opened == t);
  CHECK(run.upper_bound == t - seconds(60));
  CHECK(run.rows == 5);
  CHECK(run.files == 3);
  CHECK(run.manifest_key == "exports/202611300054/_manifest.json");
  auto objects = bucket_objects(*f.store);
  std::vector<std::string> keys;
  for (const auto& [k, v] : objects) keys.push_back(k);
  CHECK(keys == std::vector<std::string>{"exports/202611300054/_manifest.json", "exports/202611300054/_run.json",
                                         "exports/202611300054/orders/r000001-r000002.json",
                                         "exports/202611300054/orders/r000003-r000004.json",
                                         "exports/202611300054/orders/r000005-r000005.json"});
  CHECK(std::count(objects["exports/202611300054/orders/r000001-r000002.json"].begin(),
                   objects["exports/202611300054/orders/r000001-r000002.json"].end(), '\n') == 2);
  auto versions = exported_versions(*f.store);
  CHECK(versions.records.size() == 5);
  CHECK(versions.manifests == 1);
  // The next run finds nothing new: an empty window is still committed.
  auto again = f.catalog->export_job("nightly");
  REQUIRE_OK(again);
  CHECK(again->first_run_at == t);
  CHECK(again->next_run_at > t);
  ExportRun second = run_ok(*f.catalog, "nightly", t + hours(24));
  CHECK(second.rows == 0);
  CHECK(second.files == 0);
  CHECK(exported_versions(*f.store).records.size() == 5);
}

TEST_CASE("ids in file names are made safe for keys", "[records][layout]") {
  CHECK(key_safe_id("42") == "42");
  CHECK(key_safe_id("\"a-17\"") == "a-17");
  CHECK(key_safe_id("\"a/b c\"") == "a%2Fb%20c");
  CHECK(key_safe_id("\"x~1\"") == "x%7E1");
  CHECK(check_model_name("orders").ok());
  CHECK(check_model_name("../x").code() == ErrorCode::InvalidArgument);
  CHECK(check_model_name("a/b").code() == ErrorCode::InvalidArgument);
  CHECK(check_model_name("..").code() == ErrorCode::InvalidArgument);
}

TEST_CASE("a failure at any read, then a rerun: the bucket of an uninterrupted run, every version once",
          "[records][faults]") {
  auto setup = [](ExportFixture& f) {
    auto spec = ExportFixture::spec();
    spec.options.max_file_rows = 3;
    spec.options.page_records = 2;
    f.table->delete_feed = true;
    fill(*f.table, 1, 8, fixed_time() - minutes(30));
    f.table->remove(9, fixed_time() - minutes(20));
    f.table->remove(10, fixed_time() - minutes(20));
    return f.create(spec);
  };
  ExportFixture clean;
  ExportJob clean_job = setup(clean);
  run_ok(*clean.catalog, "nightly", fixed_time());
  const auto expected = normalised(bucket_objects(*clean.store), clean_job.id);
  const int reads = clean.table->reads;
  REQUIRE(reads >= 6);
  for (int k = 0; k < reads; ++k) {
    DYNAMIC_SECTION("the read " << k << " fails") {
      ExportFixture f;
      ExportJob job = setup(f);
      f.table->fail_on_read = k;
      auto failed = f.catalog->run_export_job("nightly", fixed_time());
      REQUIRE_OK(failed);
      CHECK(failed->state == ExportRunState::Failed);
      CHECK(failed->error_code == ErrorCode::Network);
      CHECK(failed->error_message.find("dropped its connection") != std::string::npos);
      CHECK(f.catalog->export_job("nightly")->status == ExportJobStatus::Failed);
      // A failed run moved no watermark and wrote no manifest.
      CHECK(exported_versions(*f.store).manifests == 0);
      // The retry, later, is the same window (same folder, attempt 2).
      ExportRun retry = run_ok(*f.catalog, "nightly", fixed_time() + minutes(5));
      CHECK(retry.attempt == 2);
      CHECK(retry.folder == failed->folder);
      CHECK(retry.window_opened == fixed_time());
      CHECK(f.catalog->export_job("nightly")->status == ExportJobStatus::Active);
      CHECK(normalised(bucket_objects(*f.store), job.id) == expected);
      auto versions = exported_versions(*f.store);
      CHECK(versions.records.size() == 8);
      CHECK(std::set(versions.records.begin(), versions.records.end()).size() == 8);
      CHECK(versions.deletions.size() == 2);
    }
  }
}

TEST_CASE("a window whose manifest was written but not committed is adopted, not written again", "[records][faults]") {
  ExportFixture f;
  ExportJob job = f.create(ExportFixture::spec());
  fill(*f.table, 1, 4, fixed_time() - minutes(30));
  ExportRun run = run_ok(*f.catalog, "nightly", fixed_time());
  const auto before = bucket_objects(*f.store);
  // The catalog as if the process had died after the manifest PUT: the
  // window still open, the watermarks where they were.
  const auto db = f.dir / "state" / "catalog.db";
  run_catalog_sql(db,
                  fmt::format("UPDATE export_jobs SET window_folder = '{}', window_opened = {}, window_upper = {}, "
                              "window_attempts = 1, window_lower = '[{{\"model\":\"orders\",\"records\":null,"
                              "\"deletions\":null}}]' WHERE id = '{}'; DELETE FROM export_watermarks;",
                              run.folder, to_unix_nanos(run.window_opened), to_unix_nanos(run.upper_bound), job.id));
  fill(*f.table, 5, 6, fixed_time() - minutes(20));  // would change the files if they were written again
  ExportRun adopted = run_ok(*f.catalog, "nightly", fixed_time() + minutes(1));
  CHECK(adopted.attempt == 2);
  CHECK(adopted.rows == 4);
  CHECK(bucket_objects(*f.store) == before);
  // The watermark came from the manifest: the next window has only rows 5 and 6.
  ExportRun next = run_ok(*f.catalog, "nightly", fixed_time() + hours(24));
  CHECK(next.rows == 2);
  CHECK(exported_versions(*f.store).records.size() == 6);
}

TEST_CASE("a folder that belongs to another window is never written into", "[records][faults]") {
  ExportFixture f;
  f.create(ExportFixture::spec("first"));
  f.create(ExportFixture::spec("second"));  // the same prefix
  fill(*f.table, 1, 3, fixed_time() - minutes(30));
  run_ok(*f.catalog, "first", fixed_time());
  const auto before = bucket_objects(*f.store);
  auto clash = f.catalog->run_export_job("second", fixed_time());
  REQUIRE_OK(clash);
  CHECK(clash->state == ExportRunState::Failed);
  CHECK(clash->error_code == ErrorCode::Conflict);
  CHECK(clash->error_message.find("belongs to another window") != std::string::npos);
  CHECK(bucket_objects(*f.store) == before);
  // That window could never succeed: it is dropped, and the next run opens a
  // new one (its own minute) instead of failing again and again.
  auto again = f.catalog->run_export_job("second", fixed_time() + std::chrono::seconds(20));
  REQUIRE_OK(again);
  CHECK(again->state == ExportRunState::Failed);
  CHECK(again->attempt == 1);
  auto later = f.catalog->run_export_job("second", fixed_time() + std::chrono::minutes(1));
  REQUIRE_OK(later);
  CHECK(later->state == ExportRunState::Succeeded);
  CHECK(later->folder != clash->folder);
  CHECK(later->rows == 3);
}

TEST_CASE("a burst of 5,000 rows with one updated_at crosses pages and files without a loss", "[records][keyset]") {
  ExportFixture f;
  auto spec = ExportFixture::spec();
  spec.options.page_records = 700;
  spec.options.max_file_rows = 1000;
  f.create(spec);
  fill(*f.table, 1, 5000, fixed_time() - minutes(5));
  ExportRun run = run_ok(*f.catalog, "nightly", fixed_time());
  CHECK(run.rows == 5000);
  CHECK(run.files == 5);
  auto versions = exported_versions(*f.store);
  CHECK(versions.records.size() == 5000);
  CHECK(std::set(versions.records.begin(), versions.records.end()).size() == 5000);
}

TEST_CASE("a row committed late with an older updated_at (within the lag) is exported by the next run",
          "[records][keyset]") {
  ExportFixture f;
  f.create(ExportFixture::spec());
  const TimePoint t = fixed_time();
  fill(*f.table, 1, 2, t - minutes(5));
  f.table->upsert(4, t - seconds(5));  // within the lag: left for the next window
  ExportRun first = run_ok(*f.catalog, "nightly", t);
  CHECK(first.rows == 2);
  // Committed after the run started, stamped before row 4: had row 4 been
  // exported, the watermark would be past this row and it would be lost.
  f.table->upsert(3, t - seconds(10));
  ExportRun second = run_ok(*f.catalog, "nightly", t + hours(24));
  CHECK(second.rows == 2);
  auto versions = exported_versions(*f.store);
  CHECK(versions.records.count({"\"r000003\"", MemoryTable::stamp(t - seconds(10))}) == 1);
  CHECK(versions.records.count({"\"r000004\"", MemoryTable::stamp(t - seconds(5))}) == 1);
  CHECK(versions.records.size() == 4);
}

TEST_CASE("a file name that repeats within a run gets a deterministic suffix", "[records][layout]") {
  ExportFixture f;
  auto spec = ExportFixture::spec();
  spec.options.max_file_rows = 1;
  spec.options.page_records = 1;
  f.create(spec);
  const TimePoint t = fixed_time();
  f.table->upsert(1, t - minutes(10));
  f.table->upsert(2, t - minutes(9));
  bool updated = false;
  f.table->on_read = [&] {
    // A late commit while the run reads: row 1 again, still inside the window.
    if (f.table->reads == 2 && !updated) {
      updated = true;
      f.table->upsert(1, t - minutes(8), 2);
    }
  };
  ExportRun run = run_ok(*f.catalog, "nightly", t);
  CHECK(run.rows == 3);
  auto objects = bucket_objects(*f.store);
  const std::string folder = "exports/" + run.folder + "/orders/";
  CHECK(objects.count(folder + "r000001-r000001.json") == 1);
  CHECK(objects.count(folder + "r000002-r000002.json") == 1);
  REQUIRE(objects.count(folder + "r000001-r000001~2.json") == 1);
  CHECK(objects[folder + "r000001-r000001~2.json"].find("\"v\":2") != std::string::npos);
  CHECK(exported_versions(*f.store).records.size() == 3);
}

TEST_CASE("deletions become tombstones in files of their own", "[records][tombstones]") {
  ExportFixture f;
  f.create(ExportFixture::spec());
  f.table->delete_feed = true;
  const TimePoint t = fixed_time();
  fill(*f.table, 1, 3, t - minutes(10));
  f.table->remove(2, t - minutes(5));
  ExportRun run = run_ok(*f.catalog, "nightly", t);
  CHECK(run.rows == 2);
  CHECK(run.tombstones == 1);
  auto objects = bucket_objects(*f.store);
  const std::string key = "exports/" + run.folder + "/orders/r000002-r000002.deletions.json";
  REQUIRE(objects.count(key) == 1);
  CHECK(objects[key] ==
        "{\"id\":\"r000002\",\"_deleted\":true,\"_updated_at\":\"" + MemoryTable::stamp(t - minutes(5)) + "\"}\n");
  // Their own watermark: the next run writes them no more.
  ExportRun next = run_ok(*f.catalog, "nightly", t + hours(24));
  CHECK(next.tombstones == 0);
}

TEST_CASE("gzip files are deterministic and readable", "[records][gzip]") {
  auto export_once = [](ExportFixture& f) {
    auto spec = ExportFixture::spec();
    spec.options.gzip = true;
    spec.options.max_file_rows = 50;
    f.create(spec);
    fill(*f.table, 1, 120, fixed_time() - minutes(10));
    run_ok(*f.catalog, "nightly", fixed_time());
    std::map<std::string, std::string> data;
    for (auto& [k, v] : bucket_objects(*f.store)) {
      if (k.ends_with(".json.gz")) data[k] = v;
    }
    return data;
  };
  ExportFixture a, b;
  auto first = export_once(a);
  auto second = export_once(b);
  REQUIRE(first.size() == 3);
  CHECK(first == second);
  const std::string text = gunzip(first.begin()->second);
  CHECK(std::count(text.begin(), text.end(), '\n') == 50);
  CHECK(text.starts_with("{\"id\":\"r000001\""));
  CHECK(exported_versions(*a.store).records.size() == 120);
}

TEST_CASE("files roll over by rows and by bytes", "[records][rollover]") {
  ExportFixture f;
  auto spec = ExportFixture::spec();
  spec.options.max_file_rows = 1000;
  spec.options.max_file_bytes = 300;  // a line is about 70 bytes: five lines reach it
  f.create(spec);
  fill(*f.table, 1, 12, fixed_time() - minutes(10));
  ExportRun run = run_ok(*f.catalog, "nightly", fixed_time());
  CHECK(run.files == 3);
  for (const auto& [k, v] : bucket_objects(*f.store)) {
    if (k.find("/orders/") == std::string::npos) continue;
    const auto lines = std::count(v.begin(), v.end(), '\n');
    CHECK(lines <= 5);
    // Closed at the line that reached the limit, not before.
    if (lines == 5) CHECK(v.size() >= 300);
  }
}

TEST_CASE("five scheduled runs with changes between them export every version exactly once", "[records][schedule]") {
  ExportFixture f;
  auto spec = ExportFixture::spec();
  spec.frequency_hours = 6;
  spec.options.page_records = 3;
  spec.options.max_file_rows = 4;
  ExportJob job = f.create(spec);
  TimePoint now = job.next_run_at;
  int next_id = 1;
  std::set<std::pair<std::string, std::string>> written;
  for (int run_no = 0; run_no < 5; ++run_no) {
    for (int i = 0; i < 7; ++i, ++next_id) {
      const TimePoint at = now - minutes(30) + seconds(i);
      f.table->upsert(next_id, at);
      written.emplace(MemoryTable::id_json(next_id), MemoryTable::stamp(at));
    }
    if (run_no > 0) {
      const TimePoint at = now - minutes(20);
      f.table->upsert(1, at, run_no + 2);  // an update of an old row
      written.emplace(MemoryTable::id_json(1), MemoryTable::stamp(at));
    }
    auto runs = f.catalog->run_due_exports(now);
    REQUIRE_OK(runs);
    REQUIRE(runs->size() == 1);
    CHECK(runs->front().state == ExportRunState::Succeeded);
    auto nothing = f.catalog->run_due_exports(now + minutes(1));
    REQUIRE_OK(nothing);
    CHECK(nothing->empty());
    now = f.catalog->export_job("nightly")->next_run_at;
  }
  auto versions = exported_versions(*f.store);
  CHECK(versions.manifests == 5);
  CHECK(versions.records.size() == written.size());
  CHECK(std::set(versions.records.begin(), versions.records.end()) == written);
}

TEST_CASE("a job leased by one Catalog is not run by another, and an expired lease is taken over", "[records][lease]") {
  ExportFixture f;
  ExportJob job = f.create(ExportFixture::spec());
  fill(*f.table, 1, 5, fixed_time() - minutes(10));
  auto other = f.open_catalog();
  const TimePoint t = fixed_time();
  bool fired = false;
  Status refused, taken_over;
  std::optional<ExportRun> takeover;
  f.table->on_read = [&] {
    if (fired) return;
    fired = true;
    // In the middle of A's run: B is refused while the lease lives...
    refused = other->run_export_job("nightly", t + seconds(10), RunDueOptions{"server-b"}).status();
    auto due = other->run_due_exports(t + seconds(10), RunDueOptions{"server-b"});
    if (due.ok() && !due->empty()) refused = Status(ErrorCode::Internal, "run_due_exports ran a leased job");
    // ...and takes over once it expired (A looks dead).
    auto late = other->run_export_job("nightly", t + seconds(400), RunDueOptions{"server-b"});
    taken_over = late.status();
    if (late.ok()) takeover = *late;
  };
  auto a = f.catalog->run_export_job("nightly", t, RunDueOptions{"server-a"});
  REQUIRE_OK(a);
  CHECK(refused.code() == ErrorCode::Conflict);
  REQUIRE_OK(taken_over);
  REQUIRE(takeover);
  CHECK(takeover->state == ExportRunState::Succeeded);
  CHECK(takeover->attempt == 2);
  CHECK(takeover->folder == a->folder);
  // A finished its writes but could not commit: its lease was gone.
  CHECK(a->state == ExportRunState::Failed);
  CHECK(a->error_code == ErrorCode::Conflict);
  auto versions = exported_versions(*f.store);
  CHECK(versions.manifests == 1);
  CHECK(versions.records.size() == 5);
  auto runs = f.catalog->export_runs({}, {});
  REQUIRE_OK(runs);
  REQUIRE(runs->size() == 2);
  CHECK(f.catalog->export_job(job.id)->status == ExportJobStatus::Active);
}

TEST_CASE("a job run after others in one call is leased at the time it starts, not at the call's now",
          "[records][lease]") {
  // The call's `now` is the current time when it begins; the second job starts
  // later than the lease is long. Leased at the call's `now`, its lease would
  // be born expired and another server (CI: a second scheduler) would run it too.
  ExportFixture f;
  ExportJob first = f.create(ExportFixture::spec("first"));
  auto second_spec = ExportFixture::spec("second");
  second_spec.prefix = "second";
  ExportJob second = f.create(second_spec);
  REQUIRE(first.next_run_at <= second.next_run_at);
  fill(*f.table, 1, 3, first.created_at - minutes(10));
  auto other = f.open_catalog();
  const TimePoint t = second.next_run_at;
  const auto began = std::chrono::steady_clock::now();
  RunDueOptions a_options{"server-a", seconds(1)};
  bool slept = false, contested = false;
  Status contest;
  f.table->on_read = [&] {
    const bool second_running = other->export_job("second")->status == ExportJobStatus::Running;
    if (!second_running && !slept) {
      slept = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // longer than the lease
    } else if (second_running && !contested) {
      contested = true;
      // Another server, at the real current time on the caller's clock.
      const TimePoint real_now =
          t + std::chrono::duration_cast<TimePoint::duration>(std::chrono::steady_clock::now() - began);
      contest = other->run_export_job("second", real_now, RunDueOptions{"server-b", seconds(1)}).status();
    }
  };
  auto runs = f.catalog->run_due_exports(t, a_options);
  f.table->on_read = nullptr;
  REQUIRE_OK(runs);
  REQUIRE(slept);
  REQUIRE(contested);
  CHECK(contest.code() == ErrorCode::Conflict);
  REQUIRE(runs->size() == 2);
  for (const ExportRun& r : *runs) CHECK(r.state == ExportRunState::Succeeded);
  auto history = f.catalog->export_runs({}, {});
  REQUIRE_OK(history);
  CHECK(history->size() == 2);
}

TEST_CASE("an abandoned run is marked failed when its expired lease is taken over", "[records][lease]") {
  ExportFixture f;
  ExportJob job = f.create(ExportFixture::spec());
  fill(*f.table, 1, 2, fixed_time() - minutes(10));
  // A process that claimed the job, began its run and died.
  run_catalog_sql(f.dir / "state" / "catalog.db",
                  fmt::format("UPDATE export_jobs SET lease_owner = 'dead:1', lease_until = {}, running_run_id = "
                              "'0123456789abcdef', window_folder = '{}', window_opened = {}, window_upper = {}, "
                              "window_attempts = 1, window_lower = '[{{\"model\":\"orders\",\"records\":null,"
                              "\"deletions\":null}}]' WHERE id = '{}'; INSERT INTO export_runs (id, job_id, attempt, "
                              "folder, window_opened, upper_bound, state, started_at) VALUES ('0123456789abcdef', "
                              "'{}', 1, '{}', {}, {}, 'running', {});",
                              to_unix_nanos(fixed_time() + seconds(300)), window_folder_name(fixed_time()),
                              to_unix_nanos(fixed_time()), to_unix_nanos(fixed_time() - seconds(60)), job.id, job.id,
                              window_folder_name(fixed_time()), to_unix_nanos(fixed_time()),
                              to_unix_nanos(fixed_time() - seconds(60)), to_unix_nanos(fixed_time())));
  CHECK(f.catalog->export_job("nightly")->status == ExportJobStatus::Running);
  REQUIRE_CODE(f.catalog->run_export_job("nightly", fixed_time() + seconds(100)), ErrorCode::Conflict);
  ExportRun run = run_ok(*f.catalog, "nightly", fixed_time() + seconds(301));
  CHECK(run.attempt == 2);
  CHECK(run.window_opened == fixed_time());
  ExportRunFilter only_failed;
  only_failed.state = ExportRunState::Failed;
  auto failed = f.catalog->export_runs(only_failed, {});
  REQUIRE_OK(failed);
  REQUIRE(failed->size() == 1);
  CHECK(failed->front().id == "0123456789abcdef");
  CHECK(failed->front().error_message.find("the process running it stopped") != std::string::npos);
}

TEST_CASE("history: newest first, filters, paging, and the error of a failed run", "[records][history]") {
  ExportFixture f;
  f.create(ExportFixture::spec("a"));
  auto b_spec = ExportFixture::spec("b");
  b_spec.prefix = "other";
  f.create(b_spec);
  fill(*f.table, 1, 3, fixed_time() - minutes(10));
  const TimePoint t = fixed_time();
  run_ok(*f.catalog, "a", t);
  f.table->fail_on_read = f.table->reads;
  auto failed = f.catalog->run_export_job("b", t + hours(1));
  REQUIRE_OK(failed);
  REQUIRE(failed->state == ExportRunState::Failed);
  run_ok(*f.catalog, "b", t + hours(2));
  run_ok(*f.catalog, "a", t + hours(25));

  auto all = f.catalog->export_runs({}, {});
  REQUIRE_OK(all);
  REQUIRE(all->size() == 4);
  CHECK(all->front().started_at == t + hours(25));
  CHECK(all->back().started_at == t);
  CHECK(*f.catalog->count_export_runs({}) == 4);
  ExportRunFilter only_b;
  only_b.job = "b";
  CHECK(*f.catalog->count_export_runs(only_b) == 2);
  only_b.state = ExportRunState::Failed;
  auto b_failed = f.catalog->export_runs(only_b, {});
  REQUIRE_OK(b_failed);
  REQUIRE(b_failed->size() == 1);
  CHECK(b_failed->front().error_code == ErrorCode::Network);
  CHECK(b_failed->front().error_message.find("dropped its connection") != std::string::npos);
  CHECK(b_failed->front().finished_at.has_value());
  ExportRunFilter window;
  window.since = t + hours(1);
  window.until = t + hours(25);
  CHECK(*f.catalog->count_export_runs(window) == 2);
  auto page = f.catalog->export_runs({}, PageRequest{1, 1});
  REQUIRE_OK(page);
  REQUIRE(page->size() == 1);
  CHECK(page->front().started_at == t + hours(2));
  ExportRunFilter unknown;
  unknown.job = "nope";
  REQUIRE_CODE(f.catalog->export_runs(unknown, {}), ErrorCode::NotFound);
  const std::string json = export_run_to_json(b_failed->front());
  CHECK(json.find("\"state\":\"failed\"") != std::string::npos);
  CHECK(json.find("\"code\":\"network\"") != std::string::npos);
  CHECK(json.find("\"rows\":0") != std::string::npos);
}

TEST_CASE("job validation", "[records][jobs]") {
  ExportFixture f({"exports", "other"});
  auto bad = ExportFixture::spec();
  bad.frequency_hours = 0;
  REQUIRE_CODE(f.catalog->create_export_job(bad), ErrorCode::InvalidArgument);
  bad.frequency_hours = 169;
  REQUIRE_CODE(f.catalog->create_export_job(bad), ErrorCode::InvalidArgument);
  bad = ExportFixture::spec();
  bad.models.clear();
  REQUIRE_CODE(f.catalog->create_export_job(bad), ErrorCode::InvalidArgument);
  bad = ExportFixture::spec();
  bad.models[0].name = "a/b";
  REQUIRE_CODE(f.catalog->create_export_job(bad), ErrorCode::InvalidArgument);
  bad = ExportFixture::spec();
  bad.models.push_back(bad.models[0]);
  REQUIRE_CODE(f.catalog->create_export_job(bad), ErrorCode::InvalidArgument);
  bad = ExportFixture::spec();
  bad.integration = "nowhere";
  REQUIRE_CODE(f.catalog->create_export_job(bad), ErrorCode::NotFound);
  bad = ExportFixture::spec();
  bad.prefix = "elsewhere";
  REQUIRE_CODE(f.catalog->create_export_job(bad), ErrorCode::PermissionDenied);
  IntegrationSpec read_only;
  read_only.name = "read-only";
  read_only.url = "mem://" + f.bucket + "-ro";
  REQUIRE_OK(f.catalog->create_integration(read_only));
  bad = ExportFixture::spec();
  bad.integration = "read-only";
  REQUIRE_CODE(f.catalog->create_export_job(bad), ErrorCode::PermissionDenied);

  for (uint32_t hours_ok : {1u, 24u, 168u}) {
    auto ok = ExportFixture::spec(fmt::format("every-{}", hours_ok));
    ok.frequency_hours = hours_ok;
    REQUIRE_OK(f.catalog->create_export_job(ok));
  }
  REQUIRE_CODE(f.catalog->create_export_job(ExportFixture::spec("EVERY-24")), ErrorCode::AlreadyExists);
  auto jobs = f.catalog->export_jobs();
  REQUIRE_OK(jobs);
  CHECK(jobs->size() == 3);
  ExportJobUpdate update;
  update.enabled = false;
  update.frequency_hours = 12;
  auto changed = f.catalog->update_export_job("every-24", update);
  REQUIRE_OK(changed);
  CHECK(changed->status == ExportJobStatus::Disabled);
  CHECK(changed->frequency_hours == 12);
  auto due = f.catalog->run_due_exports(changed->next_run_at + hours(1000));
  REQUIRE_OK(due);
  CHECK(due->size() == 2);  // not the disabled one
  REQUIRE_OK(f.catalog->delete_export_job("every-24"));
  REQUIRE_CODE(f.catalog->export_job("every-24"), ErrorCode::NotFound);
  CHECK(export_job_status_name(ExportJobStatus::Failed) == "FAILED");
}

TEST_CASE("a PostgreSQL source's password is a secret: never in the catalog, JSON or history", "[records][secrets]") {
  ExportFixture f;
  auto spec = ExportFixture::spec();
  spec.models[0].source.kind = SourceSpec::Kind::PostgreSQL;
  spec.models[0].source.database = "host=127.0.0.1 port=1 dbname=shop user=exporter password='s3cr3t-pw-41'";
  spec.models[0].source.table = "public.orders";
  auto uri = ExportFixture::spec("uri");
  uri.prefix = "uri";
  uri.models[0].source.kind = SourceSpec::Kind::PostgreSQL;
  uri.models[0].source.database = "postgresql://exporter:s3cr3t-pw-42@127.0.0.1:1/shop";
  uri.models[0].source.table = "orders";
  ExportJob job = f.create(spec);
  ExportJob uri_job = f.create(uri);
  CHECK(job.models[0].source.database == "host='127.0.0.1' port='1' dbname='shop' user='exporter'");
  CHECK(uri_job.models[0].source.database == "postgresql://exporter@127.0.0.1:1/shop");
  auto failed = f.catalog->run_export_job("nightly", fixed_time());
  REQUIRE_OK(failed);
  CHECK(failed->state == ExportRunState::Failed);
  std::string everything = export_job_to_json(job) + export_job_to_json(uri_job) + export_run_to_json(*failed);
  auto history = f.catalog->export_runs({}, {});
  REQUIRE_OK(history);
  for (const auto& run : *history) everything += run.error_message;
  for (const char* file : {"catalog.db", "catalog.db-wal"}) {
    if (std::filesystem::exists(f.dir / "state" / file)) everything += read_file(f.dir / "state" / file);
  }
  CHECK(everything.find("s3cr3t-pw") == std::string::npos);
  const std::string secrets = read_file(f.dir / "state" / "secrets.json");
  CHECK(secrets.find("s3cr3t-pw-41") != std::string::npos);
  CHECK(secrets.find("s3cr3t-pw-42") != std::string::npos);
  // Forgetting the job forgets its secrets.
  REQUIRE_OK(f.catalog->delete_export_job("nightly"));
  CHECK(read_file(f.dir / "state" / "secrets.json").find("s3cr3t-pw-41") == std::string::npos);
  // So does deleting its destination, which only force does while a job exports there.
  REQUIRE_CODE(f.catalog->delete_integration(uri_job.integration_id), ErrorCode::Conflict);
  CHECK(f.catalog->export_job("uri").ok());
  REQUIRE_OK(f.catalog->delete_integration(uri_job.integration_id, true));
  REQUIRE_CODE(f.catalog->export_job("uri"), ErrorCode::NotFound);
  CHECK(read_file(f.dir / "state" / "secrets.json").find("s3cr3t-pw-42") == std::string::npos);
}

}  // namespace cloudsync::test
