#include "watch/fs_watcher.hpp"

#include <fmt/format.h>

#include "watch/inotify_watcher.hpp"
#include "watch/polling_watcher.hpp"

namespace cloudsync {

Result<std::unique_ptr<FsWatcher>> FsWatcher::open(FsWatcherOptions options) {
  if (!options.force_polling) return InotifyWatcher::open(std::move(options));
  CLOUDSYNC_ASSIGN_OR_RETURN(Waker waker, Waker::make());
  std::string reason =
      fmt::format("polling was asked for (force_polling); {}", polling_interval_text(options.poll_interval));
  return std::unique_ptr<FsWatcher>(std::make_unique<PollingWatcher>(std::move(options), std::move(reason),
                                                                     std::make_shared<const Waker>(std::move(waker))));
}

}  // namespace cloudsync
