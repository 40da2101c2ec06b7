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
  settings.credential = options.credential;
  settings.entra.tenant_id = options.tenant_id;
  settings.entra.client_id = options.client_id;
  settings.entra.client_secret = options.client_secret;
  settings.entra.client_certificate_path = options.client_certificate_path;
  settings.entra.federated_token_file = options.federated_token_file;
  settings.entra.authority_host = options.authority_host;
  if (!environment.env) environment.env = auth::process_environment();
  http::ClientOptions network;
  network.proxy = options.proxy;
  network.ca_bundle = options.ca_bundle;
  network.verify_tls = options.verify_tls;
  if (!environment.transport) environment.transport = http::make_curl_transport(network);
  auth::AzureTokenContext tokens{environment.token_transport ? environment.token_transport : environment.transport,
                                 network, environment.clock};
  CLOUDSYNC_ASSIGN_OR_RETURN(auth::AzureCredentials credentials,
                             auth::resolve_azure_credentials(settings, environment.env, tokens));
  if (!credentials.container.empty()) {
    if (options.container.empty()) {
      options.container = credentials.container;
    } else if (options.container != credentials.container) {
      return make_error(ErrorCode::InvalidArgument, "the SAS URL is for container '{}', not '{}'",
                        credentials.container, options.container);
    }
  }
  AzureClient::Settings client;
  client.credentials = std::move(credentials);
  client.container = options.container;
  client.create_container = options.create_container;
  client.transport = std::move(environment.transport);
  client.retry = environment.retry;
  client.clock = environment.clock ? environment.clock : now_utc;
  client.copy_polling = environment.copy_polling;
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
    {.name = "credential",
     .target = &AzureBackendOptions::credential,
     .help = "Microsoft Entra ID method to use alone: default (the DefaultAzureCredential chain), client_secret, "
             "client_certificate, workload_identity, managed_identity, azure_cli (empty: keys and SAS first, then "
             "that chain)"},
    {.name = "tenant_id",
     .target = &AzureBackendOptions::tenant_id,
     .help = "Entra tenant (directory) ID (empty: AZURE_TENANT_ID)"},
    {.name = "client_id",
     .target = &AzureBackendOptions::client_id,
     .help = "Entra application (client) ID, or a user-assigned managed identity's (empty: AZURE_CLIENT_ID)"},
    {.name = "client_secret",
     .target = &AzureBackendOptions::client_secret,
     .help = "the application's client secret (empty: AZURE_CLIENT_SECRET)",
     .secret = true},
    {.name = "client_certificate_path",
     .target = &AzureBackendOptions::client_certificate_path,
     .help = "PEM file with the application's certificate and unencrypted key (empty: "
             "AZURE_CLIENT_CERTIFICATE_PATH)"},
    {.name = "federated_token_file",
     .target = &AzureBackendOptions::federated_token_file,
     .help = "workload identity token file, re-read at each refresh (empty: AZURE_FEDERATED_TOKEN_FILE)"},
    {.name = "authority_host",
     .target = &AzureBackendOptions::authority_host,
     .help = "Entra authority (empty: AZURE_AUTHORITY_HOST, else https://login.microsoftonline.com)"},
    {.name = "ca_bundle",
     .target = &AzureBackendOptions::ca_bundle,
     .help = "PEM file of trusted CAs (empty: the system store)"},
    {.name = "proxy", .target = &AzureBackendOptions::proxy, .help = "HTTP proxy URL (empty: the *_proxy variables)"},
    {.name = "verify_tls", .target = &AzureBackendOptions::verify_tls, .help = "verify the server's TLS certificate"},
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
Result<std::shared_ptr<StorageBackend>> open_azure_url(const StorageUrl& url, const BackendOptions& options,
                                                       const BackendOpenContext& /*context*/) {
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
