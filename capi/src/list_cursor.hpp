// A listing pulled one entry at a time, fetching one page from the store when
// the previous one is used up: what the C ABI's iterator (and cloudsync_list)
// walk. StorageBackend::list pushes a whole listing through a callback instead;
// both stop at a repeated page token and at max_pages, and report an entry the
// store could not read only after every readable one.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "cloudsync/backend.hpp"

namespace cloudsync::capi {

class ListCursor {
 public:
  struct Entry {
    ObjectMeta meta;
    /// A "dir/" a one-level listing rolled up (only meta.key is set).
    bool rolled_up = false;
  };

  ListCursor(std::shared_ptr<StorageBackend> backend, ListOptions options, const CancelToken* cancel);

  /// The next entry, or nullopt at the end. An error is returned once; the
  /// cursor is then at its end.
  Result<std::optional<Entry>> next();

 private:
  Status fetch_page();
  Status end_of_listing();

  std::shared_ptr<StorageBackend> backend_;
  ListOptions options_;
  OpContext ctx_;
  std::vector<Entry> page_;
  size_t position_ = 0;
  uint64_t pages_ = 0;
  bool last_page_seen_ = false;  ///< no page is left to fetch
  Status cut_short_;             ///< why the listing stops early (a repeated token, max_pages)
  bool ended_ = false;
  std::optional<UnreadableEntry> first_unreadable_;
  std::unordered_set<std::string> tokens_sent_;  ///< as digests: some stores' tokens are large
};

}  // namespace cloudsync::capi
