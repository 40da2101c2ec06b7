// The steps every way of moving an object shares (a download into a folder,
// an upload from one, a copy between two stores): progress that takes back
// what a retried upload re-reads, the errors that tell a changed source from
// a changed destination, the write mode that enforces a destination
// expectation, checksum verification, and a GET resumed with a range pinned
// to the etag.
#pragma once

#include <string>
#include <string_view>

#include "cloudsync/backend.hpp"
#include "transfer/progress_tracker.hpp"
#include "transfer/transfer.hpp"

namespace cloudsync::transfer_steps {

/// Reports upload progress; on rewind (a retry) takes the counted bytes back.
class ProgressSource final : public ByteSource {
 public:
  ProgressSource(ByteSource& in, ProgressTracker* progress, const std::string& label)
      : in_(in), progress_(progress), label_(label) {}
  Result<size_t> read(std::span<char> buf) override;
  std::optional<uint64_t> size() const override { return in_.size(); }
  Status rewind() override;

 private:
  ByteSource& in_;
  ProgressTracker* progress_;
  const std::string& label_;
  uint64_t counted_ = 0;
};

/// Integrity when `computed` contradicts what `vouched` says of the same bytes.
Status verify_hashes(const HashSet& vouched, const HashSet& computed, const Path& key);

/// PreconditionFailed: the source is not what was planned any more; the
/// transfer is abandoned and the file is sent again (it is not a conflict:
/// only one side changed).
Status source_changed(const Path& key, std::string_view why);
/// Conflict: the destination no longer is what the plan saw.
Status destination_changed(const Path& key, std::string_view why);

/// Chooses the write mode that enforces the expectation on a remote store, or
/// checks it by reading when the store cannot enforce it.
Result<PutOptions> put_options_for(StorageBackend& dst, const Path& dst_key, const DestinationExpectation& expect,
                                   PutOptions put, const OpContext& ctx);
/// A store's refusal of a conditional write, as the destination's change.
Status map_put_error(const Status& s, const Path& dst_key);

/// Whether a read that failed with `code` after `attempt` resumptions is
/// tried again: a transient error, attempts and the operation's retry budget
/// left, not cancelled. Waits before saying yes.
bool resume_after(ErrorCode code, uint32_t attempt, const TransferOptions& options, const OpContext& ctx);

/// Reads `range` of `key` (the whole object when absent) into `sink`, pinned
/// to `etag` when given, resuming with a ranged read after transient errors
/// (up to options.resume_attempts times, within the operation's retry
/// budget). Without an etag to pin to, only an attempt that received nothing
/// is repeated. A version other than `etag` is PreconditionFailed.
Result<ObjectMeta> get_resuming(StorageBackend& src, const Path& key, const std::string& etag,
                                std::optional<ByteRange> range, ByteSink& sink, const TransferOptions& options,
                                const OpContext& ctx);

}  // namespace cloudsync::transfer_steps
