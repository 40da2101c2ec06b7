// The planner at scale: compact listings, the one-pass merge in match-key
// order whatever order the stores list in, and plans handed over as they are
// decided.
#include <algorithm>
#include <fmt/format.h>
#include <random>

#include "cloudsync/utf8.hpp"
#include "engine/planner_fixtures.hpp"
#include "sync/listing_index.hpp"

namespace cloudsync::test {

namespace {

// What a plan says, in a form two plans can be compared by.
std::vector<std::string> summary(const Plan& p) {
  std::vector<std::string> out;
  for (const PlanAction& a : p.actions) {
    out.push_back(
        fmt::format("{} {} [{}] {}/{}", action_kind_name(a.kind), a.path, a.reason, a.has_source, a.has_destination));
  }
  out.push_back(fmt::format("unchanged {}", p.unchanged_count));
  for (const std::string& w : p.warnings) out.push_back("warning " + w);
  return out;
}

// UTF-16 code-unit order, as stores built on Java or .NET strings sort: a
// character beyond U+FFFF (a surrogate pair, 0xD800..) sorts before U+E000..U+FFFF,
// where UTF-8 byte order puts it after.
bool utf16_less(const std::string& a, const std::string& b) {
  auto units = [](const std::string& s) {
    std::u16string out;
    size_t pos = 0;
    while (pos < s.size()) {
      char32_t c = next_code_point(s, pos);
      if (c > 0xFFFF) {
        c -= 0x10000;
        out.push_back(static_cast<char16_t>(0xD800 + (c >> 10)));
        out.push_back(static_cast<char16_t>(0xDC00 + (c & 0x3FF)));
      } else {
        out.push_back(static_cast<char16_t>(c));
      }
    }
    return out;
  };
  return units(a) < units(b);
}

}  // namespace

TEST_CASE("a compact listing gives back every field it was given", "[planner][listing]") {
  ObjectMeta full = obj("dir/ünï.txt", 12345, "\"etag-1\"", 1700000000);
  full.kind = ObjectKind::Document;
  full.last_modified = from_unix_nanos(1'600'000'000'123'456'789);
  full.version = "v7";
  full.id = "1AbC";
  full.hashes.md5 = "00112233445566778899aabbccddeeff";
  full.hashes.sha256 = std::string(64, 'a');
  full.hashes.crc32c = "0a0b0c0d";
  full.content_type = "text/plain";
  full.metadata = {{"mtime", "1700000000"}, {"owner", "x"}};
  ObjectMeta bare;
  bare.key = "bare";
  ObjectMeta same_times = obj("t", 1, "e", 5);
  same_times.last_modified = same_times.mtime;
  ObjectMeta huge = obj("huge", 1);
  huge.metadata["big"] = std::string(600 * 1024, 'x');  // larger than an arena block's share

  ListingIndex l;
  for (const ObjectMeta* m : {&full, &bare, &same_times, &huge}) l.add(*m);
  l.order();
  REQUIRE(l.size() == 4);
  std::vector<ObjectMeta> back;
  for (size_t i = 0; i < l.size(); ++i) back.push_back(l.meta(i));
  auto by_key = [](const ObjectMeta& a, const ObjectMeta& b) { return a.key < b.key; };
  std::sort(back.begin(), back.end(), by_key);
  std::vector<ObjectMeta> want{full, bare, same_times, huge};
  std::sort(want.begin(), want.end(), by_key);
  for (size_t i = 0; i < want.size(); ++i) {
    INFO(want[i].key);
    CHECK(back[i].key == want[i].key);
    CHECK(back[i].kind == want[i].kind);
    CHECK(back[i].size == want[i].size);
    CHECK(back[i].mtime == want[i].mtime);
    CHECK(back[i].last_modified == want[i].last_modified);
    CHECK(back[i].etag == want[i].etag);
    CHECK(back[i].version == want[i].version);
    CHECK(back[i].id == want[i].id);
    CHECK(back[i].hashes == want[i].hashes);
    CHECK(back[i].content_type == want[i].content_type);
    CHECK(back[i].metadata == want[i].metadata);
  }
  // A copy is as good as the original.
  ListingIndex copy = l;
  CHECK(copy.meta(copy.find("huge")).metadata == huge.metadata);
}

TEST_CASE("a listing of 100,000 objects costs about a hundred bytes an object", "[planner][listing]") {
  // As the local backend lists them: a key, size, mtime (= last_modified) and a
  // 20-odd character etag. As ObjectMeta values the same listing took 2.5 to
  // 3.5 KB an object once planned.
  ListingIndex l;
  const size_t n = 100'000;
  for (size_t i = 0; i < n; ++i) {
    ObjectMeta m =
        obj(fmt::format("folder{:03}/file{:06}.txt", i / 1000, i), 4096, fmt::format("1000-{:x}-{:x}", i, i));
    m.last_modified = m.mtime;
    l.add(m);
  }
  l.order();
  CHECK(l.bytes_held() / n < 100);
  CHECK(l.key(n - 1) == "folder099/file099999.txt");
}

TEST_CASE("hex hashes and quoted hex ETags are held packed and read back exactly", "[planner][listing]") {
  const std::string md5 = "9e107d9d372bb6826bd81d3542a419d6";
  std::vector<ObjectMeta> metas;
  auto add = [&](std::string key, std::string etag, std::string md5_hex, std::string sha = "", std::string crc = "") {
    ObjectMeta m = obj(std::move(key), 3);
    m.etag = std::move(etag);
    m.hashes.md5 = std::move(md5_hex);
    m.hashes.sha256 = std::move(sha);
    m.hashes.crc32c = std::move(crc);
    metas.push_back(m);
  };
  add("s3-single-part", "\"" + md5 + "\"", md5);  // the MD5 is the ETag's digits
  add("s3-multipart", "\"" + md5 + "-3\"", "");   // not hex: kept as text
  add("other-md5", "\"" + md5 + "\"", "d41d8cd98f00b204e9800998ecf8427e");
  add("upper-case", "\"" + std::string("9E107D9D372BB6826BD81D3542A419D6") + "\"", "9E107D9D372BB6826BD81D3542A419D6");
  add("odd-length", "\"abc\"", "abc", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "0a0b0c0d");
  add("unquoted-hex-etag", md5, md5);  // as the S3 backend keeps them
  add("unquoted-odd", "abc", "");
  add("empty-quotes", "\"\"", "");
  add("quote-only", "\"", "");
  ListingIndex l;
  for (const ObjectMeta& m : metas) l.add(m);
  l.order();
  for (const ObjectMeta& m : metas) {
    INFO(m.key);
    size_t i = l.find(m.key);
    REQUIRE(i < l.size());
    ObjectMeta back = l.meta(i);
    CHECK(back.etag == m.etag);
    CHECK(back.hashes == m.hashes);
  }
}

TEST_CASE("an S3 listing of 100,000 objects costs under 80 bytes an object", "[planner][listing]") {
  // As the S3 backend lists them: a key, size, LastModified, an MD5 ETag
  // (also the MD5 the store vouches for). As text the two took 66 bytes.
  ListingIndex l;
  const size_t n = 100'000;
  for (size_t i = 0; i < n; ++i) {
    ObjectMeta m;
    m.key = fmt::format("folder{:03}/file{:06}.txt", i / 1000, i);
    m.size = 4096;
    m.last_modified = TimePoint(std::chrono::seconds(1'700'000'000 + i));
    m.hashes.md5 = fmt::format("{:032x}", i * 2654435761u);
    m.etag = m.hashes.md5;  // the S3 backend keeps ETags unquoted
    l.add(m);
  }
  l.order();
  CHECK(l.bytes_held() / n < 80);
  ObjectMeta last = l.meta(n - 1);
  CHECK(last.etag == fmt::format("{:032x}", (n - 1) * 2654435761u));
  CHECK(last.hashes.md5 == fmt::format("{:032x}", (n - 1) * 2654435761u));
}

TEST_CASE("listings in any order plan alike: byte order, UTF-16 order, shuffled", "[planner][merge]") {
  // Keys whose orders differ between stores: beyond U+FFFF and just below it,
  // NFC and NFD forms, upper and lower case, folders next to files.
  std::vector<std::string> keys{
      "a.txt",       "B.txt",   "b/c.txt", "b-c.txt", "caf\xc3\xa9", "z/\xef\xbd\x9e.txt", "z/\xf0\x9f\x98\x80.txt",
      "Z/upper.txt", "dir/one", "dir/two", "dir0/x",  "only-src.txt"};
  std::vector<ObjectMeta> src, dst;
  for (const std::string& k : keys) src.push_back(obj(k, k.size()));
  for (const std::string& k : keys) {
    if (k == "only-src.txt") continue;
    if (k == "caf\xc3\xa9") {
      dst.push_back(obj("cafe\xcc\x81", 4));  // its NFD form, as a store that keeps NFD lists it: one object
      continue;
    }
    dst.push_back(obj(k, k == "dir/two" ? 99 : k.size()));
  }
  dst.push_back(obj("only-dst.txt", 3));
  for (bool case_insensitive : {false, true}) {
    INFO("case-insensitive destination: " << case_insensitive);
    auto plan_with = [&](std::vector<ObjectMeta> s, std::vector<ObjectMeta> d) {
      PlanInput in = input(std::move(s), std::move(d));
      in.destination_caps.case_sensitive = !case_insensitive;
      in.delete_extraneous = true;
      return plan_of(in);
    };
    auto sorted = [](std::vector<ObjectMeta> v, auto less) {
      std::sort(v.begin(), v.end(), [&](const ObjectMeta& a, const ObjectMeta& b) { return less(a.key, b.key); });
      return v;
    };
    Plan bytes = plan_with(sorted(src, std::less<>()), sorted(dst, std::less<>()));
    Plan utf16 = plan_with(sorted(src, utf16_less), sorted(dst, utf16_less));
    Plan mixed = plan_with(sorted(src, utf16_less), sorted(dst, std::greater<>()));
    CHECK(summary(utf16) == summary(bytes));
    CHECK(summary(mixed) == summary(bytes));
    std::mt19937 rng(7);
    for (int round = 0; round < 5; ++round) {
      auto s = src, d = dst;
      std::shuffle(s.begin(), s.end(), rng);
      std::shuffle(d.begin(), d.end(), rng);
      CHECK(summary(plan_with(s, d)) == summary(bytes));
    }
    // And the plan is the right one: NFC and NFD are one object (the café
    // pair differs in size: one update, no add, no delete).
    CHECK(find(bytes, "only-src.txt")->kind == ActionKind::Add);
    CHECK(find(bytes, "only-dst.txt")->kind == ActionKind::Delete);
    CHECK(find(bytes, "dir/two")->kind == ActionKind::Update);
    CHECK(bytes.count(ActionKind::Add) == 1);
    if (case_insensitive) {
      // "B.txt" (source) matches "B.txt" (destination) and "Z/upper.txt"
      // matches itself; nothing collides because each side lists each name once.
      CHECK(bytes.count(ActionKind::Delete) == 1);
    }
    CHECK(find(bytes, "caf\xc3\xa9") != nullptr);
    CHECK(find(bytes, "caf\xc3\xa9")->kind == ActionKind::Update);
    CHECK(find(bytes, "cafe\xcc\x81") == nullptr);
  }
}

TEST_CASE("a case-insensitive store matches names whose byte order differs from their folded order",
          "[planner][merge]") {
  // Byte order: "B.txt" < "a.txt"; folded: "a.txt" < "b.txt".
  auto in = input({obj("B.txt", 1), obj("a.txt", 2), obj("C/d.txt", 3)},
                  {obj("A.TXT", 2), obj("b.txt", 1), obj("c/D.txt", 3)});
  in.destination_caps.case_sensitive = false;
  in.keep_unchanged = nullptr;
  Plan p = plan_of(in);
  CHECK(summary(p) == std::vector<std::string>{"unchanged 3"});
  SECTION("while a case-sensitive pair of stores keeps them apart") {
    in.destination_caps.case_sensitive = true;
    Plan q = plan_of(in);
    CHECK(q.count(ActionKind::Add) == 3);
    CHECK(q.count(ActionKind::Skip) == 3);  // extraneous, not deleted
    CHECK(q.unchanged_count == 0);
  }
}

TEST_CASE("a re-sync decided by size and mtime reads nothing back", "[planner][merge]") {
  std::vector<ObjectMeta> src, dst;
  for (int i = 0; i < 10'000; ++i) {
    src.push_back(obj(fmt::format("f{:05}", i), 100));
    dst.push_back(obj(fmt::format("f{:05}", i), 100));
  }
  auto in = input(src, dst);
  in.keep_unchanged = nullptr;
  int hashed = 0, headed = 0;
  in.hash = [&](Side, const ObjectMeta&, HashKinds) -> Result<HashSet> {
    ++hashed;
    return HashSet{};
  };
  in.head = [&](Side, const ObjectMeta& m) -> Result<ObjectMeta> {
    ++headed;
    return m;
  };
  Plan p = plan_of(in);
  CHECK(p.actions.empty());
  CHECK(p.unchanged_count == 10'000);
  CHECK(p.unchanged.empty());
  SECTION("a caller keeps only the pairs it asks for") {
    in.keep_unchanged = [](const ObjectMeta& s, const ObjectMeta& d) { return s.key == "f00042" && d.key == "f00042"; };
    Plan kept = plan_of(in);
    CHECK(kept.unchanged_count == 10'000);
    REQUIRE(kept.unchanged.size() == 1);
    CHECK(kept.unchanged[0].path == "f00042");
    CHECK(kept.unchanged[0].has_source);
    CHECK(kept.unchanged[0].has_destination);
  }
  CHECK(hashed == 0);
  CHECK(headed == 0);
  SECTION("hashes only where size and mtime disagree") {
    in.destination[17].mtime = from_unix_nanos(int64_t{5000} * 1'000'000'000);
    Plan q = plan_of(in);
    CHECK(hashed == 2);  // the one pair whose mtimes differ, both sides (neither listing had a hash)
    CHECK(headed == 0);
    CHECK(q.unchanged_count == 9'999);
    CHECK(q.count(ActionKind::Update) == 1);
  }
}

TEST_CASE("a plan handed over as it is decided is the plan, with every guard applied", "[planner][merge]") {
  auto check_same = [](PlanInput in) {
    Plan collected = plan_of(in);
    std::vector<PlanAction> handed;
    in.on_action = [&](PlanAction&& a) { handed.push_back(std::move(a)); };
    Plan streamed = plan_of(in);
    CHECK(streamed.actions.empty());
    // Handed over in match-key order; the plan keeps path order.
    std::stable_sort(handed.begin(), handed.end(),
                     [](const PlanAction& a, const PlanAction& b) { return a.path < b.path; });
    REQUIRE(handed.size() == collected.actions.size());
    for (size_t i = 0; i < handed.size(); ++i) {
      CHECK(handed[i].path == collected.actions[i].path);
      CHECK(handed[i].kind == collected.actions[i].kind);
      CHECK(handed[i].reason == collected.actions[i].reason);
    }
    CHECK(streamed.warnings == collected.warnings);
    CHECK(streamed.unchanged_count == collected.unchanged_count);
    return handed;
  };
  SECTION("an empty source deletes nothing") {
    auto in = input({}, {obj("a", 1), obj("b/c", 2)});
    in.delete_extraneous = true;
    auto handed = check_same(in);
    CHECK(std::all_of(handed.begin(), handed.end(), [](const PlanAction& a) { return a.kind == ActionKind::Skip; }));
  }
  SECTION("an unreadable folder keeps what lies below it") {
    auto in = input({obj("keep", 1)}, {obj("keep", 1), obj("locked/a", 1), obj("gone", 1)});
    in.delete_extraneous = true;
    in.source_unreadable.push_back({"locked/", Status(ErrorCode::PermissionDenied, "no")});
    auto handed = check_same(in);
    REQUIRE(handed.size() == 2);
    CHECK(handed[0].path == "gone");
    CHECK(handed[0].kind == ActionKind::Delete);
    CHECK(handed[1].path == "locked/a");
    CHECK(handed[1].kind == ActionKind::Skip);
  }
  SECTION("collisions, unusable names and folders in the way") {
    auto in = input({obj("x.txt", 1), obj("X.TXT", 1), obj("../up", 1), obj("a", 1), obj("a/b", 1), obj("k/l", 1)},
                    {obj("k", 1)});
    in.destination_caps = caps(false, true);
    auto handed = check_same(in);
    // Two collisions, one unusable name, "a" beside the folder "a", "a/b"
    // added, "k/l" behind the destination's file "k", and "k" itself extraneous.
    CHECK(handed.size() == 7);
    CHECK(find(plan_of(in), "a/b")->kind == ActionKind::Add);
  }
}

}  // namespace cloudsync::test
