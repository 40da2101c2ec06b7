#include "support/probe_journal.hpp"

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

}  // namespace cloudsync::test
