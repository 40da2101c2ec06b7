// run_program: helper programs (credential_process, az) run without a shell,
// bounded in time and output, and stoppable with everything they started.
#include <atomic>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "core/subprocess.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {

namespace {

// True once `pid` has ended (gone, or a zombie waiting for its new parent).
bool ended(const std::string& pid) {
  for (int i = 0; i < 100; ++i) {
    std::ifstream stat("/proc/" + pid + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return true;
    size_t close = line.rfind(')');
    if (close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z') return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

ProgramRun shell(const std::string& script) {
  ProgramRun run;
  run.argv = {"/bin/sh", "-c", script};
  return run;
}

}  // namespace

TEST_CASE("run_program captures both streams and the exit status", "[core][subprocess]") {
  auto ran = run_program(shell("echo out; echo err >&2; exit 3"));
  REQUIRE_OK(ran);
  CHECK(ran->out == "out\n");
  CHECK(ran->err == "err\n");
  CHECK(ran->exit_code == 3);
  CHECK_FALSE(ran->truncated);

  ProgramRun chatty = shell("head -c 5000 /dev/zero");
  chatty.max_output = 1000;
  auto truncated = run_program(chatty);
  REQUIRE_OK(truncated);
  CHECK(truncated->out.size() == 1000);
  CHECK(truncated->truncated);

  ProgramRun missing;
  missing.argv = {"/nonexistent/program"};
  REQUIRE_CODE(run_program(missing), ErrorCode::NotFound);
}

TEST_CASE("run_program stops an overrunning or cancelled program and what it started", "[core][subprocess]") {
  // The program starts a child of its own; stopping the program must stop it too.
  TempDir dir;
  const std::string pid_file = (dir / "child.pid").string();
  const std::string script = "sleep 30 & echo $! > '" + pid_file + "'; wait";
  ProgramRun slow = shell(script);
  slow.timeout = std::chrono::milliseconds(300);
  REQUIRE_CODE(run_program(slow), ErrorCode::Timeout);
  CHECK(ended(read_file(pid_file).substr(0, read_file(pid_file).find('\n'))));

  ProgramRun cancelled = shell(script);
  std::atomic<int> asked{0};
  cancelled.cancelled = [&] { return ++asked > 5; };
  REQUIRE_CODE(run_program(cancelled), ErrorCode::Cancelled);
  CHECK(ended(read_file(pid_file).substr(0, read_file(pid_file).find('\n'))));
}

}  // namespace cloudsync::test
