#include "support/test_util.hpp"

#include "catalog/sqlite.hpp"

#include <algorithm>
#include <atomic>
#include <random>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cloudsync/workspace.hpp"
#include "core/file_io.hpp"
#include "core/hash.hpp"
#include "core/time.hpp"

namespace cloudsync::test {

namespace fs = std::filesystem;

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  std::random_device rd;
  path_ = fs::temp_directory_path() / ("cloudsync-test-" + std::to_string(::getpid()) + "-" +
                                       std::to_string(counter++) + "-" + std::to_string(rd()));
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  // Make everything removable again (tests chmod things).
  for (auto it = fs::recursive_directory_iterator(path_, ec); it != fs::recursive_directory_iterator(); ++it) {
    fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
  }
  fs::remove_all(path_, ec);
}

void write_file(const fs::path& file, const std::string& content) {
  fs::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << content;
  REQUIRE(out.good());
}

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

size_t done_count(const OperationResult& result) { return result.report.count(OutcomeKind::Done); }

std::string read_object(StorageBackend& backend, std::string_view key) {
  auto content = backend.read_all(P(key), {});
  REQUIRE_OK(content);
  return *content;
}

std::string random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (auto& c : out) c = static_cast<char>(rng() & 0xFF);
  return out;
}

TimePoint file_mtime(const fs::path& file) {
  struct ::stat st {};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  return file_info_from_stat(st).mtime;
}

void set_file_mtime(const fs::path& file, TimePoint when) {
  const int64_t ns = to_unix_nanos(when);
  const struct timespec at { ns / 1'000'000'000, ns % 1'000'000'000 };
  const struct timespec times[2] = {at, at};
  REQUIRE(::utimensat(AT_FDCWD, file.c_str(), times, 0) == 0);
}

std::vector<std::string> list_tree(const fs::path& root) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); it != fs::recursive_directory_iterator(); ++it) {
    if (it->is_regular_file()) out.push_back(fs::relative(it->path(), root).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

Path P(std::string_view text) {
  auto p = Path::parse(text);
  REQUIRE_OK(p);
  return *p;
}

HashSet hashes_of(std::string_view data) {
  Hasher hasher(kAllHashKinds);
  hasher.update(data);
  return hasher.finish();
}

void run_catalog_sql(const std::filesystem::path& database, const std::string& sql) {
  auto db = sqlite::Database::open(database, std::chrono::seconds(10));
  REQUIRE_OK(db);
  REQUIRE_OK(db->exec(sql.c_str()));
}

std::string query_catalog_sql(const std::filesystem::path& database, const std::string& sql) {
  auto db = sqlite::Database::open(database, std::chrono::seconds(10));
  REQUIRE_OK(db);
  auto st = db->prepare(sql);
  REQUIRE_OK(st);
  auto row = st->step();
  REQUIRE_OK(row);
  return *row ? st->text(0) : std::string();
}

}  // namespace cloudsync::test
