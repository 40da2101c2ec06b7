#include "core/subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.hpp"

extern char** environ;

namespace cloudsync {
namespace {

// How often a run that may be cancelled looks at its flag.
constexpr int64_t kCancelCheckMs = 50;

struct Pipe {
  int read = -1;
  int write = -1;
  ~Pipe() {
    if (read >= 0) ::close(read);
    if (write >= 0) ::close(write);
  }
  bool open() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return false;
    read = fds[0];
    write = fds[1];
    return true;
  }
};

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

std::optional<std::string> find_program(std::string_view name, std::string_view search_path) {
  if (name.empty()) return std::nullopt;
  if (name.find('/') != std::string_view::npos) {
    std::string path(name);
    return ::access(path.c_str(), X_OK) == 0 ? std::optional<std::string>(path) : std::nullopt;
  }
  if (search_path.empty()) return std::nullopt;
  while (true) {
    size_t colon = search_path.find(':');
    std::string_view dir = search_path.substr(0, colon);
    std::string candidate = (dir.empty() ? std::string(".") : std::string(dir)) + "/" + std::string(name);
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    if (colon == std::string_view::npos) return std::nullopt;
    search_path.remove_prefix(colon + 1);
  }
}

Result<ProgramResult> run_program(const ProgramRun& run) {
  if (run.argv.empty()) return make_error(ErrorCode::InvalidArgument, "no program to run");
  const std::string& program = run.argv.front();
  Pipe out, err;
  if (!out.open() || !err.open()) return make_error(ErrorCode::Internal, "cannot make a pipe: {}", strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out.write, 1);
  posix_spawn_file_actions_adddup2(&actions, err.write, 2);
  std::vector<std::string> argv = run.argv;
  std::vector<std::string> env = run.env.value_or(std::vector<std::string>{});
  std::vector<char*> argv_ptrs = pointers(argv);
  std::vector<char*> env_ptrs = pointers(env);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);
  pid_t pid = -1;
  int spawned = ::posix_spawn(&pid, program.c_str(), &actions, &attributes, argv_ptrs.data(),
                              run.env ? env_ptrs.data() : environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (spawned != 0) return make_error(ErrorCode::NotFound, "cannot run {}: {}", program, strerror(spawned));
  ::close(out.write);
  ::close(err.write);
  out.write = err.write = -1;

  ProgramResult result;
  const auto deadline = std::chrono::steady_clock::now() + run.timeout;
  bool timed_out = false, cancelled = false;
  pollfd fds[2] = {{out.read, POLLIN, 0}, {err.read, POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_streams = 2;
  while (open_streams > 0) {
    if (run.cancelled && run.cancelled()) {
      cancelled = true;
      break;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    // Short slices when someone may cancel; one wait otherwise.
    const int slice = run.cancelled ? static_cast<int>(std::min<int64_t>(left.count(), kCancelCheckMs))
                                    : static_cast<int>(left.count());
    int ready = ::poll(fds, 2, slice);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buffer[4096];
      ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        size_t room = run.max_output - std::min(run.max_output, sinks[i]->size());
        if (static_cast<size_t>(n) > room) result.truncated = true;
        sinks[i]->append(buffer, std::min(room, static_cast<size_t>(n)));
      } else if (n == 0 || errno != EINTR) {
        fds[i].fd = -1;  // closed (the Pipe closes the descriptor)
        --open_streams;
      }
    }
  }
  if (timed_out || cancelled) ::kill(-pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (cancelled) return make_error(ErrorCode::Cancelled, "{} was stopped: cancelled", program);
  if (timed_out) {
    return make_error(ErrorCode::Timeout, "{} did not finish within {} ms", program, run.timeout.count());
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

}  // namespace cloudsync
