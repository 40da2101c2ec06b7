// The stand-in for Google's token services behind Application Default
// Credentials (tests/peers/google_credentials_standin.py): a GCE metadata
// server, STS token exchange, IAM impersonation and a URL-sourced subject
// token. Started once per test process, stopped at exit.
#pragma once

#include <string>

#include "core/json.hpp"
#include "support/http_support.hpp"
#include "support/peer_server.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {

PeerServer& google_standin();
/// "127.0.0.1:<port>": what GCE_METADATA_HOST names.
std::string google_standin_host();

/// POST /__config__ with `json` (audience, subject_tokens, expires_in, subject_header).
void configure_google_standin(const std::string& json);
/// GET /__stats__: {"requests": {...}, "issued": [...], "scopes": {...}}.
rapidjson::Document google_standin_stats();
/// How many requests the stand-in has seen for `endpoint` (metadata,
/// metadata_token, sts, iam, subject_token).
int64_t google_standin_requests(const std::string& endpoint);
/// The last token the stand-in issued ("" when none).
std::string google_standin_last_token();

/// The environment Application Default Credentials read, made the test's own
/// while alive: GOOGLE_APPLICATION_CREDENTIALS, CLOUDSDK_CONFIG,
/// GCE_METADATA_IP/ROOT and GOOGLE_CLOUD_QUOTA_PROJECT unset, HOME an empty
/// temporary folder, GCE_METADATA_HOST `metadata_host` (default: a loopback
/// port nothing listens on, so that no test asks a real metadata server).
class AdcEnvironment {
 public:
  explicit AdcEnvironment(const std::string& metadata_host = refused_host());
  /// Where gcloud writes application_default_credentials.json under HOME.
  std::filesystem::path gcloud_dir() const { return home_.path() / ".config" / "gcloud"; }
  const std::filesystem::path& home() const { return home_.path(); }
  static std::string refused_host();

 private:
  TempDir home_;
  ScopedEnv home_env_;
  ScopedEnv credentials_, config_, metadata_host_, metadata_ip_, metadata_root_, quota_;
};

}  // namespace cloudsync::test
