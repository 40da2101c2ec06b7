#include "support/probe_journal.hpp"

#include "support/test_util.hpp"

namespace cloudsync::test {

ProbeJournal MemoryProbeJournal::journal() {
  ProbeJournal j;
  j.begin = [this](const std::string& key) {
    calls.push_back("begin " + key);
    if (on_begin) on_begin(key);
    if (!begin_status.ok()) return begin_status;
    open.insert(key);
    return Status::OK();
  };
  j.end = [this](const std::string& key) {
    calls.push_back("end " + key);
    if (on_end) on_end(key);
    open.erase(key);
    return Status::OK();
  };
  j.leftovers = [this]() -> Result<std::vector<std::string>> {
    calls.emplace_back("leftovers");
    return std::vector<std::string>(open.begin(), open.end());
  };
  return j;
}

void check_disconnected(const StatusCheck& check, DisconnectReason reason, ProbeAction action,
                        const std::string& provider_code, int http_status) {
  INFO(status_check_to_json(check));
  CHECK(integration_status_name(check.status) == "DISCONNECTED");
  CHECK(disconnect_reason_name(check.reason) == disconnect_reason_name(reason));
  REQUIRE(check.missing_action.has_value());
  CHECK(probe_action_name(*check.missing_action) == probe_action_name(action));
  CHECK(check.provider_code == provider_code);
  CHECK(check.http_status == http_status);
  CHECK_FALSE(check.message.empty());
}

}  // namespace cloudsync::test
