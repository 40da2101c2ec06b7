// One container's requests: URLs (path-style or virtual-host endpoints),
// authorisation (SharedKey signing per attempt, or a user's SAS with its
// visible limits checked before sending), the pinned x-ms-version, the shared
// retry loop with Azure's transient error codes, and error answers turned into
// Status through azure_errors. One transport (keep-alive) per client.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "auth/azure/credentials.hpp"
#include "auth/azure/shared_key.hpp"
#include "cloudsync/backend.hpp"
#include "http/http.hpp"

namespace cloudsync::azure {

/// The service version every request is sent with (x-ms-version). Block
/// sizes up to 4000 MiB and Put Blob up to 5000 MiB need 2019-12-12 or later.
inline constexpr std::string_view kAzureApiVersion = "2021-08-06";

/// What a request touches, for the resource types of an account SAS (srt) and
/// the scope of a service SAS (sr).
enum class SasScope { Container, Object };

/// One logical request: the retry loop sends it as often as needed, signing
/// every attempt afresh.
struct AzureCall {
  std::string method = "GET";
  std::string url;  ///< encoded, without a SAS (added per attempt)
  http::Headers headers;
  ByteSource* body = nullptr;
  std::optional<uint64_t> body_size;
  /// 2xx bodies stream here. Once a byte has arrived, a failed attempt is not
  /// repeated: the caller decides (a download resumes with a range).
  ByteSink* sink = nullptr;
  /// Transport failures (the request may have been applied) are retried only
  /// for idempotent requests; throttling and 5xx answers always are.
  bool idempotent = true;
  /// An If-None-Match: * write: "exists" answers become AlreadyExists.
  bool create_only = false;
  /// A write into the container, which may create it (create_container).
  bool creates_in_container = false;
  /// Names the request in messages and logs: "PUT az://container/key".
  std::string what;

  // Filled by send():
  uint32_t attempts = 0;    ///< attempts made by the last retry loop
  uint64_t sink_bytes = 0;  ///< bytes delivered to `sink`
};

class AzureClient {
 public:
  struct Settings {
    auth::AzureCredentials credentials;
    std::string container;
    bool create_container = false;
    std::shared_ptr<http::Transport> transport;
    http::RetryPolicy retry;
    std::function<TimePoint()> clock;  ///< for signing and SAS expiry checks
  };
  /// Validates the container name and the key. InvalidArgument otherwise.
  static Result<std::unique_ptr<AzureClient>> create(Settings settings);

  const std::string& container() const noexcept { return settings_.container; }
  /// "az://container" or "az://container/name".
  std::string describe(std::string_view name = {}) const;
  /// Endpoint + "/container".
  std::string container_url() const;
  /// Endpoint + "/container/" + the name percent-encoded ('/' kept).
  std::string blob_url(std::string_view name) const;

  /// Whether the SAS, if that is the credential, can do an operation needing
  /// every letter of `permissions` on `scope`: Unauthenticated when expired or
  /// not yet valid, PermissionDenied when a permission, resource type or scope
  /// is missing. OK with an account key.
  Status check_sas(std::string_view permissions, SasScope scope) const;
  /// True when the credential is a SAS granting `permission`, or a key.
  bool may(char permission) const;

  /// Sends `call` with retries. A 2xx answer is returned; any other answer
  /// becomes its mapped error Status (code, message, request id).
  Result<http::Response> send(AzureCall& call, const OpContext& ctx);

 private:
  explicit AzureClient(Settings settings, std::optional<auth::AzureSharedKeySigner> signer)
      : settings_(std::move(settings)), signer_(std::move(signer)) {}
  Result<http::Response> send_once(AzureCall& call, const OpContext& ctx);
  Status create_container(const OpContext& ctx);

  Settings settings_;
  std::optional<auth::AzureSharedKeySigner> signer_;
};

}  // namespace cloudsync::azure
