// Where a listing of a folder tree stands between two list_page() calls: the
// folders still to list (the first one being listed), Drive's page token for
// it and how much of that Drive page was already returned. The page token
// handed to callers is this state, encoded; it names folders by ID, so it
// stays valid however the backend object is recreated.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "cloudsync/status.hpp"

namespace cloudsync::gdrive {

struct WalkFolder {
  std::string id;
  std::string key_prefix;          ///< "" for the root, else "a/b/"
  std::vector<std::string> chain;  ///< folder IDs from the root down to this one (loop detection)
};

struct ListingCursor {
  std::deque<WalkFolder> folders;  ///< front(): the folder being listed
  std::string drive_token;         ///< files.list pageToken for front(); empty: its first page
  uint32_t page_size = 0;          ///< pageSize used for front() (Drive wants it unchanged across pages)
  uint32_t skip = 0;               ///< entries of the current Drive page already handled

  std::string encode() const;
  /// InvalidArgument for a token this backend did not make.
  static Result<ListingCursor> decode(std::string_view token);
};

}  // namespace cloudsync::gdrive
