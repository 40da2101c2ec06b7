// The record export jobs of the catalog store on their own (on SQLite in the
// unit binary, on PostgreSQL in the catalog's PostgreSQL binary): two stores
// on one database (two processes) claiming one job, lease renewal and
// loss, a commit refused without the lease, the window kept across a
// failure, and the cascade when the integration goes.
#include <catch2/catch.hpp>

#include "catalog/catalog_store.hpp"
#include "core/time.hpp"
#include "catalog/catalog_database.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {

namespace {

namespace fs = std::filesystem;

const TimePoint kJobsT0 = from_unix_nanos(int64_t{1'796'000'040} * 1'000'000'000);

struct StoreFixture {
  TempDir dir;
  TestCatalogDatabase database{dir.path()};
  std::unique_ptr<CatalogStore> a = database.open_store(), b = database.open_store();

  StoreFixture() {
    Integration i;
    i.id = "b1";
    i.spec.name = "bucket";
    i.spec.url = "memory://bucket";
    i.spec.type = "memory";
    i.spec.writeback = true;
    i.folder = "external-files/memory/bucket";
    i.platform = "Memory";
    i.created_at = i.updated_at = kJobsT0;
    REQUIRE_OK(a->insert_integration(i));
    StoredExportJob job;
    job.job.id = "j1";
    job.job.name = "nightly";
    job.job.integration_id = "b1";
    job.job.frequency_hours = 24;
    ModelSpec m;
    m.name = "orders";
    m.source.kind = SourceSpec::Kind::Registered;
    m.source.database = "orders";
    job.job.models = {m};
    job.job.created_at = kJobsT0;
    job.job.next_run_at = kJobsT0 + std::chrono::minutes(2);
    REQUIRE_OK(a->insert_export_job(job));
  }
};

ExportJobClaim claim(CatalogStore& store, const std::string& owner, TimePoint now, bool due_only = true) {
  auto c = store.claim_export_job("j1", owner, now, now, now + std::chrono::minutes(5), due_only,
                                  Status(ErrorCode::Cancelled, "the process running it stopped"));
  REQUIRE_OK(c);
  return *c;
}

ExportRun run_of(const StoredExportWindow& w, std::string id) {
  ExportRun r;
  r.id = std::move(id);
  r.job_id = "j1";
  r.attempt = w.attempts;
  r.folder = w.folder;
  r.window_opened = w.opened;
  r.upper_bound = w.upper_bound;
  r.started_at = w.opened;
  return r;
}

}  // namespace

TEST_CASE("export job store: one claimer at a time, leases expire, commits need the lease", "[catalog][export-jobs]") {
  StoreFixture f;
  const TimePoint due = kJobsT0 + std::chrono::minutes(2);
  CHECK(claim(*f.a, "A", kJobsT0).outcome == ExportJobClaim::Outcome::NotDue);
  ExportJobClaim first = claim(*f.a, "A", due);
  REQUIRE(first.outcome == ExportJobClaim::Outcome::Claimed);
  CHECK(first.job.job.status == ExportJobStatus::Running);
  ExportJobClaim refused = claim(*f.b, "B", due + std::chrono::minutes(1), false);
  CHECK(refused.outcome == ExportJobClaim::Outcome::Held);
  CHECK(refused.held_by == "A");

  StoredExportWindow w;
  w.folder = "202611300056";
  w.opened = due;
  w.upper_bound = due - std::chrono::seconds(60);
  w.attempts = 1;
  w.lower_bounds = {ModelWatermark{"orders", std::nullopt, std::nullopt}};
  REQUIRE_OK(f.a->begin_export_run("j1", "A", w, due, run_of(w, "r1")));
  REQUIRE_CODE(f.b->renew_export_lease("j1", "B", due + std::chrono::minutes(10)), ErrorCode::Conflict);
  REQUIRE_OK(f.a->renew_export_lease("j1", "A", due + std::chrono::minutes(10)));

  // A stops answering; after its lease B takes the job over with A's window.
  CHECK(claim(*f.b, "B", due + std::chrono::minutes(9), false).outcome == ExportJobClaim::Outcome::Held);
  ExportJobClaim takeover = claim(*f.b, "B", due + std::chrono::minutes(11), false);
  REQUIRE(takeover.outcome == ExportJobClaim::Outcome::Claimed);
  REQUIRE(takeover.job.window.has_value());
  CHECK(takeover.job.window->folder == w.folder);
  CHECK(takeover.job.window->attempts == 1);
  auto abandoned = f.b->query_export_runs({}, {});
  REQUIRE_OK(abandoned);
  REQUIRE(abandoned->size() == 1);
  CHECK(abandoned->front().state == ExportRunState::Failed);
  CHECK(abandoned->front().error_code == ErrorCode::Cancelled);

  // A's late commit is refused; nothing moved.
  ExportRun late = run_of(w, "r1");
  late.state = ExportRunState::Succeeded;
  ModelWatermark mark{"orders", RecordKey{"2026-11-30 00:40:00", "7"}, std::nullopt};
  REQUIRE_CODE(f.a->commit_export_run("j1", "A", late, {mark}, due + std::chrono::hours(24)), ErrorCode::Conflict);
  CHECK(f.a->export_watermarks("j1")->empty());

  StoredExportWindow again = *takeover.job.window;
  again.attempts = 2;
  ExportRun second = run_of(again, "r2");
  REQUIRE_OK(f.b->begin_export_run("j1", "B", again, due, second));
  second.state = ExportRunState::Succeeded;
  second.rows = 7;
  REQUIRE_OK(f.b->commit_export_run("j1", "B", second, {mark}, due + std::chrono::hours(24)));
  auto marks = f.a->export_watermarks("j1");
  REQUIRE_OK(marks);
  REQUIRE(marks->size() == 1);
  CHECK(marks->front().records == mark.records);
  auto job = f.a->find_export_job("nightly");
  REQUIRE_OK(job);
  REQUIRE(job->has_value());
  CHECK((*job)->job.status == ExportJobStatus::Active);
  CHECK_FALSE((*job)->window.has_value());
  CHECK((*job)->job.first_run_at == due);
  CHECK((*job)->job.next_run_at == due + std::chrono::hours(24));
  ExportRunQuery succeeded;
  succeeded.state = ExportRunState::Succeeded;
  CHECK(*f.a->count_export_runs(succeeded) == 1);
}

TEST_CASE("export job store: a failure keeps the window and the watermarks; jobs go with their integration",
          "[catalog][export-jobs]") {
  StoreFixture f;
  const TimePoint due = kJobsT0 + std::chrono::minutes(2);
  REQUIRE(claim(*f.a, "A", due).outcome == ExportJobClaim::Outcome::Claimed);
  StoredExportWindow w;
  w.folder = "202611300056";
  w.opened = due;
  w.upper_bound = due;
  w.attempts = 1;
  w.lower_bounds = {ModelWatermark{"orders", std::nullopt, std::nullopt}};
  ExportRun run = run_of(w, "r1");
  REQUIRE_OK(f.a->begin_export_run("j1", "A", w, due, run));
  run.state = ExportRunState::Failed;
  run.error_code = ErrorCode::Network;
  run.error_message = "the source dropped its connection";
  REQUIRE_OK(f.a->fail_export_run("j1", "A", run, due + std::chrono::minutes(1)));
  auto job = f.b->find_export_job("j1");
  REQUIRE_OK(job);
  CHECK((*job)->job.status == ExportJobStatus::Failed);
  CHECK((*job)->window->attempts == 1);
  CHECK((*job)->job.next_run_at == due + std::chrono::minutes(1));
  auto runs = f.b->query_export_runs({}, {});
  REQUIRE_OK(runs);
  CHECK(runs->front().error_message == "the source dropped its connection");
  CHECK(runs->front().error_code == ErrorCode::Network);
  REQUIRE_OK(f.a->delete_integration("b1"));
  CHECK_FALSE(f.a->find_export_job("j1")->has_value());
  CHECK(*f.a->count_export_runs({}) == 0);
}

}  // namespace cloudsync::test
