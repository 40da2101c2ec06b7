// The planner's rules, on hand-made listings.
#include "engine/planner_fixtures.hpp"

namespace cloudsync::test {

TEST_CASE("two-way planning: adds, updates, unchanged, extraneous", "[planner]") {
  auto in =
      input({obj("new.txt", 3), obj("same.txt", 5, "", 1000), obj("bigger.txt", 9), obj("touched.txt", 4, "", 50)},
            {obj("same.txt", 5, "", 1000), obj("bigger.txt", 8), obj("touched.txt", 4, "", 60), obj("old.txt", 1)});
  SECTION("without delete_extraneous, extra destination files are reported, not deleted") {
    Plan p = plan_of(in);
    REQUIRE(find(p, "new.txt"));
    CHECK(find(p, "new.txt")->kind == ActionKind::Add);
    CHECK(find(p, "bigger.txt")->kind == ActionKind::Update);
    CHECK(find(p, "bigger.txt")->reason.find("size") != std::string::npos);
    // Same size, different mtime and no hashes to prove equality: update.
    CHECK(find(p, "touched.txt")->kind == ActionKind::Update);
    CHECK(find(p, "old.txt")->kind == ActionKind::Skip);
    CHECK(find(p, "same.txt") == nullptr);
    CHECK(p.unchanged.size() == 1);
    CHECK(p.count(ActionKind::Delete) == 0);
    CHECK(p.bytes_to_transfer() == 3 + 9 + 4);
  }
  SECTION("with delete_extraneous they are deleted") {
    in.delete_extraneous = true;
    Plan p = plan_of(in);
    CHECK(find(p, "old.txt")->kind == ActionKind::Delete);
  }
}

TEST_CASE("equal hashes prove equality when mtimes differ; the hasher runs only when needed", "[planner]") {
  auto s = obj("a.bin", 4, "", 10);
  s.hashes.md5 = "abcd";
  auto d = obj("a.bin", 4, "", 20);
  auto in = input({s}, {d});
  int hashed = 0;
  in.hash = [&](Side side, const ObjectMeta&, HashKinds wanted) -> Result<HashSet> {
    ++hashed;
    CHECK(side == Side::Destination);
    CHECK(wanted == hash_kinds(HashKind::Md5));  // what the other side knows, nothing more
    HashSet h;
    h.md5 = "abcd";
    return h;
  };
  Plan p = plan_of(in);
  CHECK(p.actions.empty());
  CHECK(p.unchanged.size() == 1);
  CHECK(hashed == 1);
  // With equal mtimes nothing is hashed at all.
  in.destination[0].mtime = s.mtime;
  hashed = 0;
  plan_of(in);
  CHECK(hashed == 0);
}

TEST_CASE("a listing that tells neither time nor hash is completed from the object itself", "[planner]") {
  // An S3 multipart object: ListObjectsV2 gives its size and a non-MD5 ETag only.
  auto s = obj("big.bin", 100, "", 1000);
  auto d = obj("big.bin", 100, "0123-2");
  d.mtime.reset();
  auto in = input({s}, {d});
  int heads = 0;
  in.head = [&](Side side, const ObjectMeta& m) -> Result<ObjectMeta> {
    ++heads;
    CHECK(side == Side::Destination);
    ObjectMeta h = m;
    h.mtime = from_unix_nanos(2000LL * 1'000'000'000);  // another time: the hashes decide
    h.hashes.crc32c = "deadbeef";
    return h;
  };
  std::string local_crc;
  HashKinds asked = 0;
  in.hash = [&](Side side, const ObjectMeta&, HashKinds wanted) -> Result<HashSet> {
    CHECK(side == Side::Source);
    asked = wanted;
    HashSet h;
    h.crc32c = local_crc;
    return h;
  };
  SECTION("same size, other content: an update") {
    local_crc = "0badf00d";
    Plan p = plan_of(in);
    REQUIRE(p.actions.size() == 1);
    CHECK(p.actions[0].kind == ActionKind::Update);
    CHECK(heads == 1);
    CHECK(asked == hash_kinds(HashKind::Crc32c));  // only what the object vouches for
  }
  SECTION("same content: unchanged") {
    local_crc = "deadbeef";
    Plan p = plan_of(in);
    CHECK(p.actions.empty());
    CHECK(p.unchanged.size() == 1);
  }
  SECTION("a listing with a hash is not read again") {
    in.destination[0].hashes.md5 = "abcd";
    local_crc = "unused";
    plan_of(in);
    CHECK(heads == 0);
  }
}

TEST_CASE("three-way planning against a baseline", "[planner]") {
  Baseline base;
  auto fp = [](uint64_t size, std::string etag) { return Fingerprint{size, std::move(etag), std::nullopt, {}}; };
  base["same.txt"] = {fp(1, "r1"), fp(1, "l1")};
  base["remote-changed.txt"] = {fp(1, "r1"), fp(1, "l1")};
  base["local-changed.txt"] = {fp(1, "r1"), fp(1, "l1")};
  base["both-changed.txt"] = {fp(1, "r1"), fp(1, "l1")};
  base["gone-remote.txt"] = {fp(1, "r1"), fp(1, "l1")};
  base["gone-remote-edited.txt"] = {fp(1, "r1"), fp(1, "l1")};
  auto in = input({obj("same.txt", 1, "r1"), obj("remote-changed.txt", 2, "r2"), obj("local-changed.txt", 1, "r1"),
                   obj("both-changed.txt", 2, "r2"), obj("never-synced.txt", 1, "x")},
                  {obj("same.txt", 1, "l1"), obj("remote-changed.txt", 1, "l1"), obj("local-changed.txt", 3, "l2"),
                   obj("both-changed.txt", 3, "l2"), obj("gone-remote.txt", 1, "l1"),
                   obj("gone-remote-edited.txt", 5, "l9"), obj("local-only.txt", 1, "l")});
  in.baseline = &base;
  in.delete_extraneous = true;
  Plan p = plan_of(in);
  CHECK(find(p, "same.txt") == nullptr);
  CHECK(find(p, "remote-changed.txt")->kind == ActionKind::Update);
  CHECK(find(p, "local-changed.txt")->kind == ActionKind::Skip);
  CHECK(find(p, "both-changed.txt")->kind == ActionKind::Conflict);
  CHECK(find(p, "gone-remote.txt")->kind == ActionKind::Delete);
  CHECK(find(p, "gone-remote-edited.txt")->kind == ActionKind::Conflict);
  CHECK(find(p, "never-synced.txt")->kind == ActionKind::Add);
  // A destination file the source never gave us is none of the sync's business.
  CHECK(find(p, "local-only.txt") == nullptr);

  SECTION("both sides present, no history, different content: a conflict, not an overwrite") {
    auto in2 = input({obj("x.txt", 2, "r")}, {obj("x.txt", 3, "l")});
    Baseline empty;
    in2.baseline = &empty;
    Plan p2 = plan_of(in2);
    CHECK(find(p2, "x.txt")->kind == ActionKind::Conflict);
  }
}

TEST_CASE("hostile and unusable names are skipped, never acted on", "[planner][security]") {
  std::vector<ObjectMeta> src;
  for (std::string key :
       {std::string("../x"), std::string("a/../../etc/passwd"), std::string("a//b"), std::string("/abs"),
        std::string("nul\0byte", 8), std::string("ctl\x01.txt"), std::string("trailing/"), std::string("ok.txt")}) {
    src.push_back(obj(key, 1));
  }
  auto in = input(src, {obj("../y", 1)});
  in.delete_extraneous = true;
  Plan p = plan_of(in);
  CHECK(p.count(ActionKind::Add) == 1);
  CHECK(find(p, "ok.txt")->kind == ActionKind::Add);
  CHECK(p.count(ActionKind::Delete) == 0);
  CHECK(p.count(ActionKind::Skip) == 8);
  for (const auto& a : p.actions) {
    if (a.path != "ok.txt") CHECK(a.reason.find("unusable name") != std::string::npos);
  }
}

TEST_CASE("names that collide after Unicode normalisation or case folding", "[planner]") {
  SECTION("NFC and NFD spellings of one name at the source are both skipped") {
    auto in = input({obj("caf\xc3\xa9.txt", 1), obj("cafe\xcc\x81.txt", 2)}, {});
    Plan p = plan_of(in);
    CHECK(p.count(ActionKind::Skip) == 2);
    CHECK(p.count(ActionKind::Add) == 0);
  }
  SECTION("an NFD source name matches the NFC destination file instead of creating a twin") {
    auto in = input({obj("cafe\xcc\x81.txt", 1, "", 5)}, {obj("caf\xc3\xa9.txt", 1, "", 5)});
    Plan p = plan_of(in);
    CHECK(p.actions.empty());
    CHECK(p.unchanged.size() == 1);
  }
  SECTION("case variants collide only when a side is case-insensitive") {
    auto in = input({obj("Readme.md", 1), obj("README.md", 2)}, {});
    CHECK(plan_of(in).count(ActionKind::Add) == 2);
    in.destination_caps.case_sensitive = false;
    Plan p = plan_of(in);
    CHECK(p.count(ActionKind::Add) == 0);
    CHECK(p.count(ActionKind::Skip) == 2);
  }
}

TEST_CASE("a file and a folder of the same name on a hierarchical destination", "[planner]") {
  auto in = input({obj("a", 1), obj("a/b.txt", 1), obj("c/d.txt", 1)}, {obj("c", 1)});
  in.destination_caps.hierarchical = true;
  Plan p = plan_of(in);
  CHECK(find(p, "a")->kind == ActionKind::Skip);
  CHECK(find(p, "a")->reason.find("folder of the same name") != std::string::npos);
  CHECK(find(p, "a/b.txt")->kind == ActionKind::Add);
  CHECK(find(p, "c/d.txt")->kind == ActionKind::Skip);
  CHECK(find(p, "c/d.txt")->reason.find("in the way") != std::string::npos);
  // On an object store both can exist.
  in.destination_caps.hierarchical = false;
  CHECK(plan_of(in).count(ActionKind::Add) == 3);
}

TEST_CASE("an empty source never deletes the destination", "[planner][safety]") {
  auto in = input({}, {obj("a.txt", 1), obj("b.txt", 1)});
  in.delete_extraneous = true;
  Plan p = plan_of(in);
  CHECK(p.count(ActionKind::Delete) == 0);
  CHECK(p.count(ActionKind::Skip) == 2);
  REQUIRE(p.warnings.size() == 1);
}

TEST_CASE("a selected folder the source lists nothing in deletes nothing", "[planner][safety]") {
  auto in =
      input({obj("a/kept.txt", 1)}, {obj("a/kept.txt", 1), obj("a/gone.txt", 1), obj("b/x.txt", 1), obj("b/y.txt", 1)});
  in.delete_extraneous = true;
  in.folders = {"a", "b"};
  Plan p = plan_of(in);
  REQUIRE(find(p, "a/gone.txt") != nullptr);
  CHECK(find(p, "a/gone.txt")->kind == ActionKind::Delete);  // "a" is listed: its extraneous file goes
  REQUIRE(find(p, "b/x.txt") != nullptr);
  CHECK(find(p, "b/x.txt")->kind == ActionKind::Skip);
  CHECK(find(p, "b/y.txt")->kind == ActionKind::Skip);
  REQUIRE(p.warnings.size() == 1);
  CHECK(p.warnings[0].find("'b'") != std::string::npos);
}

TEST_CASE("same_version", "[planner]") {
  Fingerprint f{3, "e1", std::nullopt, {}};
  ObjectMeta m = obj("k", 3, "e1");
  CHECK(same_version(f, m));
  m.etag = "e2";
  CHECK_FALSE(same_version(f, m));
  f.hashes.sha256 = "h";
  m.hashes.sha256 = "h";
  CHECK(same_version(f, m));  // re-written with identical content
  m.size = 4;
  CHECK_FALSE(same_version(f, m));
}

TEST_CASE("provider-native documents are compared by time and never overwritten", "[planner]") {
  ObjectMeta doc = obj("Report.docx", 0, "v7", 500);
  doc.kind = ObjectKind::Document;
  SECTION("an exported copy with the document's mtime is in sync despite the size") {
    auto in = input({doc}, {obj("Report.docx", 12345, "", 500)});
    Plan p = plan_of(in);
    CHECK(p.actions.empty());
    auto later = input({obj("Report.docx", 0, "v8", 900)}, {obj("Report.docx", 12345, "", 500)});
    later.source[0].kind = ObjectKind::Document;
    CHECK(find(plan_of(later), "Report.docx")->kind == ActionKind::Update);
  }
  SECTION("writing back over a document or deleting it is refused") {
    auto in = input({obj("Report.docx", 99, "", 900)}, {doc});
    in.delete_extraneous = true;
    in.destination.push_back(doc);
    in.destination.back().key = "Other.docx";
    Plan p = plan_of(in);
    CHECK(find(p, "Report.docx")->kind == ActionKind::Skip);
    CHECK(find(p, "Other.docx")->kind == ActionKind::Skip);
    CHECK(find(p, "Other.docx")->reason.find("never overwritten or deleted") != std::string::npos);
  }
}

TEST_CASE("plans serialise to JSON", "[planner]") {
  auto in = input({obj("a \"quoted\".txt", 3)}, {});
  Plan p = plan_of(in);
  std::string json = plan_to_json(p);
  CHECK(json.find("\"kind\":\"add\"") != std::string::npos);
  CHECK(json.find("a \\\"quoted\\\".txt") != std::string::npos);
  CHECK(json.find("\"bytes_to_transfer\":3") != std::string::npos);
}

}  // namespace cloudsync::test
