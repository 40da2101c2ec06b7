// Test helpers for anything that talks HTTP: quick client options, a bare GET,
// log capture, scoped environment variables, and the fault-injecting proxy.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cloudsync/log.hpp"
#include "http/http.hpp"
#include "support/peer_server.hpp"

namespace cloudsync::test {

/// Options with short stall detection so a broken test fails fast.
http::ClientOptions fast_options();

/// One GET through `transport`, without retries.
Result<http::Response> http_get(http::Transport& transport, const std::string& url, ByteSink* sink = nullptr,
                                const OpContext& ctx = {});

/// Captures every log line while alive (installs a handler at `level`).
class LogCapture {
 public:
  explicit LogCapture(LogLevel level = LogLevel::Trace);
  ~LogCapture();
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;
  std::vector<std::pair<LogLevel, std::string>> lines() const;
  /// The messages alone, in order.
  std::vector<std::string> messages() const;
  /// Every message, each followed by a newline.
  std::string joined() const;

 private:
  struct Shared {
    mutable std::mutex mutex;
    std::vector<std::pair<LogLevel, std::string>> lines;
  };
  std::shared_ptr<Shared> shared_ = std::make_shared<Shared>();
};

/// Sets an environment variable for the lifetime of the object (tests that
/// use it run before any of their threads start).
class ScopedEnv {
 public:
  ScopedEnv(std::string name, const char* value);
  ~ScopedEnv();
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

/// The fault-injecting proxy (tests/peers/start-faultproxy.sh + faults.py) in
/// front of a loopback port. Host headers are kept, so signatures still verify.
class FaultProxy {
 public:
  explicit FaultProxy(int upstream_port);
  std::string url() const { return server_.url(); }
  int port() const { return server_.port(); }
  /// Replaces the proxy's rule (see tests/peers/faults.py); "{}" clears it.
  void set_rule(const std::string& json);
  /// Requests the current rule has hit.
  int64_t hits();

 private:
  PeerServer server_;
  std::shared_ptr<http::Transport> control_;
};

}  // namespace cloudsync::test
