// Server-side copies on the Drive stand-in (files.copy): within one folder,
// across folders and root folders of one account, through the adapters
// open_backend puts in front, with the bytes each client sent and received
// counted and the requests recorded (no upload, no download); the source
// pinned to its listed etag, also when it changes while Drive copies; the
// destination's PutMode, and a replace that leaves exactly one file under the
// name; Google-native documents, which are exported and so streamed; other
// accounts and endpoints, which stream; a sync between two gdrive locations.
#include <functional>
#include <utility>

#include "auth/oauth/token_provider.hpp"
#include "backends/gdrive/gdrive_backend.hpp"
#include "backends/refused_action.hpp"
#include "cloudsync/sync.hpp"
#include "core/file_io.hpp"
#include "core/hash.hpp"
#include "gdrive/drive_fixture.hpp"
#include "support/byte_counting_transport.hpp"
#include "support/copy_checks.hpp"
#include "support/recording_transport.hpp"
#include "transfer/server_copy.hpp"
#include "transfer/transfer.hpp"

namespace cloudsync::test {

namespace {

// Drive keeps modifiedTime to the millisecond.
TimePoint kept_mtime_ms() { return std::chrono::floor<std::chrono::milliseconds>(kept_mtime()); }

// Runs `before` once, just before the first files.copy request goes out
// (another client changing the source while Drive copies).
class BeforeCopy final : public http::Transport {
 public:
  explicit BeforeCopy(std::shared_ptr<http::Transport> inner) : inner_(std::move(inner)) {}
  Result<http::Response> send(const http::Request& request, ByteSink* sink, const OpContext& ctx) override {
    if (before && request.method == "POST" && request.url.find("/copy?") != std::string::npos) {
      std::exchange(before, {})();
    }
    return inner_->send(request, sink, ctx);
  }
  std::function<void()> before;

 private:
  std::shared_ptr<http::Transport> inner_;
};

struct CountedDrive {
  std::string root;
  std::shared_ptr<RecordingTransport> requests;
  std::shared_ptr<ByteCountingTransport> wire;
  std::shared_ptr<StorageBackend> drive;  ///< the whole root folder
  std::shared_ptr<StorageBackend> view;   ///< below `prefix`, labelled as open_backend() labels
  /// Requests that carried or fetched an object's bytes.
  size_t object_requests() const {
    return requests->matching("/upload/").size() + requests->matching("alt=media").size() +
           requests->matching("/export").size();
  }
};

CountedDrive counted(const std::string& root, const std::string& prefix, const std::string& token = "valid-token",
                     std::shared_ptr<http::Transport> inner = {}) {
  CountedDrive out;
  out.root = root;
  RecordingOptions recording;
  recording.inner = std::move(inner);
  out.requests = std::make_shared<RecordingTransport>(recording);
  out.wire = std::make_shared<ByteCountingTransport>(out.requests);
  out.drive = open_drive_with(root, out.wire, drive_server().url(), token);
  out.view = backends::label_refused_actions(make_prefixed_backend(out.drive, P(prefix)));
  return out;
}

// copy_from() itself, pinned to `src` as listed.
Result<ObjectMeta> copy_directly(CountedDrive& from, const std::string& src, CountedDrive& to, const std::string& dst,
                                 PutOptions put = {}) {
  const ObjectMeta meta = listed(*from.view, src);
  CopyOptions copy;
  copy.put = std::move(put);
  copy.put.mtime = meta.mtime;
  copy.source_if_match = meta.etag;
  copy.source_size = meta.size;
  return to.view->copy_from(*from.view, P(src), P(dst), copy, {});
}

// The folder ID of `dir` ("a/b") below `root`, as Drive holds it.
std::string folder_id(DriveAdmin& admin, std::string id, const std::string& dir) {
  const Path path = P(dir);
  for (std::string_view segment : path.segments()) id = admin.child(id, std::string(segment)).id;
  return id;
}

// The files in a folder named `name`, trashed ones left out.
std::vector<RawFile> named(DriveAdmin& admin, const std::string& folder, const std::string& name) {
  std::vector<RawFile> out;
  for (RawFile& f : admin.children(folder)) {
    if (f.name == name && !f.trashed) out.push_back(std::move(f));
  }
  return out;
}

// No file of the folder is one of the library's temporaries.
bool no_temporaries(DriveAdmin& admin, const std::string& folder) {
  for (const RawFile& f : admin.children(folder)) {
    if (is_partial_file_name(f.name)) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("Drive copies within one account are made by Drive: no object byte through the client", "[gdrive][copy]") {
  DriveAdmin admin;
  const std::string data = random_bytes(300 * 1024 + 7, 61);
  const std::string md5 = to_hex(md5_digest(data));
  const std::string root = fresh_folder();
  CountedDrive src = counted(root, "in");
  REQUIRE(src.view->capabilities().server_side_copy);
  const ObjectMeta source = put_source(*src.view, "dir/a b+ü.bin", data);

  auto check_copy = [&](CountedDrive& dst, const std::string& key) {
    REQUIRE(dst.view->can_copy_from(*src.view));
    src.requests->clear();
    dst.requests->clear();
    auto [made, moved] = copy_object(src, "dir/a b+ü.bin", dst, key);
    // Metadata only (JSON of a few files), far below the object's size, and
    // not one request that uploads or downloads.
    CHECK(moved < 16 * 1024);
    CHECK(src.object_requests() + dst.object_requests() == 0);
    CHECK(dst.requests->matching("POST " + drive_server().url() + "/drive/v3/files/" + source.id + "/copy?").size() ==
          1);
    CHECK(made.size == data.size());
    CHECK(made.hashes.md5 == md5);
    CHECK(made.mtime == kept_mtime_ms());
    CHECK(made.id != source.id);
    auto copied = dst.view->head(P(key), {});
    REQUIRE_OK(copied);
    CHECK(copied->id == made.id);
    CHECK(copied->size == data.size());
    CHECK(copied->mtime == kept_mtime_ms());
    CHECK(copied->hashes.md5 == md5);
    CHECK(copied->etag == made.etag);
    CHECK(*dst.view->read_all(P(key), {}) == data);
    CHECK(*src.view->read_all(P("dir/a b+ü.bin"), {}) == data);  // the source stays
  };
  SECTION("within one folder") {
    CountedDrive dst = counted(root, "in");
    check_copy(dst, "dir/copy.bin");
  }
  SECTION("across folders, the missing ones created") {
    CountedDrive dst = counted(root, "out");
    check_copy(dst, "copy/deeper/x.bin");
  }
  SECTION("into another root folder of the account") {
    CountedDrive dst = counted(fresh_folder(), "out");
    check_copy(dst, "x.bin");
  }
}

TEST_CASE("Drive copies are pinned to the listed source and honour the destination's mode", "[gdrive][copy]") {
  DriveAdmin admin;
  const std::string root = fresh_folder();
  CountedDrive src = counted(root, "in");
  CountedDrive dst = counted(root, "out");
  put_source(*src.view, "v.txt", "version one");
  const ObjectMeta v1 = listed(*src.view, "v.txt");

  SECTION("a source changed after it was listed is PreconditionFailed, and nothing is written") {
    put_source(*src.view, "v.txt", "version two, longer");
    auto t = transfer_object(*src.view, P("v.txt"), v1, *dst.view, P("v.txt"), {}, {}, nullptr, {});
    REQUIRE_CODE(t, ErrorCode::PreconditionFailed);
    // copy_from's own comparison, without the transfer's look before it.
    for (PutMode mode : {PutMode::Overwrite, PutMode::Create}) {
      CopyOptions copy;
      copy.source_if_match = v1.etag;
      copy.source_size = v1.size;
      copy.put.mode = mode;
      REQUIRE_CODE(dst.view->copy_from(*src.view, P("v.txt"), P("sub/v.txt"), copy, {}), ErrorCode::PreconditionFailed);
    }
    CHECK(named(admin, root, "out").empty());  // not even the folder
    CHECK(dst.requests->matching("/copy?").empty());
  }
  SECTION("a source changed while Drive copies it: PreconditionFailed, and the copy is removed") {
    for (bool replacing : {false, true}) {
      CAPTURE(replacing);
      if (replacing) REQUIRE_OK(dst.view->write_all(P("v.txt"), "the old one", {}, {}));
      auto racing = std::make_shared<BeforeCopy>(http::make_curl_transport(http::ClientOptions{}));
      CountedDrive during = counted(root, "out", "valid-token", racing);
      racing->before = [&] { put_source(*src.view, "v.txt", "version two, longer"); };
      auto made = copy_directly(src, "v.txt", during, "v.txt");
      REQUIRE_CODE(made, ErrorCode::PreconditionFailed);
      CHECK(during.requests->matching("/copy?").size() == 1);
      const std::string out = admin.child(root, "out").id;
      CHECK(no_temporaries(admin, out));
      if (replacing) {
        CHECK(*dst.view->read_all(P("v.txt"), {}) == "the old one");
      } else {
        CHECK(named(admin, out, "v.txt").empty());
      }
      put_source(*src.view, "v.txt", "version one");
    }
  }
  SECTION("a destination changed while Drive copies onto it: the copy is removed, the change kept") {
    auto old = dst.view->write_all(P("v.txt"), "old", {}, {});
    REQUIRE_OK(old);
    auto racing = std::make_shared<BeforeCopy>(http::make_curl_transport(http::ClientOptions{}));
    CountedDrive during = counted(root, "out", "valid-token", racing);
    racing->before = [&] { REQUIRE_OK(dst.view->write_all(P("v.txt"), "written meanwhile", {}, {})); };
    PutOptions update;
    update.mode = PutMode::Update;
    update.if_match = old->etag;
    REQUIRE_CODE(copy_directly(src, "v.txt", during, "v.txt", update), ErrorCode::PreconditionFailed);
    CHECK(during.requests->matching("/copy?").size() == 1);
    const std::string out = folder_id(admin, root, "out");
    const std::vector<RawFile> there = named(admin, out, "v.txt");
    REQUIRE(there.size() == 1);
    CHECK(there.front().id == old->id);
    CHECK(admin.content(old->id) == "written meanwhile");
    CHECK(no_temporaries(admin, out));
  }
  SECTION("a file the user may not trash is replaced in place by streaming, never copied beside") {
    auto old = dst.view->write_all(P("v.txt"), "old", {}, {});
    REQUIRE_OK(old);
    admin.deny_trash(old->id);
    REQUIRE_CODE(copy_directly(src, "v.txt", dst, "v.txt"), ErrorCode::Unsupported);
    auto t = transfer_object(*src.view, P("v.txt"), v1, *dst.view, P("v.txt"), {}, {}, nullptr, {});
    REQUIRE_OK(t);
    CHECK(dst.requests->matching("/copy?").empty());
    const std::string out = folder_id(admin, root, "out");
    const std::vector<RawFile> there = named(admin, out, "v.txt");
    REQUIRE(there.size() == 1);
    CHECK(there.front().id == old->id);
    CHECK(admin.content(old->id) == "version one");
    CHECK(no_temporaries(admin, out));
  }
  SECTION("PutMode::Create onto an existing file is AlreadyExists and keeps it") {
    auto old = dst.view->write_all(P("v.txt"), "already here", {}, {});
    REQUIRE_OK(old);
    PutOptions create;
    create.mode = PutMode::Create;
    REQUIRE_CODE(copy_directly(src, "v.txt", dst, "v.txt", create), ErrorCode::AlreadyExists);
    CHECK(*dst.view->read_all(P("v.txt"), {}) == "already here");
    // Through the transfer: the destination expected absent has appeared.
    DestinationExpectation expect;
    expect.kind = DestinationExpectation::Kind::Absent;
    auto t = transfer_object(*src.view, P("v.txt"), v1, *dst.view, P("v.txt"), expect, {}, nullptr, {});
    REQUIRE_CODE(t, ErrorCode::Conflict);
    const std::vector<RawFile> there = named(admin, folder_id(admin, root, "out"), "v.txt");
    REQUIRE(there.size() == 1);
    CHECK(there.front().id == old->id);
    CHECK(*dst.view->read_all(P("v.txt"), {}) == "already here");
    CHECK(dst.requests->matching("/copy?").empty());
  }
  SECTION("PutMode::Update replaces only the version it names") {
    auto old = dst.view->write_all(P("v.txt"), "old", {}, {});
    REQUIRE_OK(old);
    PutOptions update;
    update.mode = PutMode::Update;
    update.if_match = "some-other-revision";
    REQUIRE_CODE(copy_directly(src, "v.txt", dst, "v.txt", update), ErrorCode::PreconditionFailed);
    CHECK(*dst.view->read_all(P("v.txt"), {}) == "old");
    update.if_match = old->etag;
    REQUIRE_OK(copy_directly(src, "v.txt", dst, "v.txt", update));
    CHECK(*dst.view->read_all(P("v.txt"), {}) == "version one");
  }
  SECTION("a replace leaves exactly one file under the name, with the new content; the old one is trashed") {
    auto old = dst.view->write_all(P("v.txt"), "the old content", {}, {});
    REQUIRE_OK(old);
    const ObjectMeta before = listed(*dst.view, "v.txt");
    DestinationExpectation expect;
    expect.kind = DestinationExpectation::Kind::Unchanged;
    expect.meta = before;
    dst.requests->clear();
    auto t = transfer_object(*src.view, P("v.txt"), v1, *dst.view, P("v.txt"), expect, {}, nullptr, {});
    REQUIRE_OK(t);
    CHECK(dst.requests->matching("/copy?").size() == 1);
    CHECK(dst.object_requests() == 0);
    const std::string out = folder_id(admin, root, "out");
    const std::vector<RawFile> there = named(admin, out, "v.txt");
    REQUIRE(there.size() == 1);
    CHECK(there.front().id == t->destination.id);
    CHECK(there.front().id != old->id);
    CHECK(admin.content(there.front().id) == "version one");
    auto was = admin.get(old->id);
    REQUIRE(was.has_value());
    CHECK(was->trashed);
    CHECK(no_temporaries(admin, out));
    auto head = dst.view->head(P("v.txt"), {});
    REQUIRE_OK(head);
    CHECK(head->mtime == kept_mtime_ms());
    CHECK(head->hashes.md5 == to_hex(md5_digest("version one")));
  }
}

TEST_CASE("a Drive copy carries what a put writes, not the source's metadata", "[gdrive][copy]") {
  const std::string root = fresh_folder();
  CountedDrive src = counted(root, "in");
  CountedDrive dst = counted(root, "out");
  PutOptions tagged;
  tagged.mtime = kept_mtime();
  tagged.metadata = {{"origin", "the source's"}, {"shared", "old"}};
  REQUIRE_OK(src.view->write_all(P("m.bin"), "tagged", tagged, {}));
  PutOptions put;
  put.metadata = {{"shared", "new"}, {"added", "yes"}};
  REQUIRE_OK(copy_directly(src, "m.bin", dst, "m.bin", put));
  auto copied = dst.view->head(P("m.bin"), {});
  REQUIRE_OK(copied);
  CHECK(copied->metadata == std::map<std::string, std::string>{{"added", "yes"}, {"shared", "new"}});
  CHECK(copied->mtime == kept_mtime_ms());
}

TEST_CASE("a Google-native document is exported by streaming, never copied by Drive", "[gdrive][copy][documents]") {
  DriveAdmin admin;
  const std::string root = fresh_folder();
  const std::string in = admin.create_folder("in", root);
  admin.create_document("Notes", in, kDocMime, "what was said");
  CountedDrive src = counted(root, "in");
  CountedDrive dst = counted(root, "out");
  const std::string exported = std::string(kDocxMime) + "\nwhat was said";
  REQUIRE(dst.view->can_copy_from(*src.view));

  // copy_from refuses it in a way that makes the caller stream.
  auto direct = copy_directly(src, "Notes.docx", dst, "Notes.docx");
  REQUIRE_CODE(direct, ErrorCode::Unsupported);
  CHECK(copy_refused(direct.status()));
  const ObjectMeta doc = listed(*src.view, "Notes.docx");
  REQUIRE(doc.kind == ObjectKind::Document);
  REQUIRE_CODE(copy_server_side(*src.view, P("Notes.docx"), doc, *dst.view, P("Notes.docx"), {}, nullptr, {}),
               ErrorCode::Unsupported);

  auto [made, moved] = copy_object(src, "Notes.docx", dst, "Notes.docx");
  CHECK(moved >= 2 * exported.size());  // exported down, uploaded up
  CHECK(dst.requests->matching("/copy?").empty());
  CHECK(*dst.view->read_all(P("Notes.docx"), {}) == exported);
  const std::vector<RawFile> there = named(admin, folder_id(admin, root, "out"), "Notes.docx");
  REQUIRE(there.size() == 1);
  CHECK(there.front().mime_type.find("vnd.google-apps") == std::string::npos);  // a file, not another document
}

TEST_CASE("Drive refuses to copy folders: a refusal, which streams", "[gdrive][copy]") {
  DriveAdmin admin;
  const std::string root = fresh_folder();
  const std::string folder = admin.create_folder("f", root);
  auto drive = open_drive_with(root, http::make_curl_transport(http::ClientOptions{}));
  gdrive::DriveClient& client = dynamic_cast<gdrive::DriveBackend&>(*drive).client();
  auto refused = client.copy_file(folder, R"({"name":"g"})", "files.copy of a folder", {});
  REQUIRE_CODE(refused, ErrorCode::PermissionDenied);
  CHECK(refused.status().provider_code() == "cannotCopyFile");
  CHECK(refused.status().message().find("Drive does not let this file be copied") != std::string::npos);
  CHECK(copy_refused(refused.status()));
  REQUIRE_CODE(client.copy_file("no-such-file", "{}", "files.copy of nothing", {}), ErrorCode::NotFound);
  CHECK(named(admin, root, "g").empty());
}

TEST_CASE("one account is one token source: shared, or the same fixed token", "[gdrive][copy]") {
  // A provider that mints the stand-in's token and could be anyone's.
  class Minting final : public auth::TokenProvider {
   public:
    Result<auth::AccessToken> token(const OpContext&) override {
      return auth::AccessToken{"valid-token-1", TimePoint::max(), {}};
    }
    Result<auth::AccessToken> refresh(const OpContext& ctx, std::string_view) override { return token(ctx); }
  };
  auto backend = [](std::shared_ptr<auth::TokenProvider> tokens) {
    gdrive::DriveClientConfig config;
    config.endpoint = drive_server().url();
    config.transport = http::make_curl_transport(http::ClientOptions{});
    config.tokens = std::move(tokens);
    gdrive::BackendSettings settings;
    settings.folder_id = "some-folder";
    auto made = gdrive::make_drive_backend(std::move(settings), std::make_shared<gdrive::DriveClient>(config));
    REQUIRE_OK(made);
    return *made;
  };
  auto shared = std::make_shared<Minting>();
  CHECK(backend(shared)->can_copy_from(*backend(shared)));
  // Two providers of their own may mint tokens of two users: not known to be one account.
  CHECK_FALSE(backend(std::make_shared<Minting>())->can_copy_from(*backend(std::make_shared<Minting>())));
  // So are two refresh tokens, even of the same user.
  GDriveOptions user = drive_options("some-folder");
  user.access_token.clear();
  user.client_id = kClientId;
  user.client_secret = kClientSecret;
  user.refresh_token = kRefreshToken;
  user.token_uri = "http://127.0.0.1:9/token";  // never asked
  CHECK_FALSE(open_drive(user)->can_copy_from(*open_drive(user)));
  // Two fixed tokens: one account when equal.
  auto fixed = [&](const std::string& token) {
    return open_drive_with("some-folder", http::make_curl_transport(http::ClientOptions{}), drive_server().url(),
                           token);
  };
  CHECK(fixed("valid-token")->can_copy_from(*fixed("valid-token")));
  CHECK_FALSE(fixed("valid-token")->can_copy_from(*fixed("another-valid-token")));
}

TEST_CASE("Drive copies between accounts or endpoints are streamed", "[gdrive][copy]") {
  DriveAdmin admin;
  const std::string root = fresh_folder();
  CountedDrive src = counted(root, "in");
  uint64_t total = 0;
  for (int i = 0; i < 3; ++i) {
    const std::string data = random_bytes(40 * 1024 + static_cast<size_t>(i), 70 + static_cast<uint32_t>(i));
    put_source(*src.view, "f" + std::to_string(i) + ".bin", data);
    total += data.size();
  }
  // Another token: to the client another principal, whatever the stand-in
  // (which has one store for all tokens) makes of it.
  CountedDrive other = counted(fresh_folder(), "out", "another-valid-token");
  CHECK_FALSE(other.view->can_copy_from(*src.view));
  CHECK_FALSE(src.view->can_copy_from(*other.view));
  REQUIRE_CODE(copy_directly(src, "f0.bin", other, "f0.bin"), ErrorCode::Unsupported);
  // The same server reached by another name is another endpoint.
  std::string elsewhere = drive_server().url();
  elsewhere.replace(elsewhere.find("127.0.0.1"), 9, "localhost");
  CHECK_FALSE(
      open_drive_with(root, http::make_curl_transport(http::ClientOptions{}), elsewhere)->can_copy_from(*src.view));
  CHECK_FALSE(src.view->can_copy_from(*open_backend("mem://gdrive-copy-test", {}).value()));

  const uint64_t before = src.wire->moved() + other.wire->moved();
  auto plan = plan_sync(*src.view, *other.view, {});
  REQUIRE_OK(plan);
  auto report = apply_plan(*plan, *src.view, *other.view, {});
  REQUIRE_OK(report);
  CHECK(report->count(OutcomeKind::Done) == 3);
  CHECK(src.wire->moved() + other.wire->moved() - before >= 2 * total);  // down and up again
  CHECK(other.requests->matching("/copy?").empty());
  for (int i = 0; i < 3; ++i) {
    const std::string key = "f" + std::to_string(i) + ".bin";
    CHECK(*other.view->read_all(P(key), {}) == *src.view->read_all(P(key), {}));
  }
}

TEST_CASE("a sync between two gdrive locations of one account copies server-side", "[gdrive][copy]") {
  DriveAdmin admin;
  CountedDrive src = counted(fresh_folder(), "projects/a");
  CountedDrive dst = counted(fresh_folder(), "backup/a");
  uint64_t total = 0;
  std::map<std::string, std::string> files;
  for (int i = 0; i < 5; ++i) {
    const std::string key = (i % 2 ? "d/f" : "f") + std::to_string(i) + ".bin";
    files[key] = random_bytes(30 * 1024 + static_cast<size_t>(i), 80 + static_cast<uint32_t>(i));
    put_source(*src.view, key, files[key]);
    total += files[key].size();
  }
  const uint64_t before = src.wire->moved() + dst.wire->moved();
  src.requests->clear();
  auto plan = plan_sync(*src.view, *dst.view, {});
  REQUIRE_OK(plan);
  auto report = apply_plan(*plan, *src.view, *dst.view, {});
  REQUIRE_OK(report);
  CHECK(report->count(OutcomeKind::Done) == 5);
  CHECK(report->bytes_transferred == total);
  // Listings, look-ups and one files.copy per file: JSON, far below one file.
  CHECK(src.wire->moved() + dst.wire->moved() - before < 24 * 1024);
  CHECK(src.object_requests() + dst.object_requests() == 0);
  CHECK(dst.requests->matching("/copy?").size() == 5);
  for (const auto& [key, data] : files) {
    CHECK(*dst.view->read_all(P(key), {}) == data);
    auto meta = dst.view->head(P(key), {});
    REQUIRE_OK(meta);
    CHECK(meta->mtime == kept_mtime_ms());
  }
  // Planned again: nothing to do (sizes and mtimes agree).
  auto again = plan_sync(*src.view, *dst.view, {});
  REQUIRE_OK(again);
  for (const PlanAction& action : again->actions) CHECK(action.kind == ActionKind::Skip);
}

}  // namespace cloudsync::test
