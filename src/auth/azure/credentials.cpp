#include "auth/azure/credentials.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <map>
#include <utility>

#include "auth/azure/shared_key.hpp"
#include "auth/oauth/token_cache.hpp"
#include "core/ascii.hpp"
#include "core/environment.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "core/redact.hpp"
#include "http/http.hpp"

namespace cloudsync::auth {

namespace {

// Ports at which the Azure SDKs address the account by path even on a named
// host: the storage emulators' defaults and their usual neighbours.
constexpr std::array<int, 20> kPathStylePorts = {10000, 10001, 10002, 10003, 10004, 10100, 10101, 10102, 10103, 10104,
                                                 11000, 11001, 11002, 11003, 11004, 11100, 11101, 11102, 11103, 11104};

bool is_ip_literal(std::string_view host) {
  if (!host.empty() && host.front() == '[') return true;  // parse_url keeps IPv6 brackets
  int dots = 0;
  for (char c : host) {
    if (c == '.') {
      ++dots;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  return dots == 3;
}

// A blob service URL split into the endpoint, the account and what follows.
struct BlobUrl {
  std::string endpoint;  // no trailing '/'
  bool path_style = false;
  std::string account;
  std::string rest;  // path after the endpoint, without the leading '/'
};

// `what` names the setting in messages. The URL itself is not repeated: users
// paste SAS URLs into endpoint fields.
Result<BlobUrl> split_blob_url(std::string_view text, std::string_view account_hint, std::string_view what) {
  Result<http::Url> url = http::parse_url(trim(text));
  if (!url.ok()) return make_error(ErrorCode::InvalidArgument, "{} is not an absolute http(s) URL", what);
  if (!url->query.empty()) {
    return make_error(ErrorCode::InvalidArgument, "{} must not have a query; give a SAS separately", what);
  }
  BlobUrl out;
  out.path_style = is_ip_literal(url->host) ||
                   std::find(kPathStylePorts.begin(), kPathStylePorts.end(), url->port) != kPathStylePorts.end();
  std::string_view path = url->path;
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  std::string base = url->scheme + "://" + url->authority();
  if (out.path_style) {
    size_t slash = path.find('/');
    std::string_view first = path.substr(0, slash);
    if (first.empty()) {
      if (account_hint.empty()) {
        return make_error(ErrorCode::InvalidArgument,
                          "{} addresses the account in the path (an IP address or emulator port) but names no "
                          "account: add '/<account>' or give the account name",
                          what);
      }
      first = account_hint;
    } else if (!account_hint.empty() && first != account_hint) {
      return make_error(ErrorCode::InvalidArgument, "the account name '{}' does not match the account '{}' in {}",
                        account_hint, first, what);
    }
    out.account = std::string(first);
    out.endpoint = base + "/" + out.account;
    out.rest = slash == std::string_view::npos ? std::string() : std::string(path.substr(slash + 1));
  } else {
    out.endpoint = base;
    out.rest = std::string(path);
    size_t blob = url->host.find(".blob.");
    out.account = !account_hint.empty()       ? std::string(account_hint)
                  : blob != std::string::npos ? url->host.substr(0, url->host.find('.'))
                                              : std::string();
  }
  return out;
}

Status check_account_name(std::string_view account, std::string_view what) {
  bool ok = !account.empty() && std::all_of(account.begin(), account.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.';
  });
  // Not echoed: a key pasted into the wrong field must not end up in a message.
  if (!ok) {
    return make_error(ErrorCode::InvalidArgument,
                      "{} is not a valid storage account name (letters, digits, '-', '_', '.')", what);
  }
  return Status::OK();
}

// Checks the key the way the signer will, so that configuration errors show up
// when credentials are resolved rather than at the first request.
Status check_account_key(std::string_view account, std::string_view key) {
  return AzureSharedKeySigner::create(std::string(account), key).status();
}

// The fields common to every source, after the source's own syntax is handled.
struct Fields {
  std::string account;
  std::string account_key;
  std::string sas;
  std::string endpoint;
  std::string_view source;  // for messages: "the configuration", "the environment", "the connection string"
};

// The account and blob endpoint: an explicit service URL (any host, path-style
// for Azurite and Azure Stack), or the public cloud's for the account name.
Status set_endpoint(const Fields& f, AzureCredentials& out) {
  if (!f.endpoint.empty()) {
    CLOUDSYNC_ASSIGN_OR_RETURN(BlobUrl url, split_blob_url(f.endpoint, f.account, "the blob endpoint"));
    if (!url.rest.empty()) {
      return make_error(ErrorCode::InvalidArgument,
                        "the blob endpoint must be the service URL, without a container or blob path");
    }
    out.account = std::move(url.account);
    out.blob_endpoint = std::move(url.endpoint);
    out.path_style = url.path_style;
    return Status::OK();
  }
  if (f.account.empty()) {
    return make_error(ErrorCode::InvalidArgument, "{} gives no account name and no endpoint", f.source);
  }
  CLOUDSYNC_RETURN_IF_ERROR(check_account_name(f.account, "the account name"));
  out.account = f.account;
  out.blob_endpoint = "https://" + f.account + ".blob.core.windows.net";
  return Status::OK();
}

Result<AzureCredentials> from_fields(const Fields& f) {
  if (!f.account_key.empty()) register_secret(f.account_key);
  if (!f.account_key.empty() && !f.sas.empty()) {
    return make_error(ErrorCode::InvalidArgument, "{} gives both an account key and a SAS; keep one", f.source);
  }
  if (f.account_key.empty() && f.sas.empty()) {
    return make_error(ErrorCode::InvalidArgument, "{} gives neither an account key nor a SAS", f.source);
  }
  if (!f.account.empty()) CLOUDSYNC_RETURN_IF_ERROR(check_account_name(f.account, "the account name"));
  AzureCredentials out;
  bool sas_url = f.sas.find("://") != std::string::npos;
  if (sas_url) {
    if (!f.endpoint.empty()) {
      return make_error(ErrorCode::InvalidArgument,
                        "{} gives both a SAS URL and an endpoint; the SAS URL names the endpoint already", f.source);
    }
    CLOUDSYNC_ASSIGN_OR_RETURN(AzureSasUrl parsed, parse_sas_url(f.sas));
    CLOUDSYNC_ASSIGN_OR_RETURN(BlobUrl url, split_blob_url(parsed.resource_url, f.account, "the SAS URL"));
    out.sas = std::move(parsed.token);
    out.account = std::move(url.account);
    out.blob_endpoint = std::move(url.endpoint);
    out.path_style = url.path_style;
    out.container = url.rest.substr(0, url.rest.find('/'));
    return out;
  }
  CLOUDSYNC_RETURN_IF_ERROR(set_endpoint(f, out));
  if (!f.account_key.empty()) {
    if (out.account.empty()) {
      return make_error(ErrorCode::InvalidArgument, "{} gives an account key but no account name", f.source);
    }
    CLOUDSYNC_RETURN_IF_ERROR(check_account_key(out.account, f.account_key));
    out.account_key = f.account_key;
  } else {
    CLOUDSYNC_ASSIGN_OR_RETURN(out.sas, parse_sas_token(f.sas));
  }
  return out;
}

void log_resolved(const AzureCredentials& c, std::string_view source) {
  log(LogLevel::Debug, "azure: credentials from {}: account '{}', endpoint {}{}, {}", source, c.account,
      c.blob_endpoint, c.path_style ? " (path-style)" : "", c.sas ? "SAS" : "account key");
}

// The emulator settings; only DevelopmentStorageProxyUri may accompany them.
// `settings` maps lower-cased names to values, `spelled` to the names as written.
Result<AzureCredentials> development_storage(const std::map<std::string, std::string>& settings,
                                             const std::map<std::string, std::string>& spelled) {
  AzureCredentials out;
  out.account = std::string(kAzuriteAccount);
  out.account_key = std::string(kAzuriteAccountKey);
  out.blob_endpoint = std::string(kAzuriteBlobEndpoint);
  out.path_style = true;
  for (const auto& [name, value] : settings) {
    if (name == "usedevelopmentstorage") continue;
    if (name != "developmentstorageproxyuri") {
      return make_error(ErrorCode::InvalidArgument,
                        "the connection string setting {} cannot be combined with UseDevelopmentStorage=true",
                        spelled.at(name));
    }
    Result<http::Url> proxy = http::parse_url(value);
    if (!proxy.ok()) {
      return make_error(ErrorCode::InvalidArgument, "DevelopmentStorageProxyUri is not an absolute http(s) URL");
    }
    out.blob_endpoint = proxy->scheme + "://" + proxy->host + ":10000/" + out.account;
  }
  return out;
}

}  // namespace

Result<AzureCredentials> parse_connection_string(std::string_view text) {
  // Lower-cased name -> value. Secrets are registered before anything can fail.
  std::map<std::string, std::string> settings;
  std::map<std::string, std::string> spelled;  // lower-cased name -> name as written, for messages
  size_t index = 0;
  std::string_view rest = trim(text);
  if (rest.empty()) return make_error(ErrorCode::InvalidArgument, "the connection string is empty");
  while (!rest.empty()) {
    size_t semi = rest.find(';');
    std::string_view part = trim(rest.substr(0, semi));
    rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
    ++index;
    if (part.empty()) continue;
    size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      register_secret(part);  // it may be a stray piece of a key
      return make_error(ErrorCode::InvalidArgument, "connection string part {} is not Name=Value", index);
    }
    std::string_view name = trim(part.substr(0, eq));
    std::string_view value = trim(part.substr(eq + 1));
    std::string key = ascii_lower(name);
    if (key == "accountkey" || key == "sharedaccesssignature") register_secret(value);
    if (!settings.emplace(key, std::string(value)).second) {
      return make_error(ErrorCode::InvalidArgument, "the connection string sets {} twice", name);
    }
    spelled.emplace(key, std::string(name));
  }
  auto get = [&settings](const char* name) {
    auto it = settings.find(name);
    return it == settings.end() ? std::string() : it->second;
  };

  if (settings.count("usedevelopmentstorage")) {
    if (ascii_lower(get("usedevelopmentstorage")) != "true") {
      return make_error(ErrorCode::InvalidArgument, "UseDevelopmentStorage must be 'true' when present");
    }
    CLOUDSYNC_ASSIGN_OR_RETURN(AzureCredentials dev, development_storage(settings, spelled));
    log_resolved(dev, "a development storage connection string");
    return dev;
  }

  // Settings of other services (queues, tables, files) are valid but unused here.
  static constexpr std::array<std::string_view, 14> kKnown = {"defaultendpointsprotocol",
                                                              "accountname",
                                                              "accountkey",
                                                              "sharedaccesssignature",
                                                              "blobendpoint",
                                                              "endpointsuffix",
                                                              "queueendpoint",
                                                              "tableendpoint",
                                                              "fileendpoint",
                                                              "blobsecondaryendpoint",
                                                              "queuesecondaryendpoint",
                                                              "tablesecondaryendpoint",
                                                              "filesecondaryendpoint",
                                                              "developmentstorageproxyuri"};
  for (const auto& [key, value] : settings) {
    if (std::find(kKnown.begin(), kKnown.end(), key) == kKnown.end()) {
      log(LogLevel::Warn, "azure: ignoring the unknown connection string setting {}", spelled[key]);
    }
  }

  Fields f;
  f.source = "the connection string";
  f.account = get("accountname");
  f.account_key = get("accountkey");
  f.sas = get("sharedaccesssignature");
  if (f.sas.find("://") != std::string::npos) {
    return make_error(ErrorCode::InvalidArgument, "SharedAccessSignature must be a token, not a URL");
  }
  std::string blob_endpoint = get("blobendpoint");
  if (!blob_endpoint.empty()) {
    f.endpoint = blob_endpoint;
  } else {
    std::string protocol =
        settings.count("defaultendpointsprotocol") ? ascii_lower(get("defaultendpointsprotocol")) : "https";
    if (protocol != "https" && protocol != "http") {
      return make_error(ErrorCode::InvalidArgument, "DefaultEndpointsProtocol must be https or http");
    }
    std::string suffix = settings.count("endpointsuffix") ? get("endpointsuffix") : "core.windows.net";
    if (suffix.empty() || suffix.find_first_of("/?#@: ") != std::string::npos) {
      return make_error(ErrorCode::InvalidArgument, "EndpointSuffix must be a DNS suffix such as core.windows.net");
    }
    if (f.account.empty()) {
      return make_error(ErrorCode::InvalidArgument, "the connection string needs AccountName or BlobEndpoint");
    }
    CLOUDSYNC_RETURN_IF_ERROR(check_account_name(f.account, "AccountName"));
    f.endpoint = protocol + "://" + f.account + ".blob." + suffix;
  }
  Result<AzureCredentials> out = from_fields(f);
  if (out.ok()) log_resolved(*out, f.source);
  return out;
}

EnvLookup process_environment() { return environment_variable; }

namespace {

// Step 3: Entra tokens for the account or endpoint the settings or the
// environment name.
Result<AzureCredentials> from_entra(const AzureAuthSettings& settings, const std::string& env_account,
                                    const EnvLookup& env, const AzureTokenContext& tokens) {
  Fields f{settings.account.empty() ? env_account : std::string(trim(settings.account)),
           {},
           {},
           std::string(trim(settings.endpoint)),
           "the configuration"};
  AzureCredentials out;
  CLOUDSYNC_RETURN_IF_ERROR(set_endpoint(f, out));
  TokenEndpointOptions endpoint;
  endpoint.transport = tokens.transport ? tokens.transport : http::make_curl_transport(tokens.client);
  CLOUDSYNC_ASSIGN_OR_RETURN(std::unique_ptr<TokenSource> source,
                             make_entra_source(settings.entra, env, endpoint, tokens.client));
  log(LogLevel::Debug, "azure: account '{}', endpoint {}{}, Microsoft Entra ID ({})", out.account, out.blob_endpoint,
      out.path_style ? " (path-style)" : "", source->describe());
  TokenCacheOptions cache;
  cache.clock = tokens.clock;
  out.bearer = std::make_shared<CachingTokenProvider>(std::move(source), std::move(cache));
  return out;
}

}  // namespace

Result<AzureCredentials> resolve_azure_credentials(const AzureAuthSettings& given, const EnvLookup& env,
                                                   const AzureTokenContext& tokens) {
  register_secret(given.account_key);
  register_secret(given.sas);
  register_secret(given.connection_string);
  AzureAuthSettings settings = given;
  auto var = [&env](std::string_view name) {
    std::optional<std::string> value = env(name);
    return value ? std::string(trim(*value)) : std::string();
  };
  const std::string env_account = var("AZURE_STORAGE_ACCOUNT");

  if (!settings.credential.empty()) {
    CLOUDSYNC_ASSIGN_OR_RETURN(settings.entra.method, parse_entra_method(trim(settings.credential)));
    if (!settings.connection_string.empty() || !settings.account_key.empty() || !settings.sas.empty()) {
      return make_error(ErrorCode::InvalidArgument,
                        "credential={} uses Microsoft Entra ID and cannot be combined with a connection string, "
                        "account key or SAS",
                        settings.credential);
    }
    if (trim(settings.account).empty() && trim(settings.endpoint).empty() && env_account.empty()) {
      return make_error(ErrorCode::InvalidArgument,
                        "credential={} needs the storage account: give account or endpoint, or set "
                        "AZURE_STORAGE_ACCOUNT",
                        settings.credential);
    }
    return from_entra(settings, env_account, env, tokens);
  }

  // 1. The settings' own secret.
  if (!settings.connection_string.empty()) {
    if (!settings.account.empty() || !settings.account_key.empty() || !settings.sas.empty() ||
        !settings.endpoint.empty()) {
      return make_error(ErrorCode::InvalidArgument,
                        "a connection string cannot be combined with an account, key, SAS or endpoint setting");
    }
    return parse_connection_string(settings.connection_string);
  }
  if (!settings.account_key.empty() || !settings.sas.empty()) {
    Fields f{std::string(trim(settings.account)), std::string(trim(settings.account_key)),
             std::string(trim(settings.sas)), std::string(trim(settings.endpoint)), "the configuration"};
    if (f.account.empty() && f.endpoint.empty() && f.sas.find("://") == std::string::npos) f.account = env_account;
    Result<AzureCredentials> out = from_fields(f);
    if (out.ok()) log_resolved(*out, f.source);
    return out;
  }

  // 2. The environment's, for the settings' account when they name one.
  const bool named = !trim(settings.account).empty() || !trim(settings.endpoint).empty();
  std::string connection_string = var("AZURE_STORAGE_CONNECTION_STRING");
  if (!connection_string.empty() && !named) {
    Result<AzureCredentials> out = parse_connection_string(connection_string);
    if (!out.ok()) return out.status().with_context("AZURE_STORAGE_CONNECTION_STRING");
    return out;
  }
  Fields f{settings.account.empty() ? env_account : std::string(trim(settings.account)), var("AZURE_STORAGE_KEY"),
           var("AZURE_STORAGE_SAS_TOKEN"), std::string(trim(settings.endpoint)),
           "the environment (AZURE_STORAGE_KEY, AZURE_STORAGE_SAS_TOKEN)"};
  if (!f.account_key.empty() || !f.sas.empty()) {
    Result<AzureCredentials> out = from_fields(f);
    if (out.ok()) log_resolved(*out, f.source);
    return out;
  }

  // 3. Microsoft Entra ID, for a known account.
  if (f.account.empty() && f.endpoint.empty()) {
    return make_error(ErrorCode::Unauthenticated,
                      "no Azure credentials: configure a connection string, an account key or a SAS, or set "
                      "AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_ACCOUNT with AZURE_STORAGE_KEY or "
                      "AZURE_STORAGE_SAS_TOKEN; or name the account (account=... or AZURE_STORAGE_ACCOUNT) to sign "
                      "in with Microsoft Entra ID");
  }
  return from_entra(settings, env_account, env, tokens);
}

}  // namespace cloudsync::auth
