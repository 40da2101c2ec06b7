// The Azure backend with Microsoft Entra ID bearer tokens, end to end:
// Azurite over HTTPS with --oauth basic (a self-signed certificate trusted
// through the ca_bundle option), tokens from tests/peers/entra_standin.py,
// refreshed before they expire; verify_tls=false; TLS refused without trust.
#include <thread>

#include "auth/azure/entra_fixture.hpp"
#include "azure/azurite.hpp"

namespace cloudsync::test {

using namespace std::chrono_literals;

namespace {

struct OAuthAzurite {
  TempDir dir;
  SelfSignedCertificate tls = make_certificate(dir.path(), "azurite-tls");
  PeerServer server{azurite_spec({"--oauth", "basic", "--cert", tls.cert.string(), "--key", tls.key.string()})};
  std::string endpoint() const {
    return "https://127.0.0.1:" + std::to_string(server.port()) + "/" + std::string(auth::kAzuriteAccount);
  }
};

AzureBackendOptions entra_options(const OAuthAzurite& azurite, const EntraStandin& standin) {
  AzureBackendOptions o;
  o.container = unique_name("oauth");
  o.create_container = true;
  o.endpoint = azurite.endpoint();
  o.credential = "client_secret";
  o.tenant_id = kEntraTenant;
  o.client_id = kEntraClient;
  o.client_secret = kEntraSecret;
  o.authority_host = standin.url();
  o.ca_bundle = azurite.tls.cert.string();
  return o;
}

std::string read(StorageBackend& b, const std::string& name) {
  auto text = b.read_all(P(name), kCtx);
  REQUIRE_OK(text);
  return *text;
}

}  // namespace

TEST_CASE("azure: Entra ID bearer tokens against Azurite over HTTPS, refreshed", "[azure][entra]") {
  OAuthAzurite azurite;
  // Tokens live 4 s: the cache replaces them after 2 s.
  EntraStandin standin(lifetime(4));
  auto opened = make_azure_backend(entra_options(azurite, standin));
  REQUIRE_OK(opened);
  std::shared_ptr<StorageBackend> b = *opened;
  REQUIRE_OK(b->write_all(P("a.txt"), "through a bearer token", {}, kCtx));
  CHECK(read(*b, "a.txt") == "through a bearer token");
  CHECK(standin.issued("client_secret") == 1);
  std::this_thread::sleep_for(2100ms);
  REQUIRE_OK(b->write_all(P("b.txt"), "after the refresh", {}, kCtx));
  auto page = b->list_page(ListOptions{}, kCtx);
  REQUIRE_OK(page);
  CHECK(page->objects.size() == 2);
  CHECK(standin.issued("client_secret") == 2);
}

TEST_CASE("azure: TLS settings, and an account option with the key from the environment", "[azure][entra]") {
  OAuthAzurite azurite;
  EntraStandin standin;
  // Without trusting the certificate: refused.
  AzureBackendOptions untrusted = entra_options(azurite, standin);
  untrusted.ca_bundle.clear();
  azure::AzureEnvironment once;
  once.retry.max_attempts = 1;  // a TLS refusal is retried like any network error otherwise
  auto refused = azure::make_azure_backend(untrusted, once);
  REQUIRE_OK(refused);
  Status failed = (*refused)->write_all(P("x.txt"), "x", {}, kCtx).status();
  INFO(failed.to_string());
  CHECK_FALSE(failed.ok());
  CHECK(failed.to_string().find(kEntraSecret) == std::string::npos);

  // verify_tls=false accepts it (and the token request too, which is plain http here).
  untrusted.verify_tls = false;
  auto insecure = make_azure_backend(untrusted);
  REQUIRE_OK(insecure);
  REQUIRE_OK((*insecure)->write_all(P("y.txt"), "y", {}, kCtx));

  // The help example: account from the options, AZURE_STORAGE_KEY from the environment.
  AzureBackendOptions key_from_env;
  key_from_env.container = untrusted.container;
  key_from_env.account = std::string(auth::kAzuriteAccount);
  key_from_env.endpoint = azurite.endpoint();
  key_from_env.ca_bundle = azurite.tls.cert.string();
  azure::AzureEnvironment env;
  env.env = fake_environment({{"AZURE_STORAGE_KEY", std::string(auth::kAzuriteAccountKey)}});
  auto shared_key = azure::make_azure_backend(key_from_env, env);
  REQUIRE_OK(shared_key);
  CHECK(read(**shared_key, "y.txt") == "y");
}

}  // namespace cloudsync::test
