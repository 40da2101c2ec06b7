// One window against a store that fails on purpose (FaultBackend): a write
// refused at _run.json, at each data file or at the manifest, then the same
// window again, ends with exactly the objects of an uninterrupted attempt;
// leftovers of a failed attempt are replaced or deleted; the manifest is
// adopted when it is already there.
#include <catch2/catch.hpp>

#include <tuple>

#include "cloudsync/backends/memory.hpp"
#include "core/time.hpp"
#include "export_fixture.hpp"
#include "records/window_export.hpp"
#include "support/fault_backend.hpp"

namespace cloudsync::test {

namespace {

using std::chrono::minutes;
using std::chrono::seconds;

struct WindowFixture {
  TempDir dir;
  std::shared_ptr<MemoryBackend> memory = std::make_shared<MemoryBackend>();
  std::shared_ptr<FaultBackend> store = std::make_shared<FaultBackend>(memory);
  std::shared_ptr<MemoryTable> table = std::make_shared<MemoryTable>();
  MemoryRecordSource source{table};
  TimePoint opened = from_unix_nanos(int64_t{1'796'000'040} * 1'000'000'000);

  WindowFixture() {
    table->delete_feed = true;
    for (int id = 1; id <= 7; ++id) table->upsert(id, opened - minutes(30) + seconds(id));
    table->remove(20, opened - minutes(10));
  }

  WindowExportRequest request() {
    WindowExportRequest r;
    r.backend = store.get();
    r.prefix = "out";
    r.window = WindowIdentity{"0123456789abcdef",
                              "202611300054",
                              opened,
                              opened - seconds(60),
                              {ModelWatermark{"orders", std::nullopt, std::nullopt}}};
    r.sources = {&source};
    r.options.max_file_rows = 3;
    r.options.page_records = 2;
    r.spool_dir = dir / "spool";
    return r;
  }
};

}  // namespace

TEST_CASE("a write refused anywhere in a window, then the window again: the objects of an uninterrupted attempt",
          "[records][window][faults]") {
  WindowFixture clean;
  auto done = export_window(clean.request());
  REQUIRE_OK(done);
  CHECK_FALSE(done->adopted);
  REQUIRE(done->watermarks.size() == 1);
  CHECK(done->watermarks[0].records ==
        RecordKey{MemoryTable::stamp(clean.opened - minutes(30) + seconds(7)), MemoryTable::id_json(7)});
  CHECK(done->watermarks[0].deletions.has_value());
  const auto expected = bucket_objects(*clean.memory);
  REQUIRE(expected.size() == 6);  // _run.json, three record files, one tombstone file, the manifest
  for (const auto& [key, content] : expected) {
    DYNAMIC_SECTION("the write of " << key << " fails") {
      WindowFixture f;
      f.store->fail_put(key, ErrorCode::PermissionDenied, 1);
      auto failed = export_window(f.request());
      REQUIRE_FALSE(failed.ok());
      CHECK(failed.status().code() == ErrorCode::PermissionDenied);
      CHECK(f.memory->list_all({}, {})->size() < expected.size());
      auto again = export_window(f.request());
      REQUIRE_OK(again);
      CHECK(bucket_objects(*f.memory) == expected);
      CHECK(again->watermarks[0].records == done->watermarks[0].records);
    }
  }
}

TEST_CASE("leftovers of a failed attempt are replaced or deleted, other folders left alone",
          "[records][window][faults]") {
  WindowFixture clean;
  REQUIRE_OK(export_window(clean.request()));
  const auto expected = bucket_objects(*clean.memory);

  WindowFixture f;
  const std::string file = "out/202611300054/orders/" + std::string("r000001") + "-" + std::string("r000003") + ".json";
  REQUIRE(expected.count(file) == 1);
  PutOptions put;
  REQUIRE_OK(f.memory->write_all(P(file), "{\"id\":\"r000001\"}\n", put, {}));
  REQUIRE_OK(f.memory->write_all(P("out/202611300054/orders/r000001-r000009.json"), "stale\n", put, {}));
  REQUIRE_OK(f.memory->write_all(P("out/202611292354/orders/r000001-r000001.json"), "older window\n", put, {}));
  REQUIRE_OK(export_window(f.request()));
  auto objects = bucket_objects(*f.memory);
  CHECK(objects.erase("out/202611292354/orders/r000001-r000001.json") == 1);
  CHECK(objects == expected);
}

TEST_CASE("a window finds its own manifest and adopts it, and another window's folder is a Conflict",
          "[records][window]") {
  WindowFixture f;
  auto first = export_window(f.request());
  REQUIRE_OK(first);
  const auto before = bucket_objects(*f.memory);
  const int puts = f.store->puts.load();
  f.table->upsert(8, f.opened - minutes(20));  // would change the files if they were written again
  auto adopted = export_window(f.request());
  REQUIRE_OK(adopted);
  CHECK(adopted->adopted);
  CHECK(adopted->models.size() == 1);
  CHECK(adopted->models[0].rows == 7);
  CHECK(adopted->models[0].tombstones == 1);
  CHECK(adopted->watermarks[0].records == first->watermarks[0].records);
  CHECK(f.store->puts.load() == puts);
  CHECK(bucket_objects(*f.memory) == before);

  auto other = f.request();
  other.window.job_id = "fedcba9876543210";
  auto clash = export_window(other);
  REQUIRE_CODE(clash, ErrorCode::Conflict);
  CHECK(clash.status().message().find("belongs to another window") != std::string::npos);
  auto later = f.request();
  later.window.upper_bound += seconds(1);  // same folder and job, another window
  std::ignore = f.memory->remove(P("out/202611300054/_manifest.json"), {});
  REQUIRE_CODE(export_window(later), ErrorCode::Conflict);
  CHECK(f.memory->list_all({}, {})->size() == before.size() - 1);
}

}  // namespace cloudsync::test
