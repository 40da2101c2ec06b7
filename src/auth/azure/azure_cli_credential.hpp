// The token of the user signed in with the Azure CLI (`az login`):
// `az account get-access-token --resource https://storage.azure.com/
// --output json`, run without a shell (argv as is) when `az` is on PATH.
// Its answer gives accessToken and expires_on (Unix seconds, CLI 2.54 and
// later) or only expiresOn (local time "YYYY-MM-DD HH:MM:SS.ffffff").
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "auth/oauth/token_cache.hpp"

namespace cloudsync::auth {

struct AzureCliOptions {
  /// The PATH `az` is looked up in.
  std::string search_path;
  /// --tenant, when set (AZURE_TENANT_ID is not passed: the CLI's own login decides).
  std::string tenant_id;
  std::string resource = "https://storage.azure.com/";
  /// The CLI starts slowly (Python); the Azure SDKs wait 10 s.
  std::chrono::milliseconds timeout{10'000};
};

/// Unauthenticated "az is not on PATH" when the CLI is missing; the source's
/// fetch() fails with Unauthenticated "run 'az login'" when no one is signed in.
Result<std::unique_ptr<TokenSource>> make_azure_cli_source(AzureCliOptions options);

/// Reads the CLI's JSON answer (exposed for tests). `now` is the cache's clock.
Result<AccessToken> parse_azure_cli_token(std::string_view json, TimePoint now);

}  // namespace cloudsync::auth
