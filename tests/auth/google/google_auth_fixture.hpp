// Shared pieces of the Google-auth tests: the signing vectors, the OAuth2 token
// server (tests/peers/start-oauth.sh) configured for these tests, a recording
// transport that keeps bodies, and a settable clock. Log capture, ScopedEnv,
// fast_options() and the fault proxy come from tests/support.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "auth/google/service_account.hpp"
#include "http/http.hpp"
#include "support/http_support.hpp"
#include "support/peer_server.hpp"
#include "support/recording_transport.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {

/// A field of generated-signing-vectors.json under "google" / `group`.
std::string google_vector(const char* group, const char* field);

/// The RFC 7515 A.2 key (PKCS#8 PEM) and the service account of the vectors.
std::string vector_private_key_pem();
inline constexpr std::string_view kVectorClientEmail = "test-sa@example-project.iam.gserviceaccount.com";

/// Service-account key-file JSON with the vector key (the PEM's newlines
/// written as "\n" escapes, as Google's files have them).
std::string service_account_key_json(const std::string& token_uri, const std::string& private_key_id = {});

/// parse_service_account_key(service_account_key_json(...)), REQUIRE-d to work.
auth::ServiceAccountKey vector_service_account(const std::string& token_uri, const std::string& private_key_id = {});

/// Runs fn(0) ... fn(n - 1) on n threads released together, and joins them.
void run_together(int n, const std::function<void(int index)>& fn);

/// The token server for this test process: started on first use with unique
/// access tokens ("valid-token-1", "-2", ...) and the vector service account
/// configured; stopped when the process exits.
PeerServer& oauth_server();
/// "<oauth_server>/token"
std::string oauth_token_uri();
/// Token requests the server has seen for `grant_type`.
int64_t oauth_token_requests(const std::string& grant_type);

/// Quick retries so fault tests finish in well under a second.
http::RetryPolicy quick_retry_policy();

/// A RecordingTransport (tests/support) that keeps request bodies, for
/// looking at token requests; `delay` is slept before each request goes out.
std::shared_ptr<RecordingTransport> body_recorder(std::chrono::milliseconds delay = std::chrono::milliseconds(0));

/// A wall clock the test moves by hand; starts at the real time.
class ManualClock {
 public:
  ManualClock();
  TimePoint now() const;
  void advance(std::chrono::seconds by);
  /// For TokenCacheOptions::clock (shares this clock's state).
  std::function<TimePoint()> function() const;

 private:
  std::shared_ptr<std::atomic<int64_t>> nanos_;
};

}  // namespace cloudsync::test
