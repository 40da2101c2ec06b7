// The ignore list: every default pattern, folder patterns, the library's own
// temporaries, and patterns refused.
#include "cloudsync/watch.hpp"
#include "support/test_util.hpp"
#include "engine/ignore_list.hpp"

namespace cloudsync {
namespace {

IgnoreList defaults() {
  Result<IgnoreList> list = IgnoreList::make(default_watch_ignores());
  REQUIRE_OK(list);
  return *list;
}

TEST_CASE("default_watch_ignores is the documented list", "[watch][ignore]") {
  const std::vector<std::string> expected = {
      ".~*", "~$*", ".~lock.*#",           "*.swp",     "*~",   "4913", ".goutputstream-*", "*.part", "*.crdownload",
      ".#*", "#*#", ".ipynb_checkpoints/", "*-journal", "*-wal"};
  CHECK(default_watch_ignores() == expected);
}

TEST_CASE("every default pattern ignores what its tool writes", "[watch][ignore]") {
  const IgnoreList list = defaults();
  const char* ignored[] = {
      ".~nb.ipynb",               // jupyter_server's backup during a save
      "~$report.xlsx",            // Microsoft Office owner file
      ".~lock.report.ods#",       // LibreOffice lock
      ".report.csv.swp",          // vim swap
      "report.csv~",              // backup copies (vim, emacs, gedit)
      "4913",                     // vim's write test
      ".goutputstream-ABC123",    // GIO's temporary (gedit)
      "download.zip.part",        // Firefox, wget, rsync --partial-dir
      "download.zip.crdownload",  // Chrome
      ".#notes.org",              // emacs lock
      "#notes.org#",              // emacs autosave
      "data.db-journal",          // SQLite rollback journal
      "data.db-wal",              // SQLite write-ahead log
      "sub/dir/.report.csv.swp",  // at any depth
  };
  for (const char* path : ignored) {
    INFO(path);
    CHECK(list.ignores(path, false));
  }
}

TEST_CASE("ordinary files are kept", "[watch][ignore]") {
  const IgnoreList list = defaults();
  const char* kept[] = {"report.csv",
                        "nb.ipynb",
                        "a/b/c.parquet",
                        "4913.csv",
                        "partial.txt",
                        "journal.md",
                        "my-wal.txt",
                        "x.swp.bak",
                        "#notes",
                        "~tilde-first.txt",
                        "data.cloudsync-note.partial"};
  for (const char* path : kept) {
    INFO(path);
    CHECK_FALSE(list.ignores(path, false));
  }
  CHECK_FALSE(list.ignores("folder", true));
}

TEST_CASE("a folder pattern ignores the folder and everything below it, only folders", "[watch][ignore]") {
  const IgnoreList list = defaults();
  CHECK(list.ignores(".ipynb_checkpoints", true));
  CHECK(list.ignores(".ipynb_checkpoints/nb-checkpoint.ipynb", false));
  CHECK(list.ignores("a/.ipynb_checkpoints/x.ipynb", false));
  CHECK(list.ignores("a/.ipynb_checkpoints/deeper", true));
  CHECK_FALSE(list.ignores(".ipynb_checkpoints", false));  // a file of that name is not a folder
  CHECK_FALSE(list.ignores("a/.ipynb_checkpoints", false));
}

TEST_CASE("a name pattern applies to folder names on the way too", "[watch][ignore]") {
  const IgnoreList list = defaults();
  CHECK(list.ignores("a/b.swp", false));
  CHECK(list.ignores("backup~/inside.txt", false));
  CHECK(list.ignores("backup~", true));
}

TEST_CASE("the library's own temporaries are ignored whatever the patterns", "[watch][ignore]") {
  Result<IgnoreList> none = IgnoreList::make({});
  REQUIRE_OK(none);
  // As AtomicFileWriter and the local backend's multipart upload name them.
  CHECK(none->ignores(".report.csv.cloudsync-3fa2c1.partial", false));
  CHECK(none->ignores("sub/.big.bin.cloudsync-77-part3.partial", false));
  CHECK_FALSE(none->ignores("report.csv", false));
  CHECK_FALSE(none->ignores("sub/.hidden", false));
}

TEST_CASE("custom patterns: '*' and '?' stay within a name", "[watch][ignore]") {
  Result<IgnoreList> list = IgnoreList::make({"tmp?.dat", "build/"});
  REQUIRE_OK(list);
  CHECK(list->ignores("tmp1.dat", false));
  CHECK(list->ignores("x/tmpA.dat", false));
  CHECK_FALSE(list->ignores("tmp12.dat", false));
  CHECK(list->ignores("build", true));
  CHECK(list->ignores("src/build/out.o", false));
  CHECK_FALSE(list->ignores("build", false));
  CHECK_FALSE(list->ignores("building/x", false));
}

TEST_CASE("bad patterns are refused", "[watch][ignore]") {
  REQUIRE_CODE(IgnoreList::make({""}), ErrorCode::InvalidArgument);
  REQUIRE_CODE(IgnoreList::make({"/"}), ErrorCode::InvalidArgument);
  REQUIRE_CODE(IgnoreList::make({"a/b"}), ErrorCode::InvalidArgument);
  REQUIRE_CODE(IgnoreList::make({"a/b/"}), ErrorCode::InvalidArgument);
  REQUIRE_CODE(IgnoreList::make({"*.swp", "//"}), ErrorCode::InvalidArgument);
  REQUIRE_OK(IgnoreList::make({"*.swp", "cache/"}));
}

}  // namespace
}  // namespace cloudsync
