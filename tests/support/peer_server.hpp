// Starts a peer server (the HTTP test server, moto, Azurite, the Drive mock,
// the fault proxy, ...) on a free loopback port for the tests that need it,
// and stops it -- with every process it started -- when the object dies.
//
// A peer that does not come up FAILS the current test with its logs: a test
// that needs a server never skips.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "support/test_util.hpp"

namespace cloudsync::test {

struct PeerSpec {
  /// Short name for messages, and the log file name when the peer runs in the
  /// foreground ("<dir>/<name>.log").
  std::string name;
  /// argv of the start command. "{port}", "{dir}" (the peer's fresh state
  /// directory) and "{peers}" (tests/peers) are replaced in every argument.
  std::vector<std::string> command;
  /// True for the tests/peers/start-*.sh scripts: they start the server in the
  /// background, wait until it answers and exit 0 (the peer is ready when the
  /// command has exited 0 and the port accepts connections). False for a
  /// server that runs in the foreground (ready when the port accepts).
  bool launcher_exits = false;
  /// Extra environment for the command; `unset_env` names variables to drop
  /// (e.g. AWS_CA_BUNDLE, or proxy variables a test sets for itself).
  std::map<std::string, std::string> env;
  std::vector<std::string> unset_env{"http_proxy",  "https_proxy", "HTTP_PROXY",
                                     "HTTPS_PROXY", "ALL_PROXY",   "all_proxy"};
  std::chrono::milliseconds ready_timeout{30'000};
};

class PeerServer {
 public:
  /// Starts the peer, REQUIRE-failing the current test when it does not start.
  explicit PeerServer(PeerSpec spec);
  ~PeerServer();
  PeerServer(const PeerServer&) = delete;
  PeerServer& operator=(const PeerServer&) = delete;

  int port() const noexcept { return port_; }
  /// "http://127.0.0.1:<port>"
  std::string url() const;
  /// The peer's state directory (pid, log and env files).
  const std::filesystem::path& dir() const noexcept { return dir_.path(); }
  /// "<dir>/<name>.env" as the start scripts write it.
  std::filesystem::path env_file() const;
  /// KEY=VALUE lines of env_file(); empty when there is none.
  std::map<std::string, std::string> env() const;
  /// The tail of every *.log file in dir(), for failure messages.
  std::string logs() const;
  /// Stops the peer now (the destructor does it otherwise). Idempotent.
  void stop();

  /// tests/peers in the source tree (CLOUDSYNC_PEERS_DIR overrides it).
  static std::filesystem::path peers_dir();
  /// A loopback port below 32768 that nothing listens on right now.
  static int free_port();

 private:
  /// One start attempt on port_; returns an empty string or why it failed.
  std::string try_start();

  PeerSpec spec_;
  TempDir dir_;
  int port_ = 0;
  int pid_ = -1;  ///< the start command; leader of its own process group
  bool reaped_ = true;
};

}  // namespace cloudsync::test
