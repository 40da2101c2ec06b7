// Interoperability with rclone's drive backend (Debian's 1.60) on the Drive
// stand-in, both ways: what rclone writes imports byte-identical with
// rclone's mtimes, and what cloudsync exports passes `rclone check` and
// shows rclone the same mtimes and MD5s.
//
// rclone's drive backend has a token_url option but none for the API's
// address: it always calls https://www.googleapis.com/drive/v3. It reaches
// the stand-in through tests/peers/start-drive-intercept.sh, a forward proxy
// (HTTPS_PROXY) that terminates TLS with a certificate of its own CA, which
// rclone is told to trust (--ca-cert), and sends those requests to the
// stand-in; any other host is refused, so nothing leaves the machine.
#include "core/hash.hpp"
#include "core/time.hpp"
#include "gdrive/drive_fixture.hpp"
#include "support/command.hpp"
#include "support/rclone_checks.hpp"

namespace cloudsync::test {

namespace fs = std::filesystem;

namespace {

// The intercepting proxy in front of this process's Drive stand-in.
PeerServer& intercept() {
  static std::unique_ptr<PeerServer> server;
  if (!server) {
    PeerSpec spec;
    spec.name = "drive-intercept";
    spec.command = {"{peers}/start-drive-intercept.sh", "{port}", std::to_string(drive_server().port()), "{dir}"};
    spec.launcher_exits = true;
    spec.ready_timeout = std::chrono::seconds(120);  // the first start makes the proxy's CA
    server = std::make_unique<PeerServer>(spec);
  }
  return *server;
}

// An access token the stand-in accepts, as rclone keeps tokens (no refresh).
constexpr const char* kRcloneToken =
    R"({"access_token":"valid-token","token_type":"Bearer","expiry":"2099-01-01T00:00:00Z"})";

struct ToolResult {
  int exit_code = -1;
  std::string output;
};

// Runs rclone with `args` on the remote "g:", the Drive folder `root` of the
// stand-in, configured from the environment only (a static access token).
ToolResult rclone(const std::string& root, const std::vector<std::string>& args) {
  std::map<std::string, std::string> proxy = intercept().env();
  REQUIRE(proxy.count("HTTPS_PROXY") == 1);
  REQUIRE(proxy.count("CA_CERT") == 1);
  // A stuck rclone fails the test instead of hanging it.
  std::string command = "timeout 120 rclone --ca-cert " + shell_quote(proxy["CA_CERT"]);
  for (const std::string& a : args) command += " " + shell_quote(a);
  ToolResult result;
  result.exit_code = run_command(command,
                                 {{"TZ", "UTC"},
                                  {"HTTPS_PROXY", proxy["HTTPS_PROXY"]},
                                  {"https_proxy", proxy["HTTPS_PROXY"]},
                                  {"NO_PROXY", ""},
                                  {"no_proxy", ""},
                                  {"RCLONE_CONFIG", "/dev/null"},
                                  {"RCLONE_CONFIG_G_TYPE", "drive"},
                                  {"RCLONE_CONFIG_G_ROOT_FOLDER_ID", root},
                                  {"RCLONE_CONFIG_G_TOKEN", kRcloneToken},
                                  {"RCLONE_CONFIG_G_PACER_MIN_SLEEP", "1ms"}},
                                 result.output);
  return result;
}

// cloudsync's side: a project on a fresh folder, with a static access token.
BackendOptions static_token() { return {{"access_token", "valid-token"}}; }

// Distinct mtimes in whole milliseconds: Drive keeps no finer ones.
TimePoint nth_mtime(int n) { return from_unix_nanos(1'650'000'000'000'000'000 + int64_t{n} * 1'111'111'000'000); }

}  // namespace

TEST_CASE("Drive interop: files rclone wrote import byte-identical with their mtimes", "[gdrive][rclone]") {
  DriveProject t(static_token());
  TempDir src;
  const std::map<std::string, std::string> files = {{"plain.txt", "plain\n"},
                                                    {"with space/\xC3\xBCn\xC3\xAF"
                                                     "code n\xC3\xA4me.txt",
                                                     "unicode"},
                                                    {"deep/er/big.bin", random_bytes(700 * 1024 + 11, 41)},
                                                    {"empty.txt", ""}};
  std::map<std::string, TimePoint> mtimes;
  int n = 0;
  for (const auto& [key, data] : files) {
    write_file(src / key, data);
    mtimes[key] = nth_mtime(++n);
    set_file_mtime(src / key, mtimes[key]);
  }
  // Below its 8 MiB upload cutoff rclone uploads each file in one request.
  ToolResult copied = rclone(t.root, {"copy", src.path().string(), "g:"});
  INFO(copied.output);
  REQUIRE(copied.exit_code == 0);

  check_pulled_files(t.ws->sync(t.name, {}), t.folder, files, mtimes);
  // Drive's md5Checksum of what rclone uploaded is the content's.
  auto big = t.drive->head(P("deep/er/big.bin"), kCtx);
  REQUIRE_OK(big);
  CHECK(big->hashes.md5 == to_hex(md5_digest(files.at("deep/er/big.bin"))));
  // Both sides agree now: nothing to do.
  auto again = t.ws->sync(t.name, {});
  REQUIRE_OK(again);
  CHECK(again->plan.actions.empty());
  CHECK(again->report.unchanged == files.size());
}

TEST_CASE("Drive interop: what cloudsync exports passes rclone check", "[gdrive][rclone]") {
  DriveProject t(static_token());
  const std::map<std::string, std::string> files = {{"report.csv", "a,b\n1,2\n"},
                                                    {"spaced name/\xC3\xBCnicode.txt", "unicode"},
                                                    {"chunks/large.bin", random_bytes(700 * 1024 + 500, 42)},
                                                    {"empty.txt", ""}};
  int n = 10;
  for (const auto& [key, data] : files) {
    write_file(t.folder / key, data);
    set_file_mtime(t.folder / key, nth_mtime(++n));
  }
  auto exported = t.ws->export_files(t.name, {});
  REQUIRE_OK(exported);
  INFO(operation_result_to_json(*exported));
  CHECK(exported->report.count(OutcomeKind::Done) == files.size());

  ToolResult check = rclone(t.root, {"check", t.folder.string(), "g:"});
  check_rclone_agrees(check.exit_code, check.output, files.size());

  // rclone sees the files' own mtimes.
  ToolResult listing = rclone(t.root, {"lsl", "g:"});
  check_rclone_lists_mtimes(listing.exit_code, listing.output, t.folder, files);
  ToolResult sums = rclone(t.root, {"md5sum", "g:"});
  INFO(sums.output);
  REQUIRE(sums.exit_code == 0);
  CHECK(sums.output.find(to_hex(md5_digest(files.at("chunks/large.bin"))) + "  chunks/large.bin") != std::string::npos);

  // The check can fail: same size, other content behind rclone's back.
  REQUIRE_OK(t.drive->write_all(P("report.csv"), "A,B\n1,2\n", {}, kCtx));
  ToolResult differs = rclone(t.root, {"check", t.folder.string(), "g:"});
  INFO(differs.output);
  CHECK(differs.exit_code != 0);
  CHECK(differs.output.find("1 differences found") != std::string::npos);
}

}  // namespace cloudsync::test
