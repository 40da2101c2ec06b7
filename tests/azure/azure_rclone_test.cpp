// Interoperability with rclone (Debian's 1.60, configured through the
// environment, reaching Azurite with a container SAS URL): what rclone writes
// imports byte-identical with rclone's mtimes, and what cloudsync exports
// passes `rclone check` and shows rclone the same mtimes and MD5s.
#include "azure/azurite.hpp"
#include "cloudsync/workspace.hpp"
#include "core/file_io.hpp"
#include "core/hash.hpp"
#include "core/time.hpp"
#include "support/command.hpp"
#include "support/rclone_checks.hpp"

namespace cloudsync::test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

struct ToolResult {
  int exit_code = -1;
  std::string output;
};

// Runs rclone with `args`, the remote given by a SAS URL in the environment.
ToolResult rclone(const std::string& sas_url, const std::vector<std::string>& args) {
  std::string command = "env -u http_proxy -u https_proxy -u HTTP_PROXY -u HTTPS_PROXY -u ALL_PROXY rclone";
  for (const std::string& a : args) command += " " + shell_quote(a);
  ToolResult result;
  result.exit_code = run_command(
      command, {{"TZ", "UTC"}, {"RCLONE_CONFIG", "/dev/null"}, {"RCLONE_AZUREBLOB_SAS_URL", sas_url}}, result.output);
  return result;
}

struct Interop {
  Azurite& az = azurite();
  std::string container = az.new_container();
  std::string sas_url = az.endpoint() + "/" + container + "?" + az.container_sas(container, "racwdl", now_utc() + 2h);
  TempDir dir;
  std::unique_ptr<Workspace> ws;
  std::string name = "Shared With Rclone";
  fs::path folder;

  explicit Interop(const std::string& prefix) {
    WorkspaceOptions o;
    o.credentials = [this](const Integration&) { return BackendOptions{{"sas", sas_url}}; };
    auto w = Workspace::open(dir / "project", o);
    REQUIRE_OK(w);
    ws = std::move(*w);
    IntegrationSpec spec;
    spec.name = name;
    spec.url = "az://" + container + "/" + prefix;
    spec.writeback = true;
    spec.options = {{"upload_cutoff", "1M"}, {"block_size", "512K"}};
    auto integ = ws->add_integration(spec);
    REQUIRE_OK(integ);
    folder = dir / "project" / integ->folder;
  }
};

}  // namespace

TEST_CASE("azure interop: blobs rclone wrote import byte-identical with their mtimes", "[azure][rclone]") {
  Interop t("from-rclone");
  TempDir src;
  std::map<std::string, std::string> files = {{"plain.txt", "plain\n"},
                                              {"with space/ünïcode näme.txt", "unicode"},
                                              {"deep/er/big.bin", random_bytes(3 * 1024 * 1024 + 11, 31)},
                                              {"empty.txt", ""}};
  std::map<std::string, TimePoint> mtimes;
  int64_t base = 1'650'000'000'000'000'000;
  for (const auto& [key, data] : files) {
    write_file(src / key, data);
    mtimes[key] = from_unix_nanos(base += 1'111'111'111);
    set_file_mtime(src / key, mtimes[key]);
  }
  // Blocks of 1 MiB above 1 MiB: the big file goes up in four blocks.
  ToolResult copied = rclone(t.sas_url, {"copy", src.path().string(), ":azureblob:" + t.container + "/from-rclone",
                                         "--azureblob-upload-cutoff", "1M", "--azureblob-chunk-size", "1M"});
  INFO(copied.output);
  REQUIRE(copied.exit_code == 0);

  check_pulled_files(t.ws->sync(t.name, {}), t.folder, files, mtimes);
  // rclone's block upload kept an MD5 that cloudsync reads.
  auto backend = t.az.backend(t.container);
  auto big = backend->head(*Path::parse("from-rclone/deep/er/big.bin"), kCtx);
  REQUIRE_OK(big);
  CHECK(big->hashes.md5 == to_hex(md5_digest(files["deep/er/big.bin"])));
  // Both sides agree now: nothing to do.
  auto again = t.ws->sync(t.name, {});
  REQUIRE_OK(again);
  CHECK(again->plan.actions.empty());
  CHECK(again->report.unchanged == files.size());
}

TEST_CASE("azure interop: what cloudsync exports passes rclone check", "[azure][rclone]") {
  Interop t("from-cloudsync");
  std::map<std::string, std::string> files = {{"report.csv", "a,b\n1,2\n"},
                                              {"spaced name/ünïcode.txt", "unicode"},
                                              {"blocks/large.bin", random_bytes(2 * 1024 * 1024 + 500, 32)},
                                              {"empty.txt", ""}};
  int64_t when = 1'660'000'000'000'000'007;
  for (const auto& [key, data] : files) {
    write_file(t.folder / key, data);
    set_file_mtime(t.folder / key, from_unix_nanos(when += 2'222'222'221));  // distinct, odd nanoseconds
  }
  auto exported = t.ws->export_files(t.name, {});
  REQUIRE_OK(exported);
  INFO(operation_result_to_json(*exported));
  CHECK(exported->report.count(OutcomeKind::Done) == files.size());

  std::string remote = ":azureblob:" + t.container + "/from-cloudsync";
  ToolResult check = rclone(t.sas_url, {"check", t.folder.string(), remote});
  check_rclone_agrees(check.exit_code, check.output, files.size());

  // rclone sees the files' own mtimes, to the nanosecond.
  ToolResult listing = rclone(t.sas_url, {"lsl", remote});
  check_rclone_lists_mtimes(listing.exit_code, listing.output, t.folder, files);
  ToolResult sums = rclone(t.sas_url, {"md5sum", remote});
  INFO(sums.output);
  REQUIRE(sums.exit_code == 0);
  CHECK(sums.output.find(to_hex(md5_digest(files["blocks/large.bin"])) + "  blocks/large.bin") != std::string::npos);
}

}  // namespace cloudsync::test
