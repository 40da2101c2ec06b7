// Interoperability with rclone (Debian's 1.60), both ways, on moto: objects
// rclone wrote (single and multipart, with its x-amz-meta-mtime and
// md5chksum) import byte-identical with their mtimes, and what cloudsync
// exports passes `rclone check` and shows rclone the same mtimes.
#include <fmt/format.h>

#include <ctime>

#include "core/time.hpp"
#include "s3/s3_fixture.hpp"
#include "support/rclone_checks.hpp"

namespace cloudsync::test {

namespace fs = std::filesystem;

namespace {

// rclone with a remote "m:" on moto, configured from the environment only.
int rclone(const std::string& args, std::string& output) {
  Moto& m = moto();
  std::map<std::string, std::string> env{{"RCLONE_CONFIG", "/dev/null"},
                                         {"RCLONE_CONFIG_M_TYPE", "s3"},
                                         {"RCLONE_CONFIG_M_PROVIDER", "Other"},
                                         {"RCLONE_CONFIG_M_ACCESS_KEY_ID", m.access_key_id},
                                         {"RCLONE_CONFIG_M_SECRET_ACCESS_KEY", m.secret_access_key},
                                         {"RCLONE_CONFIG_M_ENDPOINT", m.endpoint},
                                         {"RCLONE_CONFIG_M_REGION", "us-east-1"}};
  return run_command("env -u AWS_CA_BUNDLE rclone --s3-no-head " + args, env, output);
}

}  // namespace

TEST_CASE("S3 and rclone: objects written by rclone import byte-identical", "[s3][rclone]") {
  S3Project p;
  TempDir src;
  const std::string big = random_bytes(6 * 1024 * 1024 + 123, 77);  // two 5 MiB chunks for rclone
  std::map<std::string, std::string> files{{"small.txt", "written by rclone\n"},
                                           {"dir/\xC3\xBC ber+plus.csv", "a,b\n"},
                                           {"dir/empty.txt", ""},
                                           {"big.bin", big}};
  TimePoint when = from_unix_nanos(1'650'000'000'123'456'789);
  for (const auto& [name, data] : files) {
    write_file(src / name, data);
    set_file_mtime(src / name, when);
    when += std::chrono::seconds(1);
  }
  std::string out;
  int rc = rclone(
      fmt::format("copy --s3-upload-cutoff 5M --s3-chunk-size 5M {} m:{}/prefix", src.path().string(), p.bucket), out);
  INFO(out);
  REQUIRE(rc == 0);
  auto big_head = p.remote->head(*Path::parse("big.bin"), {});
  REQUIRE_OK(big_head);
  CHECK(big_head->etag.ends_with("-2"));  // rclone really used parts
  CHECK(big_head->metadata.count("md5chksum") == 1);

  auto imported = p.import({"**"});
  CHECK(imported.report.count(OutcomeKind::Done) == files.size());
  for (const auto& [name, data] : files) {
    INFO(name);
    CHECK(read_file(p.folder / name) == data);
    CHECK(file_mtime(p.folder / name) == file_mtime(src / name));
  }
  check_nothing_partial(p);
}

TEST_CASE("S3 and rclone: what cloudsync exports passes rclone check", "[s3][rclone]") {
  S3Project p;
  const std::string big = random_bytes(700 * 1024 + 5, 13);  // multipart: 11 parts of 64 KiB
  write_file(p.folder / "out/small.txt", "exported by cloudsync\n");
  write_file(p.folder / "out/\xC3\xA9t\xC3\xA9 (1)+.csv", "x;y\n");
  write_file(p.folder / "out/empty.txt", "");
  write_file(p.folder / "out/big.bin", big);
  auto exported = p.export_all();
  REQUIRE(exported.report.count(OutcomeKind::Done) == 4);

  std::string out;
  int rc = rclone(fmt::format("check {} m:{}/prefix", p.folder.string(), p.bucket), out);
  // rclone cannot hash-check the object cloudsync uploaded in parts: it
  // carries the CRC32C cloudsync records, not the md5chksum rclone writes.
  check_rclone_agrees(rc, out, 4, /*every_hash_checked=*/false);

  // rclone reads the mtimes cloudsync stored, to the nanosecond.
  rc = rclone(fmt::format("lsl m:{}/prefix/out", p.bucket), out);
  INFO(out);
  REQUIRE(rc == 0);
  for (const char* name : {"small.txt", "big.bin"}) {
    TimePoint t = file_mtime(p.folder / "out" / name);
    std::time_t secs = static_cast<std::time_t>(to_unix_nanos(t) / 1'000'000'000);
    std::tm tm{};
    ::localtime_r(&secs, &tm);
    char stamp[64];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
    std::string expected = fmt::format("{}.{:09} {}", stamp, to_unix_nanos(t) % 1'000'000'000, name);
    INFO(expected);
    CHECK(out.find(expected) != std::string::npos);
  }

  // The check can fail: same size, other content behind rclone's back.
  p.put_remote("out/small.txt", "EXPORTED BY CLOUDSYNC\n");
  rc = rclone(fmt::format("check {} m:{}/prefix", p.folder.string(), p.bucket), out);
  INFO(out);
  CHECK(rc != 0);
  CHECK(out.find("1 differences found") != std::string::npos);
}

}  // namespace cloudsync::test
