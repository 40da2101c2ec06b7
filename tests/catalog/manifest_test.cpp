// The manifest's packed records: every field comes back as it went in, the
// order is by path alone, and the baseline reads it in place.
#include <catch2/catch.hpp>

#include "catalog/manifest.hpp"
#include "core/time.hpp"

namespace cloudsync::test {
namespace {

ManifestEntry full_entry(std::string path) {
  ManifestEntry e;
  e.path = std::move(path);
  e.remote_key = e.path;
  e.origin = ManifestEntry::Origin::Exported;
  e.remote.size = 300'000'000'000;  // more than 32 bits, several varint bytes
  e.remote.etag = "\"3858f62230ac3c915f300c664312c63f-2\"";
  e.remote.mtime = from_unix_nanos(1'700'000'000'123'456'789);
  e.remote.hashes.md5 = "d41d8cd98f00b204e9800998ecf8427e";
  e.remote.hashes.crc32c = "AAAAAA==";  // not lower-case hex: kept exactly as given
  e.local.size = 7;
  e.local.mtime = from_unix_nanos(-5);  // before 1970
  e.local.hashes.sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  e.remote_version = "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY";
  e.remote_id = "1AbCdEfG";
  e.synced_at = from_unix_nanos(1'765'000'000'000'000'000);
  return e;
}

bool same_entry(const ManifestEntry& a, const ManifestEntry& b) {
  return a.path == b.path && a.remote_key == b.remote_key && a.origin == b.origin && a.remote == b.remote &&
         a.local == b.local && a.remote_version == b.remote_version && a.remote_id == b.remote_id &&
         a.synced_at == b.synced_at;
}

}  // namespace

TEST_CASE("a manifest entry comes back exactly as it was recorded", "[manifest]") {
  Manifest m;
  ManifestEntry e = full_entry("data/report.csv");
  m.upsert(e);
  auto found = m.find("data/report.csv");
  REQUIRE(found.has_value());
  CHECK(same_entry(*found, e));

  SECTION("an empty entry, and a remote key in another Unicode form") {
    ManifestEntry bare;
    bare.path = "caf\xc3\xa9.txt";
    bare.remote_key = "cafe\xcc\x81.txt";
    m.upsert(bare);
    auto back = m.find(bare.path);
    REQUIRE(back.has_value());
    CHECK(same_entry(*back, bare));
    CHECK_FALSE(back->remote.mtime.has_value());
    CHECK(back->remote.hashes.empty());
    auto by_remote = m.find_by_remote_key("cafe\xcc\x81.txt");
    REQUIRE(by_remote.has_value());
    CHECK(by_remote->path == bare.path);
    CHECK_FALSE(m.find_by_remote_key("caf\xc3\xa9.txt").has_value());
  }
  SECTION("an upsert replaces, an erase removes") {
    e.local.size = 8;
    e.remote_key = "elsewhere/report.csv";
    m.upsert(e);
    CHECK(m.size() == 1);
    CHECK(same_entry(*m.find("data/report.csv"), e));
    CHECK(m.find_by_remote_key("elsewhere/report.csv")->path == "data/report.csv");
    m.erase("data/report.csv");
    CHECK(m.size() == 0);
    CHECK_FALSE(m.contains("data/report.csv"));
    m.erase("data/report.csv");  // absent: nothing happens
  }
}

TEST_CASE("manifest entries are in path order, whatever follows each path", "[manifest]") {
  Manifest m;
  // "a" < "a b" < "a.b" < "a/b" < "ab" byte-wise; the records that follow
  // each path must not change that ("a" with a long record is still first).
  for (const char* path : {"ab", "a/b", "a.b", "a b", "a"}) m.upsert(full_entry(path));
  std::vector<std::string> order;
  m.for_each([&](const ManifestEntry& e) { order.push_back(e.path); });
  CHECK(order == std::vector<std::string>{"a", "a b", "a.b", "a/b", "ab"});
  CHECK(m.contains("a"));
  CHECK_FALSE(m.contains("a/"));
  CHECK_FALSE(m.contains(""));
}

TEST_CASE("a manifest is read as a baseline in place, either way round", "[manifest][planner]") {
  Manifest m;
  m.upsert(full_entry("x.bin"));
  ManifestEntry e = full_entry("y.bin");
  e.local.size = 99;
  m.upsert(e);
  std::vector<std::pair<std::string, BaselineView::Handle>> seen;
  auto pull = m.pull_baseline();
  pull.for_each([&](std::string_view path, BaselineView::Handle h) { seen.emplace_back(std::string(path), h); });
  REQUIRE(seen.size() == 2);
  CHECK(seen[1].first == "y.bin");
  BaselineEntry pulled = pull.entry(seen[1].second);
  CHECK(pulled.source == e.remote);
  CHECK(pulled.destination == e.local);
  BaselineEntry pushed = m.push_baseline().entry(seen[1].second);
  CHECK(pushed.source == e.local);
  CHECK(pushed.destination == e.remote);
}

}  // namespace cloudsync::test
