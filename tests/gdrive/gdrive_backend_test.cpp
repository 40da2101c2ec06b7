// What is particular to Drive, against the stand-in: folder trees, duplicate
// names, Google Docs, names that need escaping, IDs kept across updates,
// compare-then-write modes, the trash, shortcuts, shared drives, resumable
// uploads and flagged files.
#include <algorithm>
#include <set>

#include "core/hash.hpp"
#include "core/time.hpp"
#include "gdrive/drive_fixture.hpp"
#include "support/recording_transport.hpp"

namespace cloudsync::test {

namespace {

ObjectMeta put_text(StorageBackend& b, std::string_view key, std::string_view data, PutOptions opts = {}) {
  auto r = b.write_all(P(key), data, opts, {});
  REQUIRE_OK(r);
  return *r;
}

std::vector<ObjectMeta> list(StorageBackend& b, std::string prefix = {}, bool recursive = true, uint32_t page = 0) {
  ListOptions opts;
  opts.prefix = std::move(prefix);
  opts.recursive = recursive;
  opts.max_keys = page;
  auto r = b.list_all(opts, {});
  REQUIRE_OK(r);
  return *r;
}

std::multiset<std::string> keys(const std::vector<ObjectMeta>& objects, ObjectKind kind = ObjectKind::File) {
  std::multiset<std::string> out;
  for (const ObjectMeta& m : objects) {
    if (m.kind == kind) out.insert(m.key);
  }
  return out;
}

size_t count_named(const std::vector<RawFile>& files, const std::string& name) {
  return static_cast<size_t>(
      std::count_if(files.begin(), files.end(), [&](const RawFile& f) { return f.name == name && !f.trashed; }));
}

}  // namespace

TEST_CASE("a folder tree three levels deep is created once and walked whole", "[gdrive][tree]") {
  DriveAdmin admin;
  std::string root = fresh_folder();
  auto b = open_drive(drive_options(root));
  put_text(*b, "a/b/c/deep.txt", "deep");
  put_text(*b, "a/b/mid.txt", "mid");
  put_text(*b, "a/top.txt", "top");
  put_text(*b, "root.txt", "root");
  put_text(*b, "a/b/c/deep2.txt", "deep2");

  // mkdir -p by ID: each folder exists once, nested as the keys say.
  RawFile a = admin.child(root, "a");
  CHECK(a.mime_type == kFolderMime);
  RawFile ab = admin.child(a.id, "b");
  RawFile abc = admin.child(ab.id, "c");
  CHECK(count_named(admin.children(abc.id), "deep.txt") == 1);
  CHECK(admin.content(admin.child(abc.id, "deep.txt").id) == "deep");

  CHECK(keys(list(*b)) ==
        std::multiset<std::string>{"a/b/c/deep.txt", "a/b/c/deep2.txt", "a/b/mid.txt", "a/top.txt", "root.txt"});
  CHECK(keys(list(*b, "a/b/")) == std::multiset<std::string>{"a/b/c/deep.txt", "a/b/c/deep2.txt", "a/b/mid.txt"});
  CHECK(keys(list(*b, "a/b/c/deep")) == std::multiset<std::string>{"a/b/c/deep.txt", "a/b/c/deep2.txt"});
  CHECK(keys(list(*b, "", true, 2)).size() == 5);  // paged across folders

  std::vector<ObjectMeta> level = list(*b, "a/", false);
  CHECK(keys(level) == std::multiset<std::string>{"a/top.txt"});
  CHECK(keys(level, ObjectKind::DirectoryMarker) == std::multiset<std::string>{"a/b/"});

  SECTION("a tree made by another client is walked the same way") {
    std::string x = admin.create_folder("x", root);
    std::string y = admin.create_folder("y", x);
    std::string z = admin.create_folder("z", y);
    admin.create_file("made-elsewhere.csv", z, "1,2,3");
    auto fresh = open_drive(drive_options(root));  // no cached folders
    CHECK(keys(list(*fresh, "x/")) == std::multiset<std::string>{"x/y/z/made-elsewhere.csv"});
    CHECK(read_object(*fresh, "x/y/z/made-elsewhere.csv") == "1,2,3");
  }
  SECTION("a folder deleted behind the backend's back is looked up again") {
    REQUIRE_OK(b->remove(P("a/b/c/deep.txt"), {}));
    REQUIRE_OK(b->remove(P("a/b/c/deep2.txt"), {}));
    // Another client deletes folder a/b/c for good; the backend still has its ID cached.
    admin.remove(abc.id);
    auto other = open_drive(drive_options(root));
    put_text(*b, "a/b/c/again.txt", "again");
    CHECK(read_object(*other, "a/b/c/again.txt") == "again");
    RawFile new_c = admin.child(ab.id, "c");
    CHECK(new_c.id != abc.id);
  }
}

TEST_CASE("same-name duplicates are reported, never merged", "[gdrive][duplicates]") {
  DriveAdmin admin;
  std::string root = fresh_folder();
  std::string one = admin.create_file("dup.txt", root, "first");
  std::string two = admin.create_file("dup.txt", root, "second");
  auto b = open_drive(drive_options(root));

  std::vector<ObjectMeta> all = list(*b);
  CHECK(keys(all) == std::multiset<std::string>{"dup.txt", "dup.txt"});
  std::set<std::string> ids;
  for (const ObjectMeta& m : all) ids.insert(m.id);
  CHECK(ids == std::set<std::string>{one, two});

  REQUIRE_CODE(b->head(P("dup.txt"), {}), ErrorCode::Conflict);
  StringSink sink;
  REQUIRE_CODE(b->get(P("dup.txt"), {}, sink, {}), ErrorCode::Conflict);
  CHECK(sink.out.empty());
  REQUIRE_CODE(b->write_all(P("dup.txt"), "third", {}, {}), ErrorCode::Conflict);
  REQUIRE_CODE(b->remove(P("dup.txt"), {}), ErrorCode::Conflict);
  // Both are still there, untouched.
  CHECK(count_named(admin.children(root), "dup.txt") == 2);
  CHECK(admin.content(one) == "first");
  CHECK(admin.content(two) == "second");

  SECTION("duplicate folders: their files are all listed; new files are not placed in either") {
    std::string twin1 = admin.create_folder("twin", root);
    std::string twin2 = admin.create_folder("twin", root);
    admin.create_file("a.txt", twin1, "in the first");
    admin.create_file("b.txt", twin2, "in the second");
    CHECK(keys(list(*b, "twin/")) == std::multiset<std::string>{"twin/a.txt", "twin/b.txt"});
    CHECK(read_object(*b, "twin/b.txt") == "in the second");
    put_text(*b, "twin/a.txt", "updated in place");
    CHECK(read_object(*b, "twin/a.txt") == "updated in place");
    REQUIRE_CODE(b->write_all(P("twin/new.txt"), "where?", {}, {}), ErrorCode::Conflict);
  }
}

TEST_CASE("Google Docs are listed as documents, exported, never overwritten", "[gdrive][documents]") {
  DriveAdmin admin;
  std::string root = fresh_folder();
  std::string reports = admin.create_folder("reports", root);
  std::string doc = admin.create_document("Quarterly", reports, kDocMime, "the quarter was fine");
  admin.create_document("Budget", reports, kSheetMime, "a,b\n1,2\n");
  admin.create_document("Sketch", reports, kDrawingMime, "<svg/>");
  admin.create_document("Survey", reports, "application/vnd.google-apps.form", "questions");
  admin.create_file("plain.txt", reports, "plain");
  auto b = open_drive(drive_options(root));

  std::vector<ObjectMeta> all = list(*b);
  CHECK(keys(all, ObjectKind::Document) ==
        std::multiset<std::string>{"reports/Budget.xlsx", "reports/Quarterly.docx", "reports/Sketch.pdf"});
  CHECK(keys(all) == std::multiset<std::string>{"reports/plain.txt"});  // the form has no export format in use

  auto head = b->head(P("reports/Quarterly.docx"), {});
  REQUIRE_OK(head);
  CHECK(head->kind == ObjectKind::Document);
  CHECK(head->id == doc);
  CHECK(head->hashes.empty());
  CHECK(read_object(*b, "reports/Quarterly.docx") == std::string(kDocxMime) + "\nthe quarter was fine");
  REQUIRE_CODE(b->head(P("reports/Quarterly"), {}), ErrorCode::NotFound);

  // Never overwritten or deleted through the backend.
  auto overwrite = b->write_all(P("reports/Quarterly.docx"), "local bytes", {}, {});
  REQUIRE_CODE(overwrite, ErrorCode::Conflict);
  CHECK(overwrite.status().message().find("never overwritten") != std::string::npos);
  REQUIRE_CODE(b->remove(P("reports/Quarterly.docx"), {}), ErrorCode::Conflict);
  CHECK(admin.get(doc)->version == head->version);
  CHECK(count_named(admin.children(reports), "Quarterly.docx") == 0);

  SECTION("export formats are configurable") {
    GDriveOptions o = drive_options(root);
    o.export_formats = "csv,pdf";
    auto csv = open_drive(o);
    CHECK(keys(list(*csv), ObjectKind::Document) ==
          std::multiset<std::string>{"reports/Budget.csv", "reports/Quarterly.pdf", "reports/Sketch.pdf"});
    CHECK(read_object(*csv, "reports/Budget.csv") == "text/csv\na,b\n1,2\n");
    o.export_formats = "none";
    CHECK(keys(list(*open_drive(o)), ObjectKind::Document).empty());
  }
  SECTION("a document over the export limit comes through its exportLinks") {
    std::string big(kStandInExportLimit * 3, 'x');
    admin.create_document("Long", reports, kDocMime, big);
    CHECK(read_object(*b, "reports/Long.docx") == std::string(kDocxMime) + "\n" + big);
  }
}

TEST_CASE("names that need escaping in queries round-trip", "[gdrive][names]") {
  DriveAdmin admin;
  std::string root = fresh_folder();
  auto b = open_drive(drive_options(root));
  for (const char* key : {"it's a \\ test.txt", "quote'folder/back\\slash/x.txt", "this and that or (other).txt",
                          "name = 'x'.txt", "not trashed = true.txt"}) {
    INFO(key);
    put_text(*b, key, key);
    CHECK(read_object(*b, key) == key);
  }
  CHECK(keys(list(*b)).size() == 5);
  SECTION("a Drive name holding '/' appears with U+FF0F") {
    std::string id = admin.create_file("a/b.txt", root, "slash");
    std::string key =
        "a\xEF\xBC\x8F"
        "b.txt";
    CHECK(keys(list(*b)).count(key) == 1);
    auto head = b->head(P(key), {});
    REQUIRE_OK(head);
    CHECK(head->id == id);
    CHECK(read_object(*b, key) == "slash");
  }
}

TEST_CASE("updates keep the file's ID, and mtime and md5 round-trip", "[gdrive][write]") {
  DriveAdmin admin;
  std::string root = fresh_folder();
  auto b = open_drive(drive_options(root));
  PutOptions opts;
  opts.mtime = from_unix_nanos(1'700'000'000'123'456'789);
  opts.metadata = {{"origin", "cloudsync"}};
  ObjectMeta first = put_text(*b, "keep/id.txt", "version one", opts);
  opts.mtime = from_unix_nanos(1'700'000'100'987'000'000);
  ObjectMeta second = put_text(*b, "keep/id.txt", "version two, longer", opts);
  CHECK(first.id == second.id);
  CHECK(first.etag != second.etag);
  std::string folder = admin.child(root, "keep").id;
  CHECK(count_named(admin.children(folder), "id.txt") == 1);

  auto head = b->head(P("keep/id.txt"), {});
  REQUIRE_OK(head);
  CHECK(head->id == first.id);
  REQUIRE(head->mtime.has_value());
  CHECK(to_unix_nanos(*head->mtime) == 1'700'000'100'987'000'000);
  CHECK(head->hashes.md5 == to_hex(md5_digest("version two, longer")));
  CHECK(head->metadata.at("origin") == "cloudsync");
  CHECK(head->size == 19);

  SECTION("a wrong known MD5 is caught as corruption") {
    PutOptions wrong;
    wrong.known_hashes.md5 = to_hex(md5_digest("something else"));
    REQUIRE_CODE(b->write_all(P("keep/id.txt"), "version three", wrong, {}), ErrorCode::Integrity);
  }
}

TEST_CASE("create-only and conditional updates compare, then write", "[gdrive][conditional]") {
  std::string root = fresh_folder();
  auto b = open_drive(drive_options(root));
  CHECK_FALSE(b->capabilities().conditional_create);
  CHECK_FALSE(b->capabilities().conditional_update);
  PutOptions create;
  create.mode = PutMode::Create;
  ObjectMeta v1 = put_text(*b, "cas.txt", "v1", create);
  REQUIRE_CODE(b->write_all(P("cas.txt"), "again", create, {}), ErrorCode::AlreadyExists);
  PutOptions update;
  update.mode = PutMode::Update;
  update.if_match = v1.etag;
  ObjectMeta v2 = put_text(*b, "cas.txt", "v2", update);
  REQUIRE_CODE(b->write_all(P("cas.txt"), "v3", update, {}), ErrorCode::PreconditionFailed);  // stale etag
  CHECK(read_object(*b, "cas.txt") == "v2");
  update.if_match = v2.etag;
  put_text(*b, "cas.txt", "v3", update);
  CHECK(read_object(*b, "cas.txt") == "v3");
  REQUIRE_CODE(b->write_all(P("missing.txt"), "x", update, {}), ErrorCode::PreconditionFailed);
  StringSink sink;
  REQUIRE_CODE(b->get(P("cas.txt"), GetOptions{std::nullopt, v1.etag}, sink, {}), ErrorCode::PreconditionFailed);
}

TEST_CASE("deletes go to the trash unless use_trash is off", "[gdrive][delete]") {
  DriveAdmin admin;
  std::string root = fresh_folder();
  auto b = open_drive(drive_options(root));
  ObjectMeta trashed = put_text(*b, "bin/trashed.txt", "t");
  REQUIRE_OK(b->remove(P("bin/trashed.txt"), {}));
  auto raw = admin.get(trashed.id);
  REQUIRE(raw.has_value());
  CHECK(raw->trashed);
  REQUIRE_CODE(b->head(P("bin/trashed.txt"), {}), ErrorCode::NotFound);
  CHECK(list(*b).empty());
  REQUIRE_OK(b->remove(P("bin/trashed.txt"), {}));  // already gone counts as deleted
  REQUIRE_OK(b->remove(P("nowhere/at/all.txt"), {}));

  GDriveOptions o = drive_options(root);
  o.use_trash = false;
  auto permanent = open_drive(o);
  ObjectMeta gone = put_text(*permanent, "bin/gone.txt", "g");
  REQUIRE_OK(permanent->remove(P("bin/gone.txt"), {}));
  CHECK_FALSE(admin.get(gone.id).has_value());
}

TEST_CASE("shortcuts are skipped, or followed read-only without looping", "[gdrive][shortcuts]") {
  DriveAdmin admin;
  std::string root = fresh_folder();
  std::string real = admin.create_folder("real", root);
  std::string inside = admin.create_file("inside.txt", real, "inside");
  admin.create_shortcut("link", root, real);         // to a folder
  admin.create_shortcut("back", real, root);         // back up to the root: a loop
  admin.create_shortcut("alias.txt", root, inside);  // to a file
  std::string doomed = admin.create_file("doomed.txt", real, "x");
  admin.create_shortcut("dangling.txt", root, doomed);
  admin.remove(doomed);

  auto skipping = open_drive(drive_options(root));
  CHECK(keys(list(*skipping)) == std::multiset<std::string>{"real/inside.txt"});
  REQUIRE_CODE(skipping->head(P("alias.txt"), {}), ErrorCode::NotFound);

  GDriveOptions o = drive_options(root);
  o.follow_shortcuts = true;
  auto following = open_drive(o);
  // "real/back" and "link/back" lead to the root: not followed; "dangling.txt" points nowhere.
  CHECK(keys(list(*following)) == std::multiset<std::string>{"alias.txt", "link/inside.txt", "real/inside.txt"});
  CHECK(read_object(*following, "alias.txt") == "inside");
  CHECK(read_object(*following, "link/inside.txt") == "inside");
  auto head = following->head(P("alias.txt"), {});
  REQUIRE_OK(head);
  CHECK(head->id == inside);
  REQUIRE_CODE(following->write_all(P("alias.txt"), "through the shortcut", {}, {}), ErrorCode::Conflict);
  REQUIRE_CODE(following->remove(P("alias.txt"), {}), ErrorCode::Conflict);
  CHECK(admin.content(inside) == "inside");
}

TEST_CASE("shared drives: every call says supportsAllDrives, listings use the drive's corpus", "[gdrive][shared]") {
  DriveAdmin admin;
  std::string drive = admin.create_shared_drive("Team");
  std::string folder = admin.create_folder("project", drive);
  admin.create_file("existing.txt", folder, "was there");
  auto recorder = std::make_shared<RecordingTransport>();
  auto b = open_drive_with(folder, recorder);

  // The stand-in hides shared-drive items from calls without the flags, as Drive does.
  CHECK(keys(list(*b)) == std::multiset<std::string>{"existing.txt"});
  put_text(*b, "sub/new.txt", "new");
  put_text(*b, "sub/large.bin", random_bytes(700 * 1024, 3));  // above the cutoff: resumable
  CHECK(read_object(*b, "sub/new.txt") == "new");
  CHECK(read_object(*b, "existing.txt") == "was there");
  REQUIRE_OK(b->remove(P("existing.txt"), {}));
  CHECK(keys(list(*b)) == std::multiset<std::string>{"sub/large.bin", "sub/new.txt"});

  size_t lists = 0;
  for (const RecordingTransport::Entry& sent : recorder->entries()) {
    const std::string& method = sent.method;
    const std::string& url = sent.url;
    INFO(method << " " << url);
    if (url.find("upload_id=") != std::string::npos) continue;  // a session URI is not an API call
    CHECK(url.find("supportsAllDrives=true") != std::string::npos);
    if (method == "GET" && url.find("/drive/v3/files?") != std::string::npos) {
      ++lists;
      CHECK(url.find("includeItemsFromAllDrives=true") != std::string::npos);
      CHECK(url.find("corpora=drive") != std::string::npos);
      CHECK(url.find("driveId=" + drive) != std::string::npos);
      CHECK(url.find("fields=") != std::string::npos);
    }
  }
  CHECK(lists > 3);
}

TEST_CASE("resumable uploads: put() above the cutoff, and parts in order", "[gdrive][resumable]") {
  DriveAdmin admin;
  std::string root = fresh_folder();
  GDriveOptions o = drive_options(root);
  o.upload_cutoff = 256 * 1024;
  auto b = open_drive(o);
  std::string data = random_bytes(1024 * 1024 + 5, 21);
  ObjectMeta first = put_text(*b, "big/one.bin", data);
  CHECK(first.size == data.size());
  CHECK(first.hashes.md5 == to_hex(md5_digest(data)));
  CHECK(read_object(*b, "big/one.bin") == data);
  std::string changed = random_bytes(600 * 1024, 22);
  ObjectMeta second = put_text(*b, "big/one.bin", changed);
  CHECK(second.id == first.id);  // a resumable update PATCHes the same file
  CHECK(read_object(*b, "big/one.bin") == changed);

  SECTION("the session keeps only part of some chunks: the rest is sent again, in whole 256 KiB chunks") {
    admin.short_chunks(2, 100'000);
    ObjectMeta third = put_text(*b, "big/short.bin", data);
    CHECK(admin.short_chunks_left() == 0);
    CHECK(third.hashes.md5 == to_hex(md5_digest(data)));
    CHECK(read_object(*b, "big/short.bin") == data);
  }
  SECTION("a source of unknown size") {
    class Unsized final : public ByteSource {
     public:
      explicit Unsized(std::string_view d) : inner_(d) {}
      Result<size_t> read(std::span<char> buf) override { return inner_.read(buf); }
      std::optional<uint64_t> size() const override { return std::nullopt; }
      Status rewind() override { return inner_.rewind(); }

     private:
      MemorySource inner_;
    } unsized(data);
    auto r = b->put(P("big/unsized.bin"), unsized, {}, {});
    REQUIRE_OK(r);
    CHECK(read_object(*b, "big/unsized.bin") == data);
  }
  SECTION("multipart parts must come in order, and may be of any size") {
    auto upload = b->start_multipart(P("big/parts.bin"), {}, {});
    REQUIRE_OK(upload);
    MemorySource p1(std::string_view(data).substr(0, 300 * 1024));
    REQUIRE_OK((*upload)->upload_part(1, p1, {}));
    MemorySource p3(std::string_view(data).substr(0, 10));
    REQUIRE_CODE((*upload)->upload_part(3, p3, {}), ErrorCode::InvalidArgument);
    MemorySource p2(std::string_view(data).substr(300 * 1024));
    auto r2 = (*upload)->upload_part(2, p2, {});
    REQUIRE_OK(r2);
    auto p1info = PartInfo{1, 300 * 1024, {}};
    auto done = (*upload)->complete({*r2, p1info}, {});
    REQUIRE_OK(done);
    CHECK(read_object(*b, "big/parts.bin") == data);
  }
  SECTION("a key written by someone else during a multipart upload is not overwritten blindly") {
    PutOptions create;
    create.mode = PutMode::Create;
    auto upload = b->start_multipart(P("big/race.bin"), create, {});
    REQUIRE_OK(upload);
    MemorySource part(data);
    auto info = (*upload)->upload_part(1, part, {});
    REQUIRE_OK(info);
    admin.create_file("race.bin", admin.child(root, "big").id, "the other writer");
    REQUIRE_CODE((*upload)->complete({*info}, {}), ErrorCode::AlreadyExists);
    REQUIRE_OK((*upload)->abort({}));
  }
}

TEST_CASE("the root folder must exist and be a folder", "[gdrive][root]") {
  DriveAdmin admin;
  auto missing = open_drive(drive_options("no-such-folder-id"));
  auto listed = missing->list_all({}, {});
  REQUIRE_CODE(listed, ErrorCode::NotFound);
  CHECK(listed.status().message().find("not shared with these credentials") != std::string::npos);
  REQUIRE_CODE(missing->head(P("a.txt"), {}), ErrorCode::NotFound);
  std::string file = admin.create_file("not-a-folder.txt", fresh_folder(), "x");
  REQUIRE_CODE(open_drive(drive_options(file))->list_all({}, {}), ErrorCode::InvalidArgument);
}

TEST_CASE("a listing Drive calls incomplete fails, so nothing is planned from it", "[gdrive][listing]") {
  DriveAdmin admin;
  std::string root = fresh_folder();
  std::string sub = admin.create_folder("sub", root);
  admin.create_file("a.txt", sub, "a");
  auto b = open_drive(drive_options(root));
  REQUIRE_OK(b->list_all({}, {}));
  admin.flag_incomplete_search(sub);
  auto listed = b->list_all({}, {});
  REQUIRE_CODE(listed, ErrorCode::Network);
  CHECK(listed.status().message().find("incompleteSearch") != std::string::npos);
}

TEST_CASE("files flagged as abusive download only with acknowledge_abuse", "[gdrive][abuse]") {
  DriveAdmin admin;
  std::string root = fresh_folder();
  std::string id = admin.create_file("flagged.exe", root, "MZ...");
  admin.flag_abusive(id);
  auto b = open_drive(drive_options(root));
  StringSink sink;
  auto refused = b->get(P("flagged.exe"), {}, sink, {});
  REQUIRE_CODE(refused, ErrorCode::PermissionDenied);
  CHECK(refused.status().message().find("acknowledge_abuse") != std::string::npos);
  CHECK(refused.status().provider_code() == "cannotDownloadAbusiveFile");
  GDriveOptions o = drive_options(root);
  o.acknowledge_abuse = true;
  CHECK(read_object(*open_drive(o), "flagged.exe") == "MZ...");
}

}  // namespace cloudsync::test
