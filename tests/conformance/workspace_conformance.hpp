// The one suite of engine scenarios every provider runs: a Workspace with one
// integration on a fresh remote, through import, export, restore, pull and
// push sync, conflicts, hostile remote names, interrupted transfers, and
// empty and failed listings. What it checks depends only on the target's
// quirks (what names its store can hold), never on which provider it is.
//
// Usage, in a provider's workspace test file:
//   TEST_CASE("s3 workspace conformance", "[s3][workspace]") {
//     run_workspace_conformance({"s3", [] { return fresh_s3_remote(); }, quirks});
//   }
// The suite uses Catch2 SECTIONs: make_remote is called once per section and
// must give an empty place each time (a new bucket, container, prefix or
// folder). The workspace reaches the remote through a FaultBackend
// (tests/support/fault_backend.hpp) wrapped around the backend the
// integration's URL and options open, so that the suite can cut downloads
// short and fail listings on any provider.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cloudsync/backend.hpp"

namespace cloudsync::test {

/// One fresh remote for one section.
struct WorkspaceRemote {
  /// The integration's URL ("s3://bucket/prefix", "gdrive://<folder id>").
  std::string url;
  /// Non-secret options stored with the integration (an endpoint, say).
  BackendOptions stored_options;
  /// Secrets given through WorkspaceOptions::credentials, never stored.
  BackendOptions credentials;
  /// The same place, seen directly: the suite sets the remote up and checks
  /// it through this (as another client of the store would).
  std::shared_ptr<StorageBackend> direct;
  /// Stores objects under `names` (relative to the integration's root) that
  /// are no valid Paths, behind the backend's back; given only the kinds of
  /// name the target's quirks say its store can hold.
  std::function<void(const std::vector<std::string>& names)> plant_raw;
};

/// What a store can hold that a project folder must never receive.
struct WorkspaceQuirks {
  /// "." and ".." segments ("data/../../escaped.txt"): S3 keys, memory
  /// keys, Drive names ("." and ".." are valid Drive file names).
  bool holds_dot_segments = false;
  /// Empty segments, which under a prefix also make absolute names
  /// ("data//double.txt", "/absolute.txt"): S3 keys, Azure blob names.
  bool holds_empty_segments = false;
  /// Control characters ("data/ctl\x01.txt"): most stores, local disks too.
  bool holds_control_chars = false;
  /// NUL bytes ("data/nul\0.txt"): only stores that take any byte string.
  bool holds_nul_bytes = false;
};

struct WorkspaceTarget {
  std::string name;
  std::function<WorkspaceRemote()> make_remote;
  WorkspaceQuirks quirks;
  /// Size of the file whose download the suite interrupts.
  size_t large_file_size = 300 * 1024 + 7;
};

void run_workspace_conformance(const WorkspaceTarget& target);

}  // namespace cloudsync::test
