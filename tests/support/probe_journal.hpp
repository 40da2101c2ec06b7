// A status-probe journal kept in memory (engine/status_probe.hpp), recording
// every call in order, for the probe's tests on each store.
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

}  // namespace cloudsync::test
