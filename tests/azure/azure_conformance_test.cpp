// The backend conformance suite on Azure (Azurite), every section on a fresh
// container or prefix: with the account key on a path-style endpoint, with a
// container SAS through an az:// URL with a prefix, and on a virtual-host
// endpoint (ACCOUNT.blob.localhost, which curl resolves to the loopback).
#include "azure/azurite.hpp"
#include "conformance/backend_conformance.hpp"
#include "core/time.hpp"

namespace cloudsync::test {

using namespace std::chrono_literals;

TEST_CASE("azure conformance with the account key on a path-style endpoint", "[azure][conformance]") {
  Azurite& az = azurite();
  run_backend_conformance({"azure-key", [&] { return az.backend(az.new_container()); }});
}

TEST_CASE("azure conformance with a container SAS through az://container/prefix", "[azure][conformance]") {
  Azurite& az = azurite();
  std::string container = az.new_container();
  std::string sas = az.container_sas(container, "racwdl", now_utc() + 2h);
  run_backend_conformance({"azure-sas-prefixed", [&] {
                             BackendOptions options{{"endpoint", az.endpoint()}, {"sas", sas}};
                             auto backend = open_backend("az://" + container + "/" + unique_name("scope"), options);
                             REQUIRE_OK(backend);
                             return *backend;
                           }});
}

TEST_CASE("azure conformance on a virtual-host endpoint", "[azure][conformance]") {
  Azurite& az = azurite();
  // Azurite takes the account from the host name, as the real service does.
  std::string endpoint = "http://devstoreaccount1.blob.localhost:" + std::to_string(az.port());
  run_backend_conformance({"azure-virtual-host", [&] {
                             auto backend = make_azure_backend(az.key_options(az.new_container(), endpoint));
                             REQUIRE_OK(backend);
                             return *backend;
                           }});
}

}  // namespace cloudsync::test
