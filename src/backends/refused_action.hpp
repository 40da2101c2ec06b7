// Names the action a store refused on a PermissionDenied (list, read, write,
// delete), so that a host can tell an admin which permission to grant from
// the error's fields alone, without reading messages.
#pragma once

#include <memory>

#include "cloudsync/backend.hpp"

namespace cloudsync::backends {

/// `inner` seen through an adapter that labels each PermissionDenied it
/// returns with Status::with_missing_action: head and get "read", put,
/// multipart uploads and server-side copies "write", list_page "list", remove_many and sweeps
/// "delete". Everything else passes through unchanged.
std::shared_ptr<StorageBackend> label_refused_actions(std::shared_ptr<StorageBackend> inner);

}  // namespace cloudsync::backends
