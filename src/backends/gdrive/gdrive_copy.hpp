// Server-side copies within one Drive account (files.copy), kept apart from
// the uploads because Drive offers no way to copy into an existing file: a
// copy is always a new file with a new ID, which a replace must then put in
// place of the old one by renaming and trashing (gdrive_copy.cpp says in what
// order, and why), and files.copy takes no precondition, so the pinning of
// the source is a comparison before the copy and a check of the copy after.
// The DriveBackend methods behind copy_from() live in gdrive_copy.cpp.
#pragma once

#include "backends/gdrive/gdrive_client.hpp"

namespace cloudsync::gdrive {

/// True when `to` can copy what `from` reaches with files.copy sent with its
/// own token: both call the same API endpoint as the same principal, which is
/// what decides the files a copy may read and the folders it may write. The
/// principal is known to be the same only for one token provider shared by
/// both, or two fixed access tokens with the same value; two providers of
/// their own (a refresh token or a service-account key each) answer false,
/// even for the same user, since nothing here can tell whose tokens they
/// mint. The root folder and the shared drive of each side play no part:
/// they only scope keys, and files.copy (sent with supportsAllDrives) copies
/// between My Drive and shared drives; a drive whose policy forbids it answers
/// 403, which copy_refused() turns into a streamed copy.
bool same_drive_account(const DriveClient& to, const DriveClient& from);

}  // namespace cloudsync::gdrive
