// The integration status probe against Azurite with container SAS tokens:
// each set of permissions gets its status and the action it misses. Tokens
// that carry their permissions are checked by the backend before anything is
// sent; tokens naming a stored access policy leave the decision to Azurite.
#include "azure/azurite.hpp"
#include "core/hash.hpp"
#include "core/time.hpp"
#include "engine/status_probe.hpp"
#include "support/probe_journal.hpp"

namespace cloudsync::test {

using namespace std::chrono_literals;

namespace {

const std::vector<ProbeAction> kAll{ProbeAction::List, ProbeAction::Read, ProbeAction::Write, ProbeAction::Delete};

struct ProbeContainer {
  Azurite& az = azurite();
  std::string container = az.new_container();
  std::shared_ptr<StorageBackend> admin = az.backend(container);
  MemoryProbeJournal journal;

  ProbeContainer() { REQUIRE_OK(admin->write_all(P("data.csv"), "a,b\n1,2\n", {}, kCtx)); }

  StatusCheck probe(const std::string& sas) {
    AzureBackendOptions o;
    o.sas = sas;
    ProbeOptions options;
    options.writeback = true;
    return probe_backend(*az.backend(container, {}, o), options, journal.journal(), kCtx);
  }

  std::vector<std::string> probe_objects() {
    std::vector<std::string> out;
    for (const std::string& name : az.blob_names(container)) {
      if (name.find(".cloudsync-probe-") != std::string::npos) out.push_back(name);
    }
    return out;
  }
};

}  // namespace

TEST_CASE("azure status probe: container SAS permissions l, rl, rlw, rwdl and an expired SAS", "[azure][probe]") {
  ProbeContainer c;
  Azurite& az = c.az;
  TimePoint in_an_hour = now_utc() + 1h;

  check_disconnected(c.probe(az.container_sas(c.container, "l", in_an_hour)), DisconnectReason::MissingPermission,
                     ProbeAction::Read);
  check_disconnected(c.probe(az.container_sas(c.container, "rl", in_an_hour)), DisconnectReason::MissingPermission,
                     ProbeAction::Write);
  CHECK(c.probe_objects().empty());
  check_disconnected(c.probe(az.container_sas(c.container, "rlw", in_an_hour)), DisconnectReason::MissingPermission,
                     ProbeAction::Delete);
  std::vector<std::string> left = c.probe_objects();
  REQUIRE(left.size() == 1);
  CHECK(c.journal.open == std::set<std::string>{left[0]});

  // Full permissions: connected, and the probe the "rlw" check could not
  // delete is gone first.
  StatusCheck full = c.probe(az.container_sas(c.container, "rwdl", in_an_hour));
  INFO(status_check_to_json(full));
  CHECK(full.status == IntegrationStatus::Connected);
  CHECK(full.passed == kAll);
  CHECK(c.probe_objects().empty());
  CHECK(c.journal.open.empty());

  check_disconnected(c.probe(az.container_sas(c.container, "racwdl", now_utc() - 1h)),
                     DisconnectReason::ExpiredCredentials, ProbeAction::List);
}

TEST_CASE("azure status probe: Azurite's own refusals of a stored access policy's SAS", "[azure][probe]") {
  ProbeContainer c;
  c.az.set_access_policies(c.container,
                           {{"probe-l", "l"}, {"probe-rl", "rl"}, {"probe-rlw", "rlw"}, {"probe-rwdl", "rwdl"}},
                           now_utc() + 1h);

  auto sas = [&](const std::string& policy) { return c.az.policy_sas(c.container, policy); };
  check_disconnected(c.probe(sas("probe-l")), DisconnectReason::MissingPermission, ProbeAction::Read,
                     "AuthorizationPermissionMismatch", 403);
  check_disconnected(c.probe(sas("probe-rl")), DisconnectReason::MissingPermission, ProbeAction::Write,
                     "AuthorizationPermissionMismatch", 403);
  CHECK(c.journal.open.empty());
  check_disconnected(c.probe(sas("probe-rlw")), DisconnectReason::MissingPermission, ProbeAction::Delete,
                     "AuthorizationPermissionMismatch", 403);
  CHECK(c.probe_objects().size() == 1);
  StatusCheck full = c.probe(sas("probe-rwdl"));
  INFO(status_check_to_json(full));
  CHECK(full.status == IntegrationStatus::Connected);
  CHECK(c.probe_objects().empty());
  CHECK(c.journal.open.empty());
}

TEST_CASE("azure status probe: a wrong account key or a forged SAS is INVALID_CREDENTIALS", "[azure][probe]") {
  ProbeContainer c;
  SECTION("a wrong account key") {
    AzureBackendOptions o = c.az.key_options(c.container);
    o.account_key = base64_encode(random_bytes(64, 7));
    StatusCheck check = probe_backend(*c.az.backend(c.container, {}, o), {}, {}, kCtx);
    // Azurite's code for it; the service's would be AuthenticationFailed.
    check_disconnected(check, DisconnectReason::InvalidCredentials, ProbeAction::List, "AuthorizationFailure", 403);
  }
  SECTION("a SAS whose signature was tampered with") {
    std::string sas = c.az.container_sas(c.container, "rwdl", now_utc() + 1h);
    std::string forged = sas.substr(0, sas.find("sig=") + 4) + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%3D";
    check_disconnected(c.probe(forged), DisconnectReason::InvalidCredentials, ProbeAction::List, "AuthorizationFailure",
                       403);
  }
}

TEST_CASE("azure status probe: a missing container is NOT_FOUND", "[azure][probe]") {
  Azurite& az = azurite();
  StatusCheck check = probe_backend(*az.backend(unique_name("missing")), {}, {}, kCtx);
  check_disconnected(check, DisconnectReason::NotFound, ProbeAction::List, "ContainerNotFound", 404);
}

}  // namespace cloudsync::test
