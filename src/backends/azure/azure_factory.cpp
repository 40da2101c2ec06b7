// make_azure_backend(): options -> credentials, client and backend (scoped
// to the options' prefix), and the option table of az:// URLs.
#include <memory>
#include <string>

#include "backends/azure/azure_backend.hpp"
#include "backends/azure/azure_client.hpp"
#include "backends/azure/azure_writes.hpp"
#include "backends/option_spec.hpp"
#include "backends/provider.hpp"
#include "cloudsync/backends/azure.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/time.hpp"

namespace cloudsync::azure {

Result<std::shared_ptr<StorageBackend>> make_azure_backend(AzureBackendOptions options, AzureEnvironment environment) {
  if (options.block_size == 0 || options.block_size > kMaxBlockSize) {
    return make_error(ErrorCode::InvalidArgument, "azure: block_size must be between 1 byte and {} bytes",
                      kMaxBlockSize);
  }
  if (options.upload_cutoff == 0 || options.upload_cutoff > kMaxPutBlobSize) {
    return make_error(ErrorCode::InvalidArgument, "azure: upload_cutoff must be between 1 byte and {} bytes",
                      kMaxPutBlobSize);
  }
  auth::AzureAuthSettings settings;
  settings.connection_string = options.connection_string;
  settings.account = options.account;
  settings.account_key = options.account_key;
  settings.sas = options.sas;
  settings.endpoint = options.endpoint;
  if (!environment.env) environment.env = auth::process_environment();
  CLOUDSYNC_ASSIGN_OR_RETURN(auth::AzureCredentials credentials,
                             auth::resolve_azure_credentials(settings, environment.env));
  if (!credentials.container.empty()) {
    if (options.container.empty()) {
      options.container = credentials.container;
    } else if (options.container != credentials.container) {
      return make_error(ErrorCode::InvalidArgument, "the SAS URL is for container '{}', not '{}'",
                        credentials.container, options.container);
    }
  }
  if (!environment.transport) environment.transport = http::make_curl_transport(http::ClientOptions{});
  AzureClient::Settings client;
  client.credentials = std::move(credentials);
  client.container = options.container;
  client.create_container = options.create_container;
  client.transport = std::move(environment.transport);
  client.retry = environment.retry;
  client.clock = environment.clock ? environment.clock : now_utc;
  CLOUDSYNC_ASSIGN_OR_RETURN(std::unique_ptr<AzureClient> made, AzureClient::create(std::move(client)));
  std::shared_ptr<AzureClient> shared = std::move(made);
  log(LogLevel::Debug, "azure: opened {}", shared->describe());
  std::string prefix = options.prefix;
  std::shared_ptr<StorageBackend> container = make_container_backend(std::move(shared), std::move(options));
  if (prefix.empty()) return container;
  CLOUDSYNC_ASSIGN_OR_RETURN(Path scope, Path::parse(prefix));
  return make_prefixed_backend(std::move(container), std::move(scope));
}

}  // namespace cloudsync::azure

namespace cloudsync {

Result<std::shared_ptr<StorageBackend>> make_azure_backend(AzureBackendOptions options) {
  return azure::make_azure_backend(std::move(options), azure::AzureEnvironment{});
}

}  // namespace cloudsync

namespace cloudsync::backends {

namespace {

constexpr OptionSpec<AzureBackendOptions> kAzureOptions[] = {
    {.name = "account",
     .target = &AzureBackendOptions::account,
     .help = "storage account name (empty: from the connection string, the SAS URL or AZURE_STORAGE_ACCOUNT)"},
    {.name = "account_key",
     .target = &AzureBackendOptions::account_key,
     .help = "the account's base64 key (SharedKey signing)",
     .secret = true},
    {.name = "sas",
     .target = &AzureBackendOptions::sas,
     .help = "a SAS token (sv=...&sig=...) or SAS URL (account, container or blob SAS)",
     .secret = true},
    {.name = "connection_string",
     .target = &AzureBackendOptions::connection_string,
     .help = "DefaultEndpointsProtocol=...;AccountName=...;AccountKey=... (empty: the options above, else "
             "AZURE_STORAGE_CONNECTION_STRING, AZURE_STORAGE_KEY, AZURE_STORAGE_SAS_TOKEN)",
     .secret = true},
    {.name = "endpoint",
     .target = &AzureBackendOptions::endpoint,
     .help = "blob service URL, path-style for Azurite and Azure Stack (empty: https://ACCOUNT.blob.core.windows.net)"},
    {.name = "create_container",
     .target = &AzureBackendOptions::create_container,
     .help = "create the container on the first write that finds it missing"},
    {.name = "block_size",
     .target = &AzureBackendOptions::block_size,
     .help = "block size of block uploads, grown to stay within 50,000 blocks"},
    {.name = "upload_cutoff",
     .target = &AzureBackendOptions::upload_cutoff,
     .help = "objects at least this large are uploaded as blocks, smaller ones with one Put Blob"},
};

// az://container[/prefix]
Result<std::shared_ptr<StorageBackend>> open_azure_url(const StorageUrl& url, const BackendOptions& options) {
  AzureBackendOptions azure;
  azure.container = url.root;
  azure.prefix = url.path;
  CLOUDSYNC_RETURN_IF_ERROR(apply_options(kAzureOptions, "az", options, azure));
  return make_azure_backend(std::move(azure));
}

}  // namespace

const ProviderEntry& azure_provider() {
  static constexpr ProviderEntry kEntry{.scheme = "az",
                                        .url_form = "az://container/prefix",
                                        .title = "Azure Blob Storage (and Azurite, Azure Stack)",
                                        .describe = [] { return describe_options<AzureBackendOptions>(kAzureOptions); },
                                        .open = open_azure_url};
  return kEntry;
}

}  // namespace cloudsync::backends
