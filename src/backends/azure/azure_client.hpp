// One container's requests through the shared http::Client: URLs (path-style
// or virtual-host endpoints), the authorizer (SharedKey, dated by the client's
// server-corrected clock, a user's SAS with its visible limits checked
// before sending, or Entra ID bearer tokens), the pinned x-ms-version, and Azure's reading of answers
// (its transient codes, a refusal of our clock, errors turned into Status
// through azure_errors). One transport (keep-alive) per client.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "auth/azure/credentials.hpp"
#include "cloudsync/backend.hpp"
#include "http/client.hpp"

namespace cloudsync::azure {

/// The service version every request is sent with (x-ms-version). Block
/// sizes up to 4000 MiB and Put Blob up to 5000 MiB need 2019-12-12 or later.
inline constexpr std::string_view kAzureApiVersion = "2021-08-06";

/// What a request touches, for the resource types of an account SAS (srt) and
/// the scope of a service SAS (sr).
enum class SasScope { Container, Object };

/// One logical request (see http::Call: streamed 2xx bodies are never sent
/// again once a byte reached the sink; transport failures are retried only
/// for idempotent requests), plus what Azure's answers depend on.
struct AzureCall : http::Call {
  /// An If-None-Match: * write: "exists" answers become AlreadyExists.
  bool create_only = false;
  /// A write into the container, which may create it (create_container).
  bool creates_in_container = false;

  // Filled by send():
  uint32_t attempts = 0;    ///< attempts made by the last retry loop
  uint64_t sink_bytes = 0;  ///< bytes delivered to `sink`
};

/// How a pending server-side copy (Copy Blob answered "pending") is waited
/// for: Get Blob Properties after `first_poll`, the delay doubling up to
/// `max_poll`; a copy whose progress has not moved for `stall_limit` is
/// given up (aborted, its destination removed).
struct CopyPolling {
  std::chrono::milliseconds first_poll{200};
  std::chrono::milliseconds max_poll{5'000};
  std::chrono::milliseconds stall_limit{600'000};
};

class AzureClient {
 public:
  struct Settings {
    auth::AzureCredentials credentials;
    std::string container;
    bool create_container = false;
    std::shared_ptr<http::Transport> transport;
    http::RetryPolicy retry;
    /// This machine's clock, for signing and SAS expiry checks (corrected by
    /// the server's when it refuses our date).
    std::function<TimePoint()> clock;
    CopyPolling copy_polling;
  };
  /// Validates the container name and the key. InvalidArgument otherwise.
  static Result<std::unique_ptr<AzureClient>> create(Settings settings);

  const std::string& container() const noexcept { return settings_.container; }
  /// What the requests are addressed and authorised with (the endpoint, the
  /// account, the one credential).
  const auth::AzureCredentials& credentials() const noexcept { return settings_.credentials; }
  const CopyPolling& copy_polling() const noexcept { return settings_.copy_polling; }
  /// This machine's clock corrected by the server's (what requests are dated by).
  TimePoint now() const { return clock_->now(); }
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
  /// A checked ranged GET (see http::Client::ranged_get).
  Result<http::RangedAnswer> ranged_get(AzureCall& call, const http::RangeRequest& range, const OpContext& ctx);

  /// Server time minus ours, as learned from a refusal of our date.
  std::chrono::nanoseconds clock_offset() const noexcept { return clock_->offset(); }

 private:
  AzureClient(Settings settings, std::shared_ptr<http::ServerClock> clock,
              std::shared_ptr<http::Authorizer> authorizer);
  Result<http::Response> send_once(AzureCall& call, const OpContext& ctx);
  Status create_container(const OpContext& ctx);

  Settings settings_;
  std::shared_ptr<http::ServerClock> clock_;
  http::Client http_;
};

}  // namespace cloudsync::azure
