// Support for the status probe's tests on each store: a journal kept in
// memory (engine/status_probe.hpp) that records every call in order, and the
// check of a DISCONNECTED outcome.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "engine/status_probe.hpp"

namespace cloudsync::test {

struct MemoryProbeJournal {
  /// Keys begun and not yet ended: what leftovers() answers.
  std::set<std::string> open;
  /// "leftovers", "begin <key>", "end <key>", in call order.
  std::vector<std::string> calls;
  /// What begin() answers (OK: it records the key).
  Status begin_status;
  /// Called inside begin() / end(), before they record anything.
  std::function<void(const std::string&)> on_begin, on_end;

  /// The journal's functions; they refer to this object, which must outlive them.
  ProbeJournal journal();
};

/// CHECKs that a probe found the store DISCONNECTED for `reason`, at `action`,
/// with the provider's code and HTTP status, and said why.
void check_disconnected(const StatusCheck& check, DisconnectReason reason, ProbeAction action,
                        const std::string& provider_code = {}, int http_status = 0);

}  // namespace cloudsync::test
