// What the local backend promises beyond the conformance suite: it never
// follows a symlink out of its root, never shows or leaves a partial file, and
// reports file/folder collisions clearly.
#include <sys/stat.h>

#include "cloudsync/backends/local.hpp"
#include "core/file_io.hpp"
#include "core/time.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {

namespace fs = std::filesystem;

TEST_CASE("local backend never follows symlinks out of its root", "[local][security]") {
  TempDir dir;
  fs::create_directories(dir / "outside");
  write_file(dir / "outside/secret.txt", "secret");
  fs::create_directories(dir / "root");
  fs::create_directory_symlink(dir / "outside", dir / "root/link");
  fs::create_symlink(dir / "outside/secret.txt", dir / "root/file-link.txt");
  auto b = make_local_backend(dir / "root");
  REQUIRE_OK(b);

  SECTION("writes through a symlinked folder are refused") {
    auto r = (*b)->write_all(P("link/planted.txt"), "x", {}, kCtx);
    REQUIRE_CODE(r, ErrorCode::PermissionDenied);
    CHECK_FALSE(fs::exists(dir / "outside/planted.txt"));
  }
  SECTION("reads through symlinks are refused") {
    StringSink sink;
    CHECK_FALSE((*b)->get(P("link/secret.txt"), {}, sink, kCtx).ok());
    CHECK_FALSE((*b)->get(P("file-link.txt"), {}, sink, kCtx).ok());
    CHECK(sink.out.empty());
  }
  SECTION("listings do not descend into symlinks or report them") {
    auto all = (*b)->list_all({}, kCtx);
    REQUIRE_OK(all);
    CHECK(all->empty());
  }
  SECTION("overwriting a symlinked file replaces the link, not its target") {
    REQUIRE_OK((*b)->write_all(P("file-link.txt"), "new", {}, kCtx));
    CHECK(read_file(dir / "outside/secret.txt") == "secret");
    CHECK_FALSE(fs::is_symlink(dir / "root/file-link.txt"));
  }
}

TEST_CASE("local backend hides and cleans its temporaries", "[local]") {
  TempDir dir;
  auto b = make_local_backend(dir.path());
  REQUIRE_OK(b);
  write_file(dir / "a/.x.cloudsync-0123abcd.partial", "leftover");
  write_file(dir / "a/real.txt", "real");
  auto all = (*b)->list_all({}, kCtx);
  REQUIRE_OK(all);
  REQUIRE(all->size() == 1);
  CHECK(all->front().key == "a/real.txt");
  REQUIRE_CODE((*b)->write_all(P("a/.y.cloudsync-1.partial"), "x", {}, kCtx), ErrorCode::InvalidArgument);

  SECTION("a failed write leaves the old content and no temporary") {
    write_file(dir / "keep.txt", "old");
    // A source that fails half way.
    struct FailingSource : ByteSource {
      int calls = 0;
      Result<size_t> read(std::span<char> buf) override {
        if (calls++ == 0) {
          buf[0] = 'n';
          return size_t{1};
        }
        return Status(ErrorCode::Network, "connection reset");
      }
      std::optional<uint64_t> size() const override { return std::nullopt; }
      Status rewind() override { return Status(ErrorCode::Unsupported, "no"); }
    } failing;
    auto r = (*b)->put(P("keep.txt"), failing, {}, kCtx);
    REQUIRE_CODE(r, ErrorCode::Network);
    CHECK(read_file(dir / "keep.txt") == "old");
    for (const auto& f : list_tree(dir.path()))
      CHECK((f.find(".partial") == std::string::npos || f.rfind("a/", 0) == 0));
  }
}

TEST_CASE("local backend: a file and a folder of the same name", "[local]") {
  TempDir dir;
  auto b = make_local_backend(dir.path());
  REQUIRE_OK(b);
  REQUIRE_OK((*b)->write_all(P("name"), "file", {}, kCtx));
  REQUIRE_CODE((*b)->write_all(P("name/child.txt"), "x", {}, kCtx), ErrorCode::Conflict);
  REQUIRE_OK((*b)->write_all(P("dir/child.txt"), "x", {}, kCtx));
  REQUIRE_CODE((*b)->write_all(P("dir"), "x", {}, kCtx), ErrorCode::Conflict);
  CHECK(read_file(dir / "name") == "file");
  CHECK(read_file(dir / "dir/child.txt") == "x");
}

TEST_CASE("local backend root handling", "[local]") {
  TempDir dir;
  auto b = make_local_backend(dir / "not-yet");
  REQUIRE_OK(b);
  // Listing a root that does not exist is an error, never "empty" (an empty
  // source must not make a sync delete everything at the destination).
  REQUIRE_CODE((*b)->list_all({}, kCtx), ErrorCode::NotFound);
  REQUIRE_OK((*b)->write_all(P("deep/er/x.txt"), "x", {}, kCtx));
  CHECK(read_file(dir / "not-yet/deep/er/x.txt") == "x");
  // Deleting the last file of a folder removes the empty folders, not the root.
  REQUIRE_OK((*b)->remove(P("deep/er/x.txt"), kCtx));
  CHECK_FALSE(fs::exists(dir / "not-yet/deep"));
  CHECK(fs::exists(dir / "not-yet"));
  REQUIRE_CODE(make_local_backend(""), ErrorCode::InvalidArgument);
  write_file(dir / "plain-file", "x");
  REQUIRE_CODE(make_local_backend(dir / "plain-file"), ErrorCode::InvalidArgument);
}

TEST_CASE("local backend keeps nanosecond mtimes and reports its root", "[local]") {
  TempDir dir;
  auto b = make_local_backend(dir.path());
  REQUIRE_OK(b);
  PutOptions opts;
  opts.mtime = from_unix_nanos(1'600'000'000'987'654'321);
  REQUIRE_OK((*b)->write_all(P("t.txt"), "x", opts, kCtx));
  struct stat st {};
  REQUIRE(::stat((dir / "t.txt").c_str(), &st) == 0);
  CHECK(st.st_mtim.tv_sec == 1'600'000'000);
  CHECK(st.st_mtim.tv_nsec == 987'654'321);
  CHECK(((*b)->local_root()->path() == dir.path()));
}

TEST_CASE("open_backend understands local paths, file URLs and memory URLs", "[local][registry]") {
  TempDir dir;
  auto by_path = open_backend(dir.path().string());
  REQUIRE_OK(by_path);
  CHECK((*by_path)->scheme() == "file");
  auto by_url = open_backend("file://" + dir.path().string());
  REQUIRE_OK(by_url);
  REQUIRE_OK((*by_url)->write_all(P("x.txt"), "x", {}, kCtx));
  CHECK(read_file(dir / "x.txt") == "x");
  REQUIRE_CODE(open_backend("file://" + dir.path().string(), {{"no_such_option", "1"}}), ErrorCode::InvalidArgument);
  REQUIRE_CODE(open_backend("ftp://host/x"), ErrorCode::InvalidArgument);
  auto mem1 = open_backend("mem://shared-test/prefix");
  auto mem2 = open_backend("mem://shared-test");
  REQUIRE_OK(mem1);
  REQUIRE_OK(mem2);
  REQUIRE_OK((*mem1)->write_all(P("k.txt"), "v", {}, kCtx));
  CHECK(*(*mem2)->read_all(P("prefix/k.txt"), kCtx) == "v");
}

}  // namespace cloudsync::test
