// What the Microsoft Entra ID tests share: the Entra / managed identity
// stand-in (tests/peers/entra_standin.py) started per test, its counters, a
// self-signed certificate made with the openssl CLI, and a clock the tests
// move forward to make tokens due for refresh without waiting.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "auth/azure/env_lookup.hpp"
#include "cloudsync/types.hpp"
#include "support/peer_server.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {

inline const std::string kEntraTenant = "00000000-test-tenant-0000";
inline const std::string kEntraClient = "11111111-test-client-1111";
inline const std::string kEntraSecret = "entra-client-secret-value-42";
inline const std::string kIdentityHeader = "identity-header-secret-77";
inline const std::string kManagedClient = "22222222-user-assigned-2222";

/// A certificate for `cn` (SAN IP 127.0.0.1) and its unencrypted key, made
/// by `openssl req`: cert.pem, key.pem, and both.pem (certificate + key, the
/// form Entra client certificates take).
struct SelfSignedCertificate {
  std::filesystem::path cert;
  std::filesystem::path key;
  std::filesystem::path both;
};
SelfSignedCertificate make_certificate(const std::filesystem::path& dir, const std::string& name);

struct EntraStandinOptions {
  std::string client_certificate;  ///< a PEM the assertions must be signed with
  std::string federated_file;
  int lifetime_seconds = 3600;
};

/// Options with tokens that live `seconds`.
inline EntraStandinOptions lifetime(int seconds) {
  EntraStandinOptions o;
  o.lifetime_seconds = seconds;
  return o;
}

class EntraStandin {
 public:
  explicit EntraStandin(const EntraStandinOptions& options = {});
  /// http://127.0.0.1:PORT (the authority host, the IMDS host).
  std::string url() const { return server_.url(); }
  /// Tokens issued so far by `method` (client_secret, client_certificate,
  /// workload_identity, imds, app_service).
  int issued(const std::string& method) const;
  /// The federated tokens the workload identity requests carried, in order.
  std::vector<std::string> federated_tokens() const;
  /// Why requests were refused, in order.
  std::vector<std::string> rejections() const;

 private:
  PeerServer server_;
};

/// The system clock plus an offset the test moves forward.
class SteppedClock {
 public:
  TimePoint now() const { return TimePoint(std::chrono::system_clock::now().time_since_epoch()) + offset_.load(); }
  void advance(std::chrono::nanoseconds by) { offset_.store(offset_.load() + by); }
  std::function<TimePoint()> function() {
    return [this] { return now(); };
  }

 private:
  std::atomic<std::chrono::nanoseconds> offset_{std::chrono::nanoseconds(0)};
};

/// An EnvLookup over `vars` only.
auth::EnvLookup fake_environment(std::map<std::string, std::string> vars);

}  // namespace cloudsync::test
