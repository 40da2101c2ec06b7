#include "auth/google/default_credentials.hpp"

#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <system_error>

#include "core/environment.hpp"
#include "core/error.hpp"
#include "core/log.hpp"

namespace cloudsync::auth {
namespace {

constexpr std::string_view kFileName = "application_default_credentials.json";

// Whether a metadata server is there does not change while a process runs;
// hosts open backends often (an option check, a probe), and outside Google
// Cloud each detection would cost up to its timeout. The answer is kept per
// detection host: found, for good; not found, for a while (in case it was
// only slow to come up).
constexpr std::chrono::minutes kRememberAbsence{5};

struct Detection {
  Status outcome;
  std::chrono::steady_clock::time_point at;
};

Status detect_once(const MetadataServerOptions& options, const OpContext& ctx) {
  static std::mutex mutex;
  static std::map<std::string, Detection> known;
  const std::string key = metadata_detection_host(options);
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mutex);
    auto it = known.find(key);
    if (it != known.end() && (it->second.outcome.ok() || now - it->second.at < kRememberAbsence)) {
      return it->second.outcome;
    }
  }
  Status outcome = detect_metadata_server(options, ctx);
  if (outcome.code() == ErrorCode::Cancelled) return outcome;
  std::lock_guard lock(mutex);
  known[key] = Detection{outcome, now};
  return outcome;
}

}  // namespace

std::filesystem::path well_known_credentials_file() {
  if (std::string config = environment_variable("CLOUDSDK_CONFIG").value_or(""); !config.empty())
    return std::filesystem::path(config) / kFileName;
  if (std::string home = environment_variable("HOME").value_or(""); !home.empty()) {
    return std::filesystem::path(home) / ".config" / "gcloud" / kFileName;
  }
  return {};
}

Result<GoogleCredentials> find_default_credentials(const GoogleAuthSettings& settings,
                                                   const DefaultCredentialsOptions& options, const OpContext& ctx) {
  std::vector<std::string> tried;
  if (std::string named = environment_variable("GOOGLE_APPLICATION_CREDENTIALS").value_or(""); !named.empty()) {
    log(LogLevel::Debug, "Google credentials: GOOGLE_APPLICATION_CREDENTIALS names '{}'", named);
    Result<GoogleCredentials> credentials = load_google_credentials(named, settings);
    if (!credentials.ok()) return credentials.status().with_context("GOOGLE_APPLICATION_CREDENTIALS");
    return credentials;
  }
  tried.emplace_back("GOOGLE_APPLICATION_CREDENTIALS is not set");

  const std::filesystem::path well_known = well_known_credentials_file();
  std::error_code ec;
  if (well_known.empty()) {
    tried.emplace_back("no gcloud credentials file (neither CLOUDSDK_CONFIG nor HOME is set)");
  } else if (!std::filesystem::exists(well_known, ec)) {
    tried.emplace_back(fmt::format("no gcloud credentials file '{}' (run `gcloud auth application-default login`)",
                                   well_known.string()));
  } else {
    log(LogLevel::Debug, "Google credentials: gcloud's file '{}'", well_known.string());
    Result<GoogleCredentials> credentials = load_google_credentials(well_known, settings);
    if (!credentials.ok()) return credentials.status().with_context("gcloud application default credentials");
    return credentials;
  }

  if (!options.use_metadata_server) {
    tried.emplace_back("the GCE metadata server was not asked");
  } else if (Status found = detect_once(options.metadata, ctx); !found.ok()) {
    if (found.code() == ErrorCode::Cancelled) return found;
    tried.emplace_back(fmt::format("not on Google Cloud ({})", found.message()));
  } else {
    log(LogLevel::Debug, "Google credentials: the GCE metadata server at {}", metadata_server_host(options.metadata));
    CLOUDSYNC_ASSIGN_OR_RETURN(std::unique_ptr<TokenSource> source,
                               make_metadata_server_source(options.metadata, settings));
    return GoogleCredentials{std::move(source), environment_variable("GOOGLE_CLOUD_QUOTA_PROJECT").value_or("")};
  }

  std::string why;
  for (const std::string& reason : tried) why += (why.empty() ? "" : "; ") + reason;
  return make_error(ErrorCode::Unauthenticated, "no Google application default credentials: {}", why);
}

}  // namespace cloudsync::auth
