// Microsoft Entra ID credentials against tests/peers/entra_standin.py: each
// method gets a token, has it refreshed when the (stepped) clock makes it
// due, and fails with a message that names the method and holds no secret.
#include <chrono>
#include <string>

#include "auth/azure/azure_cli_credential.hpp"
#include "auth/azure/credentials.hpp"
#include "auth/azure/entra_app.hpp"
#include "auth/azure/entra_credential.hpp"
#include "auth/azure/entra_fixture.hpp"
#include "core/hash.hpp"
#include "core/time.hpp"

namespace cloudsync::test {

using namespace cloudsync::auth;
using namespace std::chrono_literals;

namespace {

EntraSettings only(EntraMethod method) {
  EntraSettings s;
  s.method = method;
  return s;
}

struct Provider {
  SteppedClock clock;
  std::shared_ptr<TokenProvider> tokens;
};

// The provider for `settings` as resolve_azure_credentials() builds it, on a
// stepped clock.
void make_provider(Provider& p, EntraSettings settings, std::map<std::string, std::string> env) {
  AzureAuthSettings auth;
  auth.account = "myaccount";
  auth.credential = std::string(entra_method_name(settings.method));
  auth.entra = std::move(settings);
  AzureTokenContext context;
  context.clock = p.clock.function();
  Result<AzureCredentials> c = resolve_azure_credentials(auth, fake_environment(std::move(env)), context);
  REQUIRE_OK(c);
  REQUIRE(c->bearer != nullptr);
  CHECK(c->account_key.empty());
  CHECK_FALSE(c->sas.has_value());
  CHECK(c->blob_endpoint == "https://myaccount.blob.core.windows.net");
  p.tokens = c->bearer;
}

std::string token(Provider& p) {
  Result<AccessToken> t = p.tokens->token({});
  REQUIRE_OK(t);
  CHECK(t->expires_at > p.clock.now());
  return t->value;
}

// One token, reused; a second once the clock passes the refresh point (half
// of the stand-in's 60 s lifetime).
void check_refresh(Provider& p, const EntraStandin& standin, const std::string& method) {
  std::string first = token(p);
  CHECK(first.find('.') != std::string::npos);  // JWT-shaped
  CHECK(token(p) == first);
  CHECK(standin.issued(method) == 1);
  p.clock.advance(35s);
  std::string second = token(p);
  CHECK(second != first);
  CHECK(standin.issued(method) == 2);
}

EntraSettings app_settings(EntraMethod method, const EntraStandin& standin) {
  EntraSettings s;
  s.method = method;
  s.tenant_id = kEntraTenant;
  s.client_id = kEntraClient;
  s.authority_host = standin.url();
  return s;
}

void check_no_secret(const Status& status, const std::string& secret) {
  INFO(status.to_string());
  CHECK(status.to_string().find(secret) == std::string::npos);
}

}  // namespace

TEST_CASE("entra: client secret, refreshed, and a wrong secret named but not shown", "[entra]") {
  EntraStandin standin(lifetime(60));
  Provider p;
  EntraSettings s = app_settings(EntraMethod::ClientSecret, standin);
  s.client_secret = kEntraSecret;
  make_provider(p, s, {});
  check_refresh(p, standin, "client_secret");

  // From the environment, as EnvironmentCredential reads it.
  Provider from_env;
  make_provider(from_env, only(EntraMethod::ClientSecret),
                {{"AZURE_TENANT_ID", kEntraTenant},
                 {"AZURE_CLIENT_ID", kEntraClient},
                 {"AZURE_CLIENT_SECRET", kEntraSecret},
                 {"AZURE_AUTHORITY_HOST", standin.url()}});
  token(from_env);
  CHECK(standin.issued("client_secret") == 3);

  Provider wrong;
  const std::string bad_secret = "wrong-client-secret-value-99";
  s.client_secret = bad_secret;
  make_provider(wrong, s, {});
  Result<AccessToken> t = wrong.tokens->token({});
  REQUIRE_CODE(t, ErrorCode::Unauthenticated);
  CHECK(t.status().message().find("AADSTS7000215") != std::string::npos);
  CHECK(t.status().message().find("client secret") != std::string::npos);
  check_no_secret(t.status(), bad_secret);
}

TEST_CASE("entra: client certificate assertion (x5t, RS256), refreshed", "[entra]") {
  TempDir dir;
  SelfSignedCertificate cert = make_certificate(dir.path(), "client");
  EntraStandinOptions options = lifetime(60);
  options.client_certificate = cert.cert.string();
  EntraStandin standin(options);
  Provider p;
  EntraSettings s = app_settings(EntraMethod::ClientCertificate, standin);
  s.client_certificate_path = cert.both.string();
  make_provider(p, s, {});
  check_refresh(p, standin, "client_certificate");
  CHECK(standin.rejections().empty());

  // Another key: the stand-in refuses the assertion (thumbprint or signature).
  SelfSignedCertificate other = make_certificate(dir.path(), "other");
  Provider wrong;
  s.client_certificate_path = other.both.string();
  make_provider(wrong, s, {});
  Result<AccessToken> t = wrong.tokens->token({});
  REQUIRE_CODE(t, ErrorCode::Unauthenticated);
  CHECK(t.status().message().find("client assertion") != std::string::npos);
  check_no_secret(t.status(), read_file(other.key).substr(40, 40));

  // A password is refused by name, and not shown.
  const std::string password = "certificate-password-31";
  Result<ClientCertificate> locked = load_client_certificate(cert.both, password);
  REQUIRE_CODE(locked, ErrorCode::Unsupported);
  check_no_secret(locked.status(), password);
  // A file without a certificate.
  Result<ClientCertificate> key_only = load_client_certificate(cert.key, "");
  REQUIRE_CODE(key_only, ErrorCode::InvalidArgument);
  CHECK(key_only.status().message().find("no PEM certificate") != std::string::npos);
}

TEST_CASE("entra: the client assertion's header and claims", "[entra]") {
  TempDir dir;
  SelfSignedCertificate cert = make_certificate(dir.path(), "claims");
  Result<ClientCertificate> c = load_client_certificate(cert.both, "");
  REQUIRE_OK(c);
  CHECK(c->x5t.size() == 27);       // base64url SHA-1
  CHECK(c->x5t_s256.size() == 43);  // base64url SHA-256
  CHECK(client_assertion_header_json(*c) ==
        R"({"alg":"RS256","typ":"JWT","x5t":")" + c->x5t + R"(","x5t#S256":")" + c->x5t_s256 + R"("})");
  TimePoint at = from_unix_nanos(1'700'000'000'000'000'000);
  CHECK(client_assertion_claims_json("app", "https://login/t/oauth2/v2.0/token", at, "j1") ==
        R"({"aud":"https://login/t/oauth2/v2.0/token","iss":"app","sub":"app","jti":"j1",)"
        R"("nbf":1700000000,"iat":1700000000,"exp":1700000600})");
}

TEST_CASE("entra: workload identity re-reads the federated token file", "[entra]") {
  TempDir dir;
  const std::filesystem::path file = dir / "azure-identity-token";
  write_file(file, "federated-token-one\n");
  EntraStandinOptions options = lifetime(60);
  options.federated_file = file.string();
  EntraStandin standin(options);
  Provider p;
  make_provider(p, only(EntraMethod::WorkloadIdentity),
                {{"AZURE_TENANT_ID", kEntraTenant},
                 {"AZURE_CLIENT_ID", kEntraClient},
                 {"AZURE_FEDERATED_TOKEN_FILE", file.string()},
                 {"AZURE_AUTHORITY_HOST", standin.url()}});
  std::string first = token(p);
  write_file(file, "federated-token-two\n");  // the kubelet rotated it
  CHECK(token(p) == first);
  p.clock.advance(35s);
  CHECK(token(p) != first);
  CHECK(standin.federated_tokens() == std::vector<std::string>{"federated-token-one", "federated-token-two"});

  // A method without what it needs says which option and variable.
  AzureAuthSettings incomplete;
  incomplete.account = "myaccount";
  incomplete.credential = "workload_identity";
  Result<AzureCredentials> c = resolve_azure_credentials(incomplete, fake_environment({}));
  REQUIRE_CODE(c, ErrorCode::InvalidArgument);
  CHECK(c.status().message().find("tenant_id (or AZURE_TENANT_ID)") != std::string::npos);
}

TEST_CASE("entra: managed identity through the IMDS, user-assigned, refreshed", "[entra]") {
  EntraStandin standin(lifetime(60));
  Provider p;
  EntraSettings s = only(EntraMethod::ManagedIdentity);
  s.client_id = kManagedClient;
  make_provider(p, s, {{"AZURE_POD_IDENTITY_AUTHORITY_HOST", standin.url()}});
  check_refresh(p, standin, "imds");

  // Another identity is refused by the IMDS, and the message says so.
  Provider other;
  s.client_id = "not-this-identity";
  make_provider(other, s, {{"AZURE_POD_IDENTITY_AUTHORITY_HOST", standin.url()}});
  Result<AccessToken> t = other.tokens->token({});
  REQUIRE_FALSE(t.ok());
  CHECK(t.status().message().find("Identity not found") != std::string::npos);
  CHECK(t.status().message().find("managed identity") != std::string::npos);
}

TEST_CASE("entra: managed identity on App Service (expires_on only), refreshed", "[entra]") {
  EntraStandin standin(lifetime(60));
  Provider p;
  make_provider(p, only(EntraMethod::ManagedIdentity),
                {{"IDENTITY_ENDPOINT", standin.url() + "/msi/token"}, {"IDENTITY_HEADER", kIdentityHeader}});
  check_refresh(p, standin, "app_service");

  Provider wrong;
  const std::string bad_header = "wrong-identity-header-55";
  make_provider(wrong, only(EntraMethod::ManagedIdentity),
                {{"IDENTITY_ENDPOINT", standin.url() + "/msi/token"}, {"IDENTITY_HEADER", bad_header}});
  Result<AccessToken> t = wrong.tokens->token({});
  REQUIRE_CODE(t, ErrorCode::Unauthenticated);
  check_no_secret(t.status(), bad_header);
}

TEST_CASE("entra: the Azure CLI's token, refreshed, and a missing login explained", "[entra]") {
  TempDir dir;
  const std::filesystem::path bin = dir / "bin";
  std::filesystem::create_directories(bin);
  const std::filesystem::path az = bin / "az";
  // Counts its runs and checks its arguments; the token expires in 60 s.
  write_file(az,
             "#!/bin/sh\n"
             "[ \"$*\" = 'account get-access-token --resource https://storage.azure.com/ --output json' ] || "
             "{ echo \"bad arguments: $*\" >&2; exit 2; }\n"
             "echo run >>'" +
                 (dir / "runs").string() +
                 "'\n"
                 "n=$(wc -l <'" +
                 (dir / "runs").string() +
                 "')\n"
                 "exp=$(( $(date +%s) + 60 ))\n"
                 "printf '{\"accessToken\": \"cli-token-%s-abcdef\", \"expiresOn\": \"2000-01-01 00:00:00.000000\", "
                 "\"expires_on\": %s, \"tenant\": \"t\", \"tokenType\": \"Bearer\"}' \"$n\" \"$exp\"\n");
  std::filesystem::permissions(az, std::filesystem::perms::owner_all);
  Provider p;
  make_provider(p, only(EntraMethod::AzureCli), {{"PATH", "/nonexistent:" + bin.string()}});
  CHECK(token(p) == "cli-token-1-abcdef");
  CHECK(token(p) == "cli-token-1-abcdef");
  p.clock.advance(35s);
  CHECK(token(p) == "cli-token-2-abcdef");

  // expiresOn alone (older CLIs): local time.
  Result<AccessToken> older =
      parse_azure_cli_token(R"({"accessToken": "tok-older-1", "expiresOn": "2099-01-01 00:00:00.000000"})", now_utc());
  REQUIRE_OK(older);
  CHECK(older->expires_at > now_utc() + 24h * 365);

  write_file(az, "#!/bin/sh\necho \"ERROR: Please run 'az login' to setup account.\" >&2\nexit 1\n");
  Provider logged_out;
  make_provider(logged_out, only(EntraMethod::AzureCli), {{"PATH", bin.string()}});
  Result<AccessToken> t = logged_out.tokens->token({});
  REQUIRE_CODE(t, ErrorCode::Unauthenticated);
  CHECK(t.status().message().find("run 'az login'") != std::string::npos);

  AzureAuthSettings no_cli;
  no_cli.account = "myaccount";
  no_cli.credential = "azure_cli";
  Result<AzureCredentials> c = resolve_azure_credentials(no_cli, fake_environment({{"PATH", "/nonexistent"}}));
  REQUIRE_CODE(c, ErrorCode::Unauthenticated);
  CHECK(c.status().message().find("'az' is not on PATH") != std::string::npos);
}

TEST_CASE("entra: the DefaultAzureCredential chain", "[entra]") {
  EntraStandin standin(lifetime(60));
  // Nothing but a managed identity: the chain gets there.
  Provider p;
  make_provider(p, EntraSettings{},
                {{"AZURE_POD_IDENTITY_AUTHORITY_HOST", standin.url()},
                 {"AZURE_CLIENT_ID", kManagedClient},
                 {"PATH", "/nonexistent"}});
  token(p);
  CHECK(standin.issued("imds") == 1);

  // The environment's client secret comes first.
  Provider env;
  make_provider(env, EntraSettings{},
                {{"AZURE_TENANT_ID", kEntraTenant},
                 {"AZURE_CLIENT_ID", kEntraClient},
                 {"AZURE_CLIENT_SECRET", kEntraSecret},
                 {"AZURE_AUTHORITY_HOST", standin.url()},
                 {"AZURE_POD_IDENTITY_AUTHORITY_HOST", standin.url()}});
  token(env);
  CHECK(standin.issued("client_secret") == 1);
  CHECK(standin.issued("imds") == 1);

  // Nothing works: every member is named with its reason, no secret shown.
  const std::string bad_secret = "chain-wrong-secret-value-12";
  Provider none;
  make_provider(none, EntraSettings{},
                {{"AZURE_TENANT_ID", kEntraTenant},
                 {"AZURE_CLIENT_ID", kEntraClient},
                 {"AZURE_CLIENT_SECRET", bad_secret},
                 {"AZURE_AUTHORITY_HOST", standin.url()},
                 {"AZURE_POD_IDENTITY_AUTHORITY_HOST", "http://127.0.0.1:9"},
                 {"PATH", "/nonexistent"}});
  auto started = std::chrono::steady_clock::now();
  Result<AccessToken> t = none.tokens->token({});
  CHECK(std::chrono::steady_clock::now() - started < 10s);
  REQUIRE_CODE(t, ErrorCode::Unauthenticated);
  const std::string& m = t.status().message();
  INFO(m);
  CHECK(m.find("EnvironmentCredential (client secret): ") != std::string::npos);
  CHECK(m.find("AADSTS7000215") != std::string::npos);
  CHECK(m.find("WorkloadIdentityCredential: not configured") != std::string::npos);
  CHECK(m.find("ManagedIdentityCredential: ") != std::string::npos);
  CHECK(m.find("AzureCliCredential: ") != std::string::npos);
  CHECK(m.find("'az' is not on PATH") != std::string::npos);
  check_no_secret(t.status(), bad_secret);
}

}  // namespace cloudsync::test
