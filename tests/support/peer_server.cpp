#include "support/peer_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <thread>

extern char** environ;

namespace cloudsync::test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr int kLowestPort = 20000;
constexpr int kHighestPort = 32767;  // below the Linux ephemeral range
constexpr int kStartAttempts = 3;    // a port taken between pick and bind is retried

bool port_accepts(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

bool port_bindable(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (size_t pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
  return text;
}

struct ProcStat {
  char state = '?';
  int pgid = 0;
};

// /proc/PID/stat: "pid (comm) state ppid pgrp ..."; comm may contain spaces.
std::optional<ProcStat> proc_stat(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::ostringstream text;
  text << in.rdbuf();
  const std::string content = text.str();
  size_t paren = content.rfind(')');
  if (paren == std::string::npos) return std::nullopt;
  std::istringstream fields(content.substr(paren + 1));
  ProcStat st;
  int ppid = 0;
  if (!(fields >> st.state >> ppid >> st.pgid)) return std::nullopt;
  return st;
}

// A zombie still answers kill(pid, 0); it is dead for our purposes.
bool process_alive(int pid) {
  if (pid <= 0 || ::kill(pid, 0) != 0) return false;
  std::optional<ProcStat> st = proc_stat(pid);
  return !st || st->state != 'Z';
}

// Live (non-zombie) members of a process group.
bool group_alive(int pgid) {
  if (pgid <= 0 || ::kill(-pgid, 0) != 0) return false;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::optional<ProcStat> st = proc_stat(std::stoi(name));
    if (st && st->pgid == pgid && st->state != 'Z') return true;
  }
  return false;
}

std::set<int> recorded_pids(const fs::path& dir) {
  std::set<int> pids;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".pid") continue;
    std::ifstream in(entry.path());
    int pid = 0;
    if (in >> pid && pid > 1) pids.insert(pid);
  }
  return pids;
}

}  // namespace

fs::path PeerServer::peers_dir() {
  if (const char* dir = std::getenv("CLOUDSYNC_PEERS_DIR"); dir != nullptr && *dir != '\0') return dir;
  // This file lives in tests/support; the peers live next door.
  return fs::path(__FILE__).parent_path().parent_path() / "peers";
}

int PeerServer::free_port() {
  static std::mt19937 rng{std::random_device{}()};
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  std::uniform_int_distribution<int> pick(kLowestPort, kHighestPort);
  for (int i = 0; i < 200; ++i) {
    int port = pick(rng);
    if (port_bindable(port) && !port_accepts(port)) return port;
  }
  FAIL("no free loopback port found between " << kLowestPort << " and " << kHighestPort);
  return 0;
}

PeerServer::PeerServer(PeerSpec spec) : spec_(std::move(spec)) {
  std::string why;
  for (int attempt = 1; attempt <= kStartAttempts; ++attempt) {
    port_ = free_port();
    why = try_start();
    if (why.empty()) return;
    std::string log_text = logs();
    stop();
    bool port_taken = log_text.find("already in use") != std::string::npos ||
                      log_text.find("Address already in use") != std::string::npos;
    if (!port_taken) break;
  }
  std::string log_text = logs();
  FAIL("peer '" << spec_.name << "' did not start: " << why << "\n--- logs ---\n" << log_text);
}

PeerServer::~PeerServer() { stop(); }

std::string PeerServer::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

fs::path PeerServer::env_file() const { return dir() / (spec_.name + ".env"); }

std::map<std::string, std::string> PeerServer::env() const {
  std::map<std::string, std::string> out;
  std::ifstream in(env_file());
  std::string line;
  while (std::getline(in, line)) {
    size_t eq = line.find('=');
    if (eq == std::string::npos || line.empty() || line[0] == '#') continue;
    out[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return out;
}

std::string PeerServer::logs() const {
  constexpr std::streamoff kTail = 4000;
  std::ostringstream out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir(), ec)) {
    if (entry.path().extension() != ".log") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    in.seekg(0, std::ios::end);
    std::streamoff size = in.tellg();
    in.seekg(size > kTail ? size - kTail : 0);
    std::ostringstream text;
    text << in.rdbuf();
    out << "== " << entry.path().filename().string() << (size > kTail ? " (tail)" : "") << " ==\n"
        << text.str() << "\n";
  }
  return out.str();
}

std::string PeerServer::try_start() {
  std::vector<std::string> args;
  for (const std::string& arg : spec_.command) {
    std::string a = replace_all(arg, "{port}", std::to_string(port_));
    a = replace_all(a, "{dir}", dir().string());
    args.push_back(replace_all(a, "{peers}", peers_dir().string()));
  }
  if (args.empty()) return "empty start command";

  // Environment: ours, minus unset_env, plus env.
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry(*e);
    std::string name = entry.substr(0, entry.find('='));
    bool drop = spec_.env.count(name) > 0;
    for (const std::string& unset : spec_.unset_env) drop = drop || name == unset;
    if (!drop) env_strings.push_back(entry);
  }
  for (const auto& [name, value] : spec_.env) env_strings.push_back(name + "=" + value);
  env_strings.push_back("PYTHONUNBUFFERED=1");
  std::vector<char*> envp;
  for (std::string& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<char*> argv;
  for (std::string& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);

  // The command's own output; a start script's server writes <name>.log itself.
  fs::path log = dir() / (spec_.name + (spec_.launcher_exits ? ".start.log" : ".log"));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Its own process group, so that stopping it reaches everything it started.
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return "cannot run " + args[0] + ": " + std::strerror(rc);
  pid_ = pid;
  reaped_ = false;

  const auto deadline = std::chrono::steady_clock::now() + spec_.ready_timeout;
  bool launcher_done = false;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!reaped_) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        reaped_ = true;
        if (!spec_.launcher_exits || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
          return "'" + args[0] + "' exited early (" +
                 (WIFEXITED(status) ? "status " + std::to_string(WEXITSTATUS(status))
                                    : "signal " + std::to_string(WTERMSIG(status))) +
                 ")";
        }
        launcher_done = true;
      }
    }
    if ((launcher_done || !spec_.launcher_exits) && port_accepts(port_)) return {};
    std::this_thread::sleep_for(50ms);
  }
  return "not answering on port " + std::to_string(port_) + " after " + std::to_string(spec_.ready_timeout.count()) +
         " ms";
}

void PeerServer::stop() {
  if (pid_ <= 0) return;
  const int pgid = pid_;
  std::set<int> pids = recorded_pids(dir());
  auto signal_all = [&](int sig) {
    if (group_alive(pgid)) ::kill(-pgid, sig);
    for (int pid : pids) {
      if (process_alive(pid)) ::kill(pid, sig);
    }
  };
  auto reap = [&] {
    if (!reaped_ && ::waitpid(pid_, nullptr, WNOHANG) == pid_) reaped_ = true;
  };
  auto anything_alive = [&] {
    reap();
    if (!reaped_) return true;
    for (int pid : pids) {
      if (process_alive(pid)) return true;
    }
    return group_alive(pgid);
  };
  signal_all(SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + 3s;
  while (anything_alive() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(20ms);
  if (anything_alive()) {
    signal_all(SIGKILL);
    if (!reaped_) {
      ::waitpid(pid_, nullptr, 0);
      reaped_ = true;
    }
  }
  pid_ = -1;
}

}  // namespace cloudsync::test
