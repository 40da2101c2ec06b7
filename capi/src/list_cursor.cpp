#include "list_cursor.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "core/hash.hpp"

namespace cloudsync::capi {

ListCursor::ListCursor(std::shared_ptr<StorageBackend> backend, ListOptions options, const CancelToken* cancel)
    : backend_(std::move(backend)), options_(std::move(options)) {
  ctx_.cancel = cancel;
  if (options_.max_pages == 0) options_.max_pages = kDefaultMaxListPages;
}

Result<std::optional<ListCursor::Entry>> ListCursor::next() {
  if (!ended_ && ctx_.cancelled()) {
    ended_ = true;
    page_.clear();
    position_ = 0;
    return Status(ErrorCode::Cancelled, "listing cancelled");
  }
  while (!ended_ && position_ == page_.size()) {
    Status fetched = last_page_seen_ ? end_of_listing() : fetch_page();
    if (!fetched.ok()) {
      ended_ = true;
      page_.clear();
      position_ = 0;
      return fetched;
    }
  }
  if (ended_) return std::optional<Entry>();
  return std::optional<Entry>(std::move(page_[position_++]));
}

Status ListCursor::fetch_page() {
  if (ctx_.cancelled()) return Status(ErrorCode::Cancelled, "listing cancelled");
  CLOUDSYNC_ASSIGN_OR_RETURN(ListPage page, backend_->list_page(options_, ctx_));
  ++pages_;
  if (!first_unreadable_ && !page.unreadable.empty()) first_unreadable_ = page.unreadable.front();
  page_.clear();
  position_ = 0;
  for (ObjectMeta& meta : page.objects) page_.push_back({std::move(meta), false});
  for (std::string& prefix : page.common_prefixes) {
    Entry folder;
    folder.meta.key = std::move(prefix);
    folder.meta.kind = ObjectKind::DirectoryMarker;
    folder.rolled_up = true;
    page_.push_back(std::move(folder));
  }
  // Stores list in no particular order; each page is handed out sorted.
  std::sort(page_.begin(), page_.end(), [](const Entry& a, const Entry& b) { return a.meta.key < b.meta.key; });

  // A page is handed out before what ends the listing after it is reported.
  last_page_seen_ = true;
  if (page.next_page_token.empty()) return Status::OK();
  if (!tokens_sent_.insert(sha256_digest(page.next_page_token)).second) {
    cut_short_ = make_error(ErrorCode::BadResponse,
                            "listing {}: the server repeated a page token it had already given (after page {}); the "
                            "listing would never end",
                            backend_->describe(), pages_);
  } else if (pages_ >= options_.max_pages) {
    cut_short_ = make_error(ErrorCode::LimitExceeded, "listing {}: still more after {} pages; giving up (max_pages)",
                            backend_->describe(), pages_);
  } else {
    last_page_seen_ = false;
    options_.page_token = std::move(page.next_page_token);
  }
  return Status::OK();
}

Status ListCursor::end_of_listing() {
  ended_ = true;
  if (!cut_short_.ok()) return cut_short_;
  if (!first_unreadable_) return Status::OK();
  return first_unreadable_->reason.with_context(
      fmt::format("listing {} could not read '{}'", backend_->describe(), first_unreadable_->key));
}

}  // namespace cloudsync::capi
