// The GCE metadata server (cloud.google.com/compute/docs/access/
// authenticate-workloads): on Compute Engine, GKE (workload identity), Cloud
// Run and Cloud Functions, the attached service account's tokens come from
//   GET http://metadata.google.internal/computeMetadata/v1/instance/
//       service-accounts/default/token?scopes=<comma-separated>
// with the header "Metadata-Flavor: Google", which the answer carries too
// (anything else answering there is not a metadata server).
//
// As google-auth does: GCE_METADATA_HOST (or the older GCE_METADATA_ROOT)
// replaces the host (host or host:port) of token requests, and
// GCE_METADATA_IP (default 169.254.169.254, or GCE_METADATA_HOST when only
// that is set) is what detection asks. Requests never go through a proxy (a
// proxy cannot reach a link-local address) and are plain HTTP.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "auth/google/google_auth_settings.hpp"

namespace cloudsync::auth {

struct MetadataServerOptions {
  /// host[:port] of token requests; empty: from the environment (see above).
  std::string host;
  /// host[:port] that detect_metadata_server() asks; empty: from the environment.
  std::string detect_host;
  /// Detection gives up after this long, so that machines outside Google
  /// Cloud are not slowed down (on GCE the server answers in milliseconds).
  std::chrono::milliseconds detect_timeout{1000};
};

/// host[:port] of token requests: options.host, else GCE_METADATA_HOST, else
/// GCE_METADATA_ROOT, else "metadata.google.internal".
std::string metadata_server_host(const MetadataServerOptions& options);

/// host[:port] that detection asks: options.detect_host, else GCE_METADATA_IP,
/// else GCE_METADATA_HOST, else GCE_METADATA_ROOT, else "169.254.169.254".
std::string metadata_detection_host(const MetadataServerOptions& options);

/// OK when a metadata server answers at the detection host within
/// options.detect_timeout with "Metadata-Flavor: Google". Otherwise Network,
/// Timeout or BadResponse saying what happened instead (one attempt, no
/// retries).
Status detect_metadata_server(const MetadataServerOptions& options, const OpContext& ctx);

/// The token source: each fetch() asks the metadata server for a token of the
/// default service account for settings.scopes (the answer must carry
/// Metadata-Flavor: Google: BadResponse otherwise). settings.transport is not
/// used: metadata requests go direct, without a proxy.
Result<std::unique_ptr<TokenSource>> make_metadata_server_source(const MetadataServerOptions& options,
                                                                 const GoogleAuthSettings& settings);

}  // namespace cloudsync::auth
