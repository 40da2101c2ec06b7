// A record table in memory for the exporter's tests: rows of (updated_at, id,
// JSON) read with the keyset contract of cloudsync/records.hpp, an optional
// delete feed, and failures to inject on a chosen page.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "cloudsync/records.hpp"
#include "core/error.hpp"
#include "core/time.hpp"

namespace cloudsync::test {

struct MemoryTable {
  std::mutex mutex;
  std::map<std::string, std::pair<std::string, std::string>> rows;  ///< id (JSON) -> (updated_at, JSON)
  std::vector<std::pair<std::string, std::string>> deletions;       ///< (deleted_at, id)
  bool delete_feed = false;
  int fail_on_read = -1;  ///< the read (0-based, pages and deletions) that fails, once
  int reads = 0;
  /// Called at the start of every read, outside the table's lock (a test
  /// acts in the middle of a run); cleared by the test when done.
  std::function<void()> on_read;

  /// Microsecond RFC 3339: compares as text in time order.
  static std::string stamp(TimePoint t) { return format_rfc3339(t, 6); }
  static std::string id_json(int id) { return fmt::format("\"r{:06}\"", id); }

  void upsert(int id, TimePoint at, int version = 1) {
    std::lock_guard lock(mutex);
    const std::string key = id_json(id);
    rows[key] = {stamp(at), fmt::format(R"({{"id":{},"updated_at":"{}","v":{}}})", key, stamp(at), version)};
  }
  void remove(int id, TimePoint at) {
    std::lock_guard lock(mutex);
    rows.erase(id_json(id));
    deletions.emplace_back(stamp(at), id_json(id));
  }
};

class MemoryRecordSource final : public RecordSource {
 public:
  explicit MemoryRecordSource(std::shared_ptr<MemoryTable> table) : table_(std::move(table)) {}

  Result<size_t> read_page(const RecordPageRequest& request, const RecordVisitor& visit,
                           const CancelToken* /*cancel*/) override {
    if (table_->on_read) table_->on_read();
    std::vector<std::tuple<std::string, std::string, std::string>> sorted;
    {
      std::lock_guard lock(table_->mutex);
      CLOUDSYNC_RETURN_IF_ERROR(count_read());
      for (const auto& [id, row] : table_->rows) sorted.emplace_back(row.first, id, row.second);
    }
    return visit_sorted(std::move(sorted), request, visit);
  }

  Result<size_t> read_deletions(const RecordPageRequest& request, const RecordVisitor& visit,
                                const CancelToken* /*cancel*/) override {
    std::vector<std::tuple<std::string, std::string, std::string>> sorted;
    {
      std::lock_guard lock(table_->mutex);
      CLOUDSYNC_RETURN_IF_ERROR(count_read());
      for (const auto& [at, id] : table_->deletions) sorted.emplace_back(at, id, "");
    }
    return visit_sorted(std::move(sorted), request, visit);
  }

  bool has_deletions() const override { return table_->delete_feed; }

 private:
  Status count_read() {
    if (table_->reads++ == table_->fail_on_read) {
      return make_error(ErrorCode::Network, "the test source dropped its connection");
    }
    return Status::OK();
  }

  static Result<size_t> visit_sorted(std::vector<std::tuple<std::string, std::string, std::string>> sorted,
                                     const RecordPageRequest& request, const RecordVisitor& visit) {
    std::sort(sorted.begin(), sorted.end());
    const std::string upper = MemoryTable::stamp(request.upper);
    size_t n = 0;
    for (const auto& [at, id, json] : sorted) {
      if (n == request.max_records) break;
      if (at > upper) break;
      if (request.after && std::tie(at, id) <= std::tie(request.after->updated_at, request.after->id)) continue;
      CLOUDSYNC_RETURN_IF_ERROR(visit(RecordView{at, id, json}));
      ++n;
    }
    return n;
  }

  std::shared_ptr<MemoryTable> table_;
};

}  // namespace cloudsync::test
