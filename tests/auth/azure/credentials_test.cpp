// Azure credentials from connection strings, settings and the environment.
#include "auth/azure/credentials.hpp"

#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "cloudsync/log.hpp"
#include "support/test_util.hpp"

namespace cloudsync::test {

using namespace cloudsync::auth;

namespace {

const std::string kKey(kAzuriteAccountKey);
const std::string kSasToken =
    "sv=2022-11-02&ss=b&srt=sco&sp=rl&se=2024-01-02T00%3A00%3A00Z&spr=https&sig=Y3JlZGVudGlhbHNzaWduYXR1cmU%3D";

EnvLookup fake_env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

AzureCredentials parse_ok(const std::string& text) {
  Result<AzureCredentials> c = parse_connection_string(text);
  INFO(text);
  REQUIRE_OK(c);
  return *c;
}

}  // namespace

TEST_CASE("portal connection strings with an account key", "[azure][credentials]") {
  AzureCredentials c = parse_ok("DefaultEndpointsProtocol=https;AccountName=myacct;AccountKey=" + kKey +
                                ";EndpointSuffix=core.windows.net");
  CHECK(c.account == "myacct");
  CHECK(c.blob_endpoint == "https://myacct.blob.core.windows.net");
  CHECK_FALSE(c.path_style);
  CHECK(c.account_key == kKey);
  CHECK_FALSE(c.sas.has_value());
  CHECK(c.container.empty());

  // Sovereign cloud, plain http, names in any case, stray spaces and ';'.
  c = parse_ok(" defaultendpointsprotocol=http ; ACCOUNTNAME=other;accountKEY=" + kKey +
               ";EndpointSuffix=core.chinacloudapi.cn;;");
  CHECK(c.account == "other");
  CHECK(c.blob_endpoint == "http://other.blob.core.chinacloudapi.cn");
  CHECK(c.account_key == kKey);
}

TEST_CASE("Azurite connection strings are path-style", "[azure][credentials]") {
  AzureCredentials c = parse_ok("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + kKey +
                                ";BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;");
  CHECK(c.account == "devstoreaccount1");
  CHECK(c.blob_endpoint == "http://127.0.0.1:10000/devstoreaccount1");
  CHECK(c.path_style);

  for (const char* text : {"UseDevelopmentStorage=true", "UseDevelopmentStorage=True;"}) {
    c = parse_ok(text);
    CHECK(c.account == "devstoreaccount1");
    CHECK(c.account_key == kKey);
    CHECK(c.blob_endpoint == "http://127.0.0.1:10000/devstoreaccount1");
    CHECK(c.path_style);
  }
  c = parse_ok("UseDevelopmentStorage=true;DevelopmentStorageProxyUri=http://emulator.local");
  CHECK(c.blob_endpoint == "http://emulator.local:10000/devstoreaccount1");

  // An emulator port on a named host, and an IP endpoint without the account
  // in its path (the account name fills it in).
  c = parse_ok("AccountName=devstoreaccount1;AccountKey=" + kKey +
               ";BlobEndpoint=http://localhost:10000/devstoreaccount1/");
  CHECK(c.blob_endpoint == "http://localhost:10000/devstoreaccount1");
  CHECK(c.path_style);
  c = parse_ok("AccountName=stack1;AccountKey=" + kKey + ";BlobEndpoint=https://10.1.2.3");
  CHECK(c.blob_endpoint == "https://10.1.2.3/stack1");
  CHECK(c.account == "stack1");
  CHECK(c.path_style);
}

TEST_CASE("SAS connection strings", "[azure][credentials]") {
  AzureCredentials c = parse_ok(
      "BlobEndpoint=https://myacct.blob.core.windows.net/;QueueEndpoint=https://myacct.queue.core.windows.net/;"
      "FileEndpoint=https://myacct.file.core.windows.net/;TableEndpoint=https://myacct.table.core.windows.net/;"
      "SharedAccessSignature=" +
      kSasToken);
  CHECK(c.account == "myacct");
  CHECK(c.blob_endpoint == "https://myacct.blob.core.windows.net");
  CHECK_FALSE(c.path_style);
  CHECK(c.account_key.empty());
  REQUIRE(c.sas.has_value());
  CHECK(c.sas->query == kSasToken);
  CHECK(c.sas->permissions == "rl");

  // AccountName with a SAS builds the public endpoint.
  c = parse_ok("AccountName=myacct;SharedAccessSignature=?" + kSasToken);
  CHECK(c.blob_endpoint == "https://myacct.blob.core.windows.net");
  REQUIRE(c.sas.has_value());
  CHECK(c.sas->query == kSasToken);
}

TEST_CASE("connection string errors are clear and never show the key", "[azure][credentials]") {
  // A short, invalid key: too short to be registered as a secret, so only the
  // parser's wording keeps it out of the messages.
  const std::string bad_key = "Qk!x";
  struct Case {
    std::string text;
    const char* expect;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"", "empty"},
           {"AccountName=myacct;" + bad_key, "part 2 is not Name=Value"},
           {"AccountName=myacct;AccountName=other;AccountKey=" + kKey, "sets AccountName twice"},
           {"AccountName=myacct;AccountKey=" + bad_key, "not valid base64"},
           {"AccountName=myacct;AccountKey=" + kKey + ";SharedAccessSignature=" + kSasToken,
            "both an account key and a SAS"},
           {"AccountName=myacct", "neither an account key nor a SAS"},
           {"AccountKey=" + kKey, "needs AccountName or BlobEndpoint"},
           {"DefaultEndpointsProtocol=ftp;AccountName=myacct;AccountKey=" + kKey, "must be https or http"},
           {"AccountName=my/acct;AccountKey=" + kKey, "not a valid storage account name"},
           {"AccountName=myacct;AccountKey=" + kKey + ";EndpointSuffix=evil.com/x", "EndpointSuffix"},
           {"UseDevelopmentStorage=false", "must be 'true'"},
           {"UseDevelopmentStorage=true;AccountName=myacct", "AccountName cannot be combined"},
           {"BlobEndpoint=https://myacct.blob.core.windows.net;SharedAccessSignature=https://x/c?" + kSasToken,
            "must be a token, not a URL"},
           {"BlobEndpoint=not a url;AccountName=myacct;AccountKey=" + kKey, "the blob endpoint is not an absolute"},
           {"BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;AccountName=other;AccountKey=" + kKey,
            "does not match the account 'devstoreaccount1'"},
           {"BlobEndpoint=http://127.0.0.1:10000;SharedAccessSignature=" + kSasToken, "names no account"},
           {"BlobEndpoint=https://myacct.blob.core.windows.net/c1;AccountName=myacct;AccountKey=" + kKey,
            "without a container"},
       }) {
    INFO(c.text);
    Result<AzureCredentials> parsed = parse_connection_string(c.text);
    REQUIRE_CODE(parsed, ErrorCode::InvalidArgument);
    INFO(parsed.status().message());
    CHECK(parsed.status().message().find(c.expect) != std::string::npos);
    for (const std::string& secret : {bad_key, kKey, std::string("Y3JlZGVudGlhbHNzaWduYXR1cmU")}) {
      CHECK(parsed.status().to_string().find(secret) == std::string::npos);
    }
  }
}

TEST_CASE("settings: account and key, SAS token, SAS URL, endpoint", "[azure][credentials]") {
  const EnvLookup no_env = fake_env({});
  AzureAuthSettings s;
  s.account = "myacct";
  s.account_key = kKey;
  Result<AzureCredentials> c = resolve_azure_credentials(s, no_env);
  REQUIRE_OK(c);
  CHECK(c->blob_endpoint == "https://myacct.blob.core.windows.net");
  CHECK(c->account_key == kKey);

  // A container SAS URL, the usual Kili/Hex-style input.
  s = {};
  s.sas = "https://myacct.blob.core.windows.net/photos?" + kSasToken;
  c = resolve_azure_credentials(s, no_env);
  REQUIRE_OK(c);
  CHECK(c->account == "myacct");
  CHECK(c->blob_endpoint == "https://myacct.blob.core.windows.net");
  CHECK(c->container == "photos");
  REQUIRE(c->sas.has_value());
  CHECK(c->sas->query == kSasToken);

  // The same against Azurite: the account comes from the path.
  s.sas = "http://127.0.0.1:10000/devstoreaccount1/photos/a.txt?" + kSasToken;
  c = resolve_azure_credentials(s, no_env);
  REQUIRE_OK(c);
  CHECK(c->account == "devstoreaccount1");
  CHECK(c->blob_endpoint == "http://127.0.0.1:10000/devstoreaccount1");
  CHECK(c->path_style);
  CHECK(c->container == "photos");

  // A SAS token with an explicit endpoint.
  s = {};
  s.sas = "?" + kSasToken;
  s.endpoint = "http://127.0.0.1:10000/devstoreaccount1";
  c = resolve_azure_credentials(s, no_env);
  REQUIRE_OK(c);
  CHECK(c->blob_endpoint == "http://127.0.0.1:10000/devstoreaccount1");
  CHECK(c->account == "devstoreaccount1");
  REQUIRE(c->sas.has_value());

  // A connection string in the settings.
  s = {};
  s.connection_string = "UseDevelopmentStorage=true";
  c = resolve_azure_credentials(s, no_env);
  REQUIRE_OK(c);
  CHECK(c->account == "devstoreaccount1");
}

TEST_CASE("settings errors", "[azure][credentials]") {
  const EnvLookup no_env = fake_env({});
  struct Case {
    AzureAuthSettings settings;
    const char* expect;
  };
  AzureAuthSettings mixed;
  mixed.connection_string = "UseDevelopmentStorage=true";
  mixed.account = "myacct";
  AzureAuthSettings both;
  both.account = "myacct";
  both.account_key = kKey;
  both.sas = kSasToken;
  AzureAuthSettings no_account;
  no_account.account_key = kKey;
  AzureAuthSettings sas_url_and_endpoint;
  sas_url_and_endpoint.sas = "https://myacct.blob.core.windows.net/c?" + kSasToken;
  sas_url_and_endpoint.endpoint = "https://myacct.blob.core.windows.net";
  AzureAuthSettings endpoint_with_query;
  endpoint_with_query.endpoint = "https://myacct.blob.core.windows.net/?" + kSasToken;
  endpoint_with_query.account = "myacct";
  endpoint_with_query.account_key = kKey;
  AzureAuthSettings sas_url_without_token;
  sas_url_without_token.sas = "https://myacct.blob.core.windows.net/c";
  for (const Case& c : std::initializer_list<Case>{
           {mixed, "cannot be combined"},
           {both, "both an account key and a SAS"},
           {no_account, "no account name and no endpoint"},
           {sas_url_and_endpoint, "names the endpoint already"},
           {endpoint_with_query, "must not have a query"},
           {sas_url_without_token, "has no token"},
       }) {
    Result<AzureCredentials> r = resolve_azure_credentials(c.settings, no_env);
    REQUIRE_CODE(r, ErrorCode::InvalidArgument);
    INFO(r.status().message());
    CHECK(r.status().message().find(c.expect) != std::string::npos);
    CHECK(r.status().to_string().find(kKey) == std::string::npos);
    CHECK(r.status().to_string().find("Y3JlZGVudGlhbHNzaWduYXR1cmU") == std::string::npos);
  }
}

TEST_CASE("the environment, as the Azure CLI reads it", "[azure][credentials]") {
  AzureAuthSettings none;
  Result<AzureCredentials> c =
      resolve_azure_credentials(none, fake_env({{"AZURE_STORAGE_ACCOUNT", "envacct"}, {"AZURE_STORAGE_KEY", kKey}}));
  REQUIRE_OK(c);
  CHECK(c->account == "envacct");
  CHECK(c->blob_endpoint == "https://envacct.blob.core.windows.net");
  CHECK(c->account_key == kKey);

  c = resolve_azure_credentials(
      none, fake_env({{"AZURE_STORAGE_ACCOUNT", "envacct"}, {"AZURE_STORAGE_SAS_TOKEN", "?" + kSasToken + "\n"}}));
  REQUIRE_OK(c);
  REQUIRE(c->sas.has_value());
  CHECK(c->sas->query == kSasToken);

  // A connection string wins over the separate variables.
  c = resolve_azure_credentials(none, fake_env({{"AZURE_STORAGE_CONNECTION_STRING", "UseDevelopmentStorage=true"},
                                                {"AZURE_STORAGE_ACCOUNT", "envacct"},
                                                {"AZURE_STORAGE_KEY", kKey}}));
  REQUIRE_OK(c);
  CHECK(c->account == "devstoreaccount1");

  // The account from the settings and the key from the environment combine
  // (`AZURE_STORAGE_KEY=... cloudsync copy az://... --src-option account=...`).
  AzureAuthSettings configured;
  configured.account = "configured";
  c = resolve_azure_credentials(configured, fake_env({{"AZURE_STORAGE_KEY", kKey}, {"AZURE_STORAGE_ACCOUNT", "x2"}}));
  REQUIRE_OK(c);
  CHECK(c->account == "configured");
  CHECK(c->account_key == kKey);
  // An environment connection string is not used for another account.
  c = resolve_azure_credentials(configured, fake_env({{"AZURE_STORAGE_CONNECTION_STRING", "UseDevelopmentStorage=true"},
                                                      {"AZURE_STORAGE_KEY", kKey}}));
  REQUIRE_OK(c);
  CHECK(c->account == "configured");
  // Explicit settings win over the environment.
  configured.account_key = kKey;
  c = resolve_azure_credentials(configured, fake_env({{"AZURE_STORAGE_ACCOUNT", "envacct"}}));
  REQUIRE_OK(c);
  CHECK(c->account == "configured");

  Result<AzureCredentials> nothing = resolve_azure_credentials(none, fake_env({{"AZURE_STORAGE_KEY", ""}}));
  REQUIRE_CODE(nothing, ErrorCode::Unauthenticated);
  CHECK(nothing.status().message().find("AZURE_STORAGE_CONNECTION_STRING") != std::string::npos);

  // An account without a key or SAS: Microsoft Entra ID, nothing fetched yet.
  Result<AzureCredentials> account_only = resolve_azure_credentials(none, fake_env({{"AZURE_STORAGE_ACCOUNT", "x1"}}));
  REQUIRE_OK(account_only);
  CHECK(account_only->account == "x1");
  CHECK(account_only->bearer != nullptr);
  CHECK(account_only->account_key.empty());
  CHECK_FALSE(account_only->sas.has_value());

  // credential= names an Entra method: keys are not taken with it.
  AzureAuthSettings entra_and_key;
  entra_and_key.account = "x1";
  entra_and_key.account_key = kKey;
  entra_and_key.credential = "managed_identity";
  Result<AzureCredentials> mixed = resolve_azure_credentials(entra_and_key, fake_env({}));
  REQUIRE_CODE(mixed, ErrorCode::InvalidArgument);
  CHECK(mixed.status().message().find("cannot be combined") != std::string::npos);
  entra_and_key.account_key.clear();
  entra_and_key.credential = "kerberos";
  Result<AzureCredentials> unknown = resolve_azure_credentials(entra_and_key, fake_env({}));
  REQUIRE_CODE(unknown, ErrorCode::InvalidArgument);
  CHECK(unknown.status().message().find("unknown credential 'kerberos'") != std::string::npos);

  Result<AzureCredentials> bad = resolve_azure_credentials(
      none, fake_env({{"AZURE_STORAGE_CONNECTION_STRING", "AccountName=envacct;AccountKey=Qk!x"}}));
  REQUIRE_CODE(bad, ErrorCode::InvalidArgument);
  CHECK(bad.status().message().find("AZURE_STORAGE_CONNECTION_STRING") != std::string::npos);
  CHECK(bad.status().to_string().find("Qk!x") == std::string::npos);
}

TEST_CASE("the process environment is read", "[azure][credentials]") {
  REQUIRE(::setenv("CLOUDSYNC_AZURE_AUTH_TEST_VAR", "value-1", 1) == 0);
  EnvLookup env = process_environment();
  CHECK(env("CLOUDSYNC_AZURE_AUTH_TEST_VAR") == std::optional<std::string>("value-1"));
  REQUIRE(::unsetenv("CLOUDSYNC_AZURE_AUTH_TEST_VAR") == 0);
  CHECK_FALSE(env("CLOUDSYNC_AZURE_AUTH_TEST_VAR").has_value());
}

TEST_CASE("resolving credentials logs where they came from, not the key", "[azure][credentials]") {
  std::mutex mutex;
  std::vector<std::string> lines;
  set_log_handler(LogLevel::Trace, [&](LogLevel, std::string_view message) {
    std::lock_guard lock(mutex);
    lines.emplace_back(message);
  });
  Result<AzureCredentials> c = parse_connection_string("AccountName=logacct;AccountKey=" + kKey);
  set_log_handler(LogLevel::Error, nullptr);
  REQUIRE_OK(c);
  bool mentioned = false;
  for (const std::string& line : lines) {
    mentioned = mentioned || line.find("logacct") != std::string::npos;
    CHECK(line.find(kKey.substr(0, 16)) == std::string::npos);
  }
  CHECK(mentioned);
}

}  // namespace cloudsync::test
