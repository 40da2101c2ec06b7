// The integration status probe: what a check does against a store, and how a
// failure becomes a DISCONNECTED reason that names the missing permission.
//
// The probe lists one page of each configured prefix (so credentials scoped to
// a prefix pass), reads the first byte of one listed object when there is one
// (a non-empty one where it can: a range on an empty S3 object is a 416), and,
// when writeback is on, writes a uniquely named probe object (create-only where
// the store enforces it) and deletes it. The journal records each probe object
// before it is written, so a probe that a killed check left behind, or one the
// credentials could write but not delete, is deleted by the next check.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "cloudsync/backend.hpp"
#include "cloudsync/catalog.hpp"

namespace cloudsync {

struct ProbeOptions {
  /// Folders to list (relative to the backend's root); empty: the root.
  std::vector<std::string> prefixes;
  /// Also write and delete a probe object (the integration exports).
  bool writeback = false;
  /// The folder the probe object is written in (the first allowed path; "" = root).
  std::string probe_folder;
};

/// Where probe objects are recorded between their write and their delete.
/// Every member may be empty (nothing is recorded, nothing swept).
struct ProbeJournal {
  /// Called before a probe object is written.
  std::function<Status(const std::string& key)> begin;
  /// Called once the probe object is gone, or when its write was refused (it
  /// never existed). Not called when the write's outcome is unknown (a lost
  /// answer, a cancellation) or the delete failed: the next check sweeps it.
  std::function<Status(const std::string& key)> end;
  /// Probe objects recorded earlier and never ended (a killed check).
  std::function<Result<std::vector<std::string>>()> leftovers;
};

/// The name a probe object gets in `folder`: ".cloudsync-probe-<random hex>".
std::string probe_object_key(const std::string& folder);

/// True for a key named like a probe object: imports and syncs leave such
/// objects alone (a check running at the same moment deletes them).
bool is_probe_object_key(std::string_view key);

/// Runs the probe. Never fails: every failure becomes a DISCONNECTED check.
/// Leftover probes from the journal are deleted first (a failure to delete one
/// is logged, not fatal; one already gone counts as ended; a key not named
/// like a probe object is never deleted, only forgotten). Cancellation yields
/// DISCONNECTED with reason Error and the message "cancelled".
StatusCheck probe_backend(StorageBackend& backend, const ProbeOptions& options, const ProbeJournal& journal,
                          const OpContext& ctx);

/// Classifies the failure of `action` (e.g. PermissionDenied on Write ->
/// MissingPermission/write; Unauthenticated with an expired-token provider
/// code -> ExpiredCredentials; Network/Timeout -> Unreachable, never NotFound).
/// The provider code decides; the message is read only where the code does not
/// say why (Azure's AuthenticationFailed detail, OAuth's invalid_grant, the
/// SAS checks made before sending).
StatusCheck classify_probe_failure(ProbeAction action, const Status& failure);

}  // namespace cloudsync
