// One operation's allowance of retries, shared by all its requests (rclone's
// low-level vs high-level retries): each request keeps its own attempts, but
// the operation as a whole stops retrying once it has spent its budget or has
// seen a run of failures of one kind with no progress in between. Without it,
// a server that resets every GET costs (HTTP attempts x transfer resumes) per
// file -- 60 requests and ten seconds of backoff for each of them.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

#include "cloudsync/backend.hpp"

namespace cloudsync {

class RetryBudget {
 public:
  /// `max_failures`: transient failures retried or resumed in the whole
  /// operation; `max_consecutive`: failures of one kind in a row, with nothing
  /// succeeding in between, after which no request of the operation retries
  /// (ten times as many when the store asks to slow down: 429, 503).
  explicit RetryBudget(uint32_t max_failures = 1000, uint32_t max_consecutive = 10);

  /// A request or a resume failed in a way a retry could cure; `kind` tells
  /// failures apart (an ErrorCode, or 1000 + an HTTP status). True when one
  /// more retry is allowed.
  bool allow_retry(int kind);
  /// A request succeeded or bytes arrived: the run of failures is over.
  void progress();
  /// Failures so far that were the store asking to slow down (HTTP 429 and
  /// 503, ErrorCode::Throttled): what the executor's window adapts to.
  uint64_t throttled() const;
  /// True once the operation stopped retrying.
  bool spent() const;
  /// Why it stopped, for error messages; empty while retries are allowed.
  std::string why() const;

 private:
  mutable std::mutex mutex_;
  const uint32_t max_failures_;
  const uint32_t max_consecutive_;
  uint32_t failures_ = 0;
  uint32_t consecutive_ = 0;
  uint64_t throttled_ = 0;
  int last_kind_ = 0;
  bool tripped_ = false;  ///< sticky until progress() (a success shows the store is back)
};

/// The kind of a failure for RetryBudget::allow_retry.
inline int retry_kind(ErrorCode code) { return static_cast<int>(code); }
inline int retry_kind_http(int status) { return 1000 + status; }

/// ctx's budget allows one more retry of a failure of `kind` (always true
/// without a budget).
inline bool retry_allowed(const OpContext& ctx, int kind) {
  return ctx.retry_budget == nullptr || ctx.retry_budget->allow_retry(kind);
}
inline void retry_progress(const OpContext& ctx) {
  if (ctx.retry_budget != nullptr) ctx.retry_budget->progress();
}

}  // namespace cloudsync
