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
  /// Digests of the Drive page tokens already sent for front(), drive_token's
  /// included: a server that hands one of them out again would have the
  /// listing go round in circles forever. Cleared with each new folder.
  std::vector<std::string> tokens_seen;

  /// Takes Drive's next page token for front(); Internal when it is one this
  /// listing already used for that folder (a server repeating its tokens), or
  /// LimitExceeded past `max_pages` pages. `describe` names the backend.
  Status advance(std::string next_token, uint64_t max_pages, std::string_view describe);
  /// front() is done: on to the next folder.
  void next_folder();

  std::string encode() const;
  /// InvalidArgument for a token this backend did not make.
  static Result<ListingCursor> decode(std::string_view token);
};

}  // namespace cloudsync::gdrive
