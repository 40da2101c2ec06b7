// The writeback watcher of one project: file events -> settling -> the durable
// queue -> exports, on two threads of its own (see cloudsync/watch.hpp for
// the promises). KernelSession (session.cpp) is a restore followed by this.
#pragma once

#include <chrono>
#include <memory>
#include <vector>

#include "catalog/file_lock.hpp"
#include "cloudsync/watch.hpp"
#include "engine/workspace_impl.hpp"

namespace cloudsync {

class Watcher {
 public:
  /// The project's watch lock: one watcher per project at a time (Conflict
  /// when another session, in any process, holds it).
  static Result<FileLock> lock_project(Workspace::Impl& workspace);
  /// With the project's lock: requeues what a killed session left in flight,
  /// creates the folders of writeback integrations, and starts watching every
  /// integration folder of the project.
  static Result<std::unique_ptr<Watcher>> start(Workspace::Impl& workspace, FileLock lock, WatchOptions options,
                                                WatchEventCallback on_event);
  ~Watcher();
  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;

  FlushResult flush(std::chrono::milliseconds timeout);
  void stop();
  WatchStatus status() const;
  std::vector<QueuedExport> queue() const;

  struct State;

 private:
  explicit Watcher(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace cloudsync
