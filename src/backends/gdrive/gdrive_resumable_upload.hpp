// A Drive resumable upload session (developers.google.com/drive/api/guides/manage-uploads#resumable):
// data arrives in pieces of any size; whole multiples of 256 KiB go out as
// chunks ("Content-Range: bytes a-b/total", answered 308 with the Range the
// server holds), and at least one byte is held back until finish() sends the
// rest with the total, so nothing is visible before then. After a dropped
// connection or a 5xx the session is asked how much it holds
// ("Content-Range: bytes */total", empty body) and the upload continues from
// there. A 404 means the session expired: session_expired() turns true and the
// caller starts over (a new writer) if it still has the data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "backends/gdrive/gdrive_client.hpp"

namespace cloudsync::gdrive {

/// Chunks must be multiples of this, except the last.
inline constexpr uint64_t kChunkQuantum = 256 * 1024;

class ResumableWriter {
 public:
  /// `total`, when known up front, is declared to Drive; finish() works either way.
  ResumableWriter(DriveClient& client, UploadTarget target, std::optional<uint64_t> total, std::string what);

  /// Takes the next bytes; sends what is due. Memory held: the unsent tail
  /// (less than 256 KiB after a call) plus `data` while it is sent.
  Status append(std::string_view data, const OpContext& ctx);
  /// Sends the rest and returns the file Drive made or updated.
  Result<DriveFile> finish(const OpContext& ctx);

  uint64_t appended() const { return appended_; }
  /// Nothing reached the server yet: a new session can take over with held().
  bool restartable() const { return confirmed_ == 0; }
  /// The bytes not yet confirmed by the server (all of them while restartable()).
  const std::string& held() const { return carry_; }
  /// The last failure was a 404 from the session: it expired or was lost.
  bool session_expired() const { return session_expired_; }

 private:
  /// Sends chunks while a full one is due (or everything when `final`);
  /// returns the file when the server completed the upload.
  Result<std::optional<DriveFile>> flush(bool final, const OpContext& ctx);
  std::string range_total(bool final) const;
  /// Drops the bytes a 308 answer confirms from the front of carry_.
  Status accept_range(const http::Response& response);

  DriveClient& client_;
  UploadTarget target_;
  std::optional<uint64_t> total_;
  std::string what_;
  std::string session_;
  std::string carry_;       ///< bytes from offset confirmed_ on, not yet confirmed
  uint64_t confirmed_ = 0;  ///< bytes the server holds
  uint64_t appended_ = 0;
  bool need_sync_ = false;  ///< the server's offset is unknown (a chunk failed in flight)
  bool session_expired_ = false;
};

}  // namespace cloudsync::gdrive
