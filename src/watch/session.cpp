// KernelSession: a kernel start (restore) followed by the writeback watcher.
#include "cloudsync/watch.hpp"
#include "engine/workspace_impl.hpp"
#include "watch/watcher.hpp"

namespace cloudsync {

struct KernelSession::Impl {
  std::vector<OperationResult> restored;
  std::unique_ptr<Watcher> watcher;
};

KernelSession::KernelSession(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

KernelSession::~KernelSession() { stop(); }

Result<std::unique_ptr<KernelSession>> KernelSession::start(Workspace& workspace, SessionOptions options,
                                                            WatchEventCallback on_event, const CancelToken* cancel) {
  auto impl = std::make_unique<Impl>();
  // Before the restore: a second session of the project is refused before it does anything.
  CLOUDSYNC_ASSIGN_OR_RETURN(FileLock lock, Watcher::lock_project(workspace.internals()));
  if (options.restore) {
    // Every integration the project is connected to; one that fails is
    // reported in restored() and does not keep the others' files away.
    CLOUDSYNC_ASSIGN_OR_RETURN(impl->restored, workspace.restore("", RestoreRequest{}, {}, cancel));
  }
  if (cancel != nullptr && cancel->is_cancelled()) return Status(ErrorCode::Cancelled, "cancelled");
  CLOUDSYNC_ASSIGN_OR_RETURN(impl->watcher, Watcher::start(workspace.internals(), std::move(lock),
                                                           std::move(options.watch), std::move(on_event)));
  return std::unique_ptr<KernelSession>(new KernelSession(std::move(impl)));
}

const std::vector<OperationResult>& KernelSession::restored() const { return impl_->restored; }

FlushResult KernelSession::flush(std::chrono::milliseconds timeout) { return impl_->watcher->flush(timeout); }

void KernelSession::stop() {
  if (impl_ && impl_->watcher) impl_->watcher->stop();
}

WatchStatus KernelSession::status() const { return impl_->watcher->status(); }

std::vector<QueuedExport> KernelSession::queue() const { return impl_->watcher->queue(); }

}  // namespace cloudsync
